"""Memory's keyword side without Chroma: the tokenizer, reciprocal rank fusion and BM25 scores kept equal
to a fresh index (tests/real/test_vectorstore.py runs the store)."""

from __future__ import annotations

import pytest

from vectorstore import (
    Hit,
    reciprocal_rank_fusion,
    tokenize,
)


def test_tokenizer_keeps_korean_content_morphemes_latin_words_and_numbers():
    assert tokenize("다음 주까지 예산안을 검토하기로 했습니다") == ["다음", "주", "예산안", "검토"]
    assert tokenize("3분기 매출 20% 증가, API v2 출시") == ["분기", "매출", "증가", "출시", "3", "20", "api", "v2"]
    assert tokenize("We'll ship the API v2 on Tuesday.") == ["ship", "api", "v2", "tuesday"]
    assert tokenize("") == []


def test_reciprocal_rank_fusion_rewards_agreement():
    def h(i: str) -> Hit:
        return Hit(i, "m", "segment", i, 0.0, {})

    fused = reciprocal_rank_fusion([[h("a"), h("b"), h("c")], [h("b"), h("d")]], k=3)
    assert [x.id for x in fused] == ["b", "a", "d"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)


def _corpus(n: int) -> list[tuple[str, str, dict]]:
    words = "budget release hiring database marketing security audit pricing survey mobile pipeline office".split()
    return [(f"d{i}", " ".join(words[(i * 7 + j * 3) % len(words)] for j in range(3 + i % 9)), {"i": i}) for i in range(n)]


def _bm25s_scores(docs: list[tuple[str, str, dict]], query: str) -> dict[str, float]:
    """Reference scores: bm25s (Lucene BM25) indexing exactly ``docs`` from scratch."""
    import bm25s

    live = [(i, tokenize(t)) for i, t, _ in docs if tokenize(t)]
    vocab: dict[str, int] = {}
    corpus = [[vocab.setdefault(tok, len(vocab)) for tok in toks] for _, toks in live]
    ref = bm25s.BM25(k1=1.5, b=0.75)
    ref.index((corpus, vocab), show_progress=False)
    scores = ref.get_scores([t for t in tokenize(query) if t in vocab])
    return {live[n][0]: float(v) for n, v in enumerate(scores) if v > 0}


def test_keyword_scores_after_incremental_changes_equal_a_fresh_index(tmp_path):
    from vectorstore.keyword import KeywordIndex

    docs = _corpus(300)
    index = KeywordIndex(tmp_path / "kw.db")
    index.put(docs[:290])
    assert index.search("budget", 3)
    index.put(docs[290:])  # added later
    index.put([("d5", "office move to Busan", {"i": 5})])  # replaced
    index.remove(["d3"])
    final = [d for d in docs if d[0] not in ("d3", "d5")] + [("d5", "office move to Busan", {"i": 5})]
    incremental = dict(index.search("budget audit office", 300))
    assert "d3" not in incremental and "d5" in incremental
    # the same statistics for every document: exactly bm25s's scores over the final set, old and new alike
    reference = _bm25s_scores(final, "budget audit office")
    assert set(incremental) == set(reference)
    assert all(incremental[i] == pytest.approx(reference[i], rel=1e-5) for i in reference)
    assert [i for i, _ in index.search("busan", 5, accept=lambda m: m["i"] == 5)] == ["d5"]
    assert index.search("busan", 5, accept=lambda m: m["i"] != 5) == []
    index.close()
    # persisted: a new process (a new index object) sees the same documents and scores, nothing rebuilt
    again = KeywordIndex(tmp_path / "kw.db")
    assert len(again) == 299 and dict(again.search("budget audit office", 300)) == incremental
    assert again.doc("d5").text == "office move to Busan" and again.doc("d5").metadata == {"i": 5}
    again._db.execute("PRAGMA user_version = 1")  # as if built by an older tokenizer
    again.close()
    assert len(KeywordIndex(tmp_path / "kw.db")) == 0  # emptied, for the store to refill from Chroma

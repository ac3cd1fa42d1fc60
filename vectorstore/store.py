"""Meeting memory: every processed meeting in ChromaDB, searchable by meaning and by keyword.

Two collections (names from ``settings.memory.collection``, default ``minutes``):
- ``minutes``: one passage per document, ``kind`` in segment | summary | decision | action, ids
  ``{meeting_id}:segment:{segment id}``, ``{meeting_id}:summary``, ``{meeting_id}:decision:{i}``,
  ``{meeting_id}:action:{i}``. Metadata: meeting_id, kind, title, language, date (ISO, the meeting's
  local date), date_int (yyyymmdd, for range filters), participants (lowercased names and name parts,
  a list: Chroma 1.5 stores lists and filters them with ``$contains``), and per kind speaker/start/end,
  index, owner/owner_keys/due/due_int/status.
- ``minutes-meetings``: one record per meeting; the document is the full meeting JSON (so server mode
  needs no local side files), the vector is the title + summary.

Search is hybrid by default: Chroma's vector search (with a where-filter) and BM25
(:mod:`vectorstore.keyword`, same filters; persisted in ``data_dir/keyword/``, a cache the store
brings back in line with the collection whenever their sizes differ) fused by reciprocal rank fusion. ``mode="vector"`` or
``"keyword"`` gives either alone. The embedder (USE multilingual) puts Korean and English in one space,
so a Korean question finds an English passage and the reverse; BM25 adds exact names and numbers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

from core.errors import InputError, MinutesError
from core.meeting import ActionItem, Decision, Meeting, Participant, Segment
from core.settings import Settings
from vectorstore.chroma_embedding import MinutesEmbeddingFunction
from vectorstore.keyword import KeywordIndex

Kind = Literal["segment", "summary", "decision", "action"]
KINDS: tuple[str, ...] = get_args(Kind)
SearchMode = Literal["hybrid", "vector", "keyword"]
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)
RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)
_PAGE = 2000


@dataclass
class Hit:
    """One retrieved passage. ``score``: cosine similarity (vector), BM25 (keyword) or RRF (hybrid)."""

    id: str
    meeting_id: str
    kind: str
    text: str
    score: float
    metadata: dict = field(default_factory=dict)


def _date_int(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _meeting_day(meeting_date: str) -> date:
    try:
        return datetime.fromisoformat(meeting_date).date()
    except (TypeError, ValueError) as e:
        raise InputError(f"meeting_date {meeting_date!r} is not an ISO date",
                         hint="use e.g. 2024-05-02T14:00:00+09:00") from e


def _name_keys(names: list[str]) -> list[str]:
    """Lowercased full names and their whitespace parts ("Alice Kim" -> alice kim, alice, kim)."""
    keys: list[str] = []
    for name in names:
        name = (name or "").strip().lower()
        if not name:
            continue
        for key in [name, *name.split()]:
            if key not in keys:
                keys.append(key)
    return keys


def _participant_names(meeting: Meeting) -> list[str]:
    names = [p["name"] for p in meeting.get("participants") or [] if p.get("name")]
    for seg in meeting.get("segments") or []:
        speaker = seg.get("speaker")
        if speaker and speaker not in names:
            names.append(speaker)
    return names


def _clean(metadata: dict[str, Any]) -> dict[str, Any]:
    """Chroma metadata: no None values, no empty lists."""
    return {k: v for k, v in metadata.items() if v is not None and not (isinstance(v, list) and not v)}


def passages_of(meeting: Meeting) -> list[tuple[str, str, dict[str, Any]]]:
    """The ``(id, text, metadata)`` passages a meeting is stored as (segments, summary, decisions, actions)."""
    mid = meeting["meeting_id"]
    day = _meeting_day(meeting["meeting_date"])
    minutes = meeting.get("minutes") or {}
    names = _participant_names(meeting)
    base = {
        "meeting_id": mid,
        "title": minutes.get("title") or mid,
        "language": meeting.get("language") or "",
        "date": day.isoformat(),
        "date_int": _date_int(day),
        "participants": _name_keys(names),
    }
    out: list[tuple[str, str, dict[str, Any]]] = []
    for seg in meeting.get("segments") or []:
        text = (seg.get("text") or "").strip()
        if text:
            out.append((f"{mid}:segment:{seg['id']}", text, _clean({
                **base, "kind": "segment", "segment_id": seg["id"], "speaker": seg.get("speaker"),
                "start": float(seg.get("start") or 0.0), "end": float(seg.get("end") or 0.0),
                "label": seg.get("label")})))
    summary = "\n".join(x for x in [minutes.get("summary") or "", *(minutes.get("key_points") or [])] if x.strip())
    if summary.strip():
        out.append((f"{mid}:summary", summary.strip(), _clean({**base, "kind": "summary"})))
    for i, dec in enumerate(minutes.get("decisions") or []):
        if (dec.get("text") or "").strip():
            out.append((f"{mid}:decision:{i}", dec["text"].strip(), _clean({
                **base, "kind": "decision", "index": i, "segment_ids": list(dec.get("segment_ids") or [])})))
    for i, act in enumerate(minutes.get("action_items") or []):
        task = (act.get("task") or "").strip()
        if not task:
            continue
        owner = act.get("owner")
        due = act.get("due")
        try:
            due_int = _date_int(date.fromisoformat(due[:10])) if due else None
        except ValueError:  # an unresolved phrase where a date belongs: keep it, just not range-filterable
            due_int = None
        out.append((f"{mid}:action:{i}", f"{owner}: {task}" if owner else task, _clean({
            **base, "kind": "action", "index": i, "task": task, "owner": owner,
            "owner_keys": _name_keys([owner] if owner else []), "due": due, "due_int": due_int,
            "due_phrase": act.get("due_phrase"), "status": act.get("status") or "open",
            "segment_ids": list(act.get("segment_ids") or [])})))
    return out


class _StoredParts(TypedDict, total=False):
    """The parts of a Meeting the store reads (validated; the rest of the record is kept as given)."""

    meeting_id: str
    meeting_date: str
    language: str
    participants: list[Participant]
    segments: list[Segment]


class _StoredMinutes(TypedDict, total=False):
    title: str
    summary: str
    key_points: list[str]
    decisions: list[Decision]
    action_items: list[ActionItem]


_PARTS = TypeAdapter(_StoredParts)
_MINUTES = TypeAdapter(_StoredMinutes)


def _check_meeting(meeting: Any) -> None:
    """Raise InputError unless ``meeting`` has what the store needs, well typed."""
    if not isinstance(meeting, dict):
        raise InputError(f"not a meeting record: got {type(meeting).__name__}", hint="pass the meeting JSON (a dict)")
    for key in ("meeting_id", "meeting_date"):
        if not isinstance(meeting.get(key), str) or not meeting[key].strip():
            raise InputError(f"not a meeting record: {key} is missing or empty",
                             hint="pass the meeting JSON produced by the pipeline (core.meeting.Meeting)")
    try:
        _PARTS.validate_python(meeting)
        _MINUTES.validate_python(meeting.get("minutes") or {})
    except ValidationError as e:
        first = e.errors()[0]
        raise InputError(f"not a meeting record: {'.'.join(map(str, first['loc']))}: {first['msg']}",
                         hint="pass the meeting JSON produced by the pipeline (core.meeting.Meeting)") from e
    _meeting_day(meeting["meeting_date"])


@dataclass(frozen=True)
class _Filter:
    """The search filters, as a Chroma where-clause and as the same predicate in Python (for BM25)."""

    since: int | None = None
    until: int | None = None
    participant: str | None = None
    kind: str | None = None
    meeting_id: str | None = None

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.since is not None:
            clauses.append({"date_int": {"$gte": self.since}})
        if self.until is not None:
            clauses.append({"date_int": {"$lte": self.until}})
        if self.participant:
            clauses.append({"participants": {"$contains": self.participant}})
        if self.kind:
            clauses.append({"kind": self.kind})
        if self.meeting_id:
            clauses.append({"meeting_id": self.meeting_id})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accept(self) -> Callable[[dict[str, Any]], bool] | None:
        if self.where() is None:
            return None

        def ok(m: dict[str, Any]) -> bool:
            d = m.get("date_int", 0)
            return ((self.since is None or d >= self.since) and (self.until is None or d <= self.until)
                    and (not self.participant or self.participant in (m.get("participants") or []))
                    and (not self.kind or m.get("kind") == self.kind)
                    and (not self.meeting_id or m.get("meeting_id") == self.meeting_id))

        return ok


class MeetingStore:
    """Meetings in ChromaDB (embedded on disk, or a Chroma server) with hybrid search. Thread-safe."""

    def __init__(self, settings: Settings, *, client: Any = None):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.settings = settings
        mem = settings.memory
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        self.embedding_function = MinutesEmbeddingFunction(settings.embeddings)
        try:
            if client is not None:
                self._client = client
            elif mem.mode == "server":
                self._client = chromadb.HttpClient(host=mem.host, port=mem.port, settings=chroma_settings)
            else:
                path = settings.path("chroma")
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self._passages = self._client.get_or_create_collection(
                mem.collection, embedding_function=self.embedding_function,
                configuration={"hnsw": {"space": "cosine"}})
            self._records = self._client.get_or_create_collection(
                f"{mem.collection}-meetings", embedding_function=self.embedding_function,
                configuration={"hnsw": {"space": "cosine"}})
        except MinutesError:
            raise
        except Exception as e:  # connection refused, bad collection name, model mismatch
            where = f"server {mem.host}:{mem.port}" if mem.mode == "server" else str(settings.path("chroma"))
            hint = ("start it with `chroma run --path DIR --host 127.0.0.1 --port PORT`, or set memory.mode=embedded"
                    if mem.mode == "server" else "check the data directory, or use a new memory.collection")
            raise MinutesError(f"cannot open meeting memory at {where}: {e}", hint=hint) from e
        self._owns_client = client is None
        try:
            self._check_embedding_model()
        except MinutesError:
            self.close()
            raise
        # the BM25 index persisted beside Chroma (in the data dir also for a Chroma server: it is ours)
        self._keyword = KeywordIndex(settings.path("keyword", f"{mem.collection}.db"))
        self._lock = threading.RLock()
        try:
            self._max_batch = int(self._client.get_max_batch_size())
        except Exception:
            self._max_batch = 1000

    def _check_embedding_model(self) -> None:
        """A collection keeps the model it was built with (Chroma ignores a different function passed on
        reopening); querying it with another model would return nonsense, so refuse."""
        for col in (self._passages, self._records):
            stored = (col.configuration or {}).get("embedding_function")
            if stored is None or not hasattr(stored, "get_config"):
                continue
            try:
                cfg = stored.get_config()
            except Exception:
                continue
            want = self.embedding_function.get_config()
            if (cfg.get("provider"), cfg.get("model")) != (want["provider"], want["model"]):
                raise MinutesError(
                    f"meeting memory '{col.name}' was built with embeddings {cfg.get('provider')}/{cfg.get('model')}, "
                    f"but the settings ask for {want['provider']}/{want['model']}",
                    hint="set the embeddings back, or choose a new memory.collection and re-process the meetings")

    # ----------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Release the Chroma client (embedded mode: closes the on-disk database)."""
        keyword = getattr(self, "_keyword", None)  # absent when opening failed before it was made
        if keyword is not None:
            keyword.close()
        if self._owns_client and hasattr(self._client, "close"):
            self._client.close()

    def __enter__(self) -> MeetingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def count(self) -> int:
        """Number of stored passages (all meetings, all kinds)."""
        return self._passages.count()

    # ----------------------------------------------------------------- writing

    def upsert_meeting(self, meeting: Meeting) -> int:
        """Store ``meeting``, replacing whatever was stored under its meeting_id; returns passages stored."""
        return self.upsert_meetings([meeting])

    def upsert_meetings(self, meetings: list[Meeting]) -> int:
        """Store many meetings in few Chroma calls (an import or re-index); each replaces its earlier
        version. Returns the number of passages stored. Every meeting is checked before anything is written."""
        meetings = list(meetings)
        for meeting in meetings:
            _check_meeting(meeting)
        latest = {m["meeting_id"]: m for m in meetings}  # a meeting given twice: the last one wins
        meetings = list(latest.values())
        if not meetings:
            return 0
        passages = [p for m in meetings for p in passages_of(m)]
        ids = [p[0] for p in passages]
        texts = [p[1] for p in passages]
        with self._lock:
            embeddings = self.embedding_function(texts) if texts else []
            for i in range(0, len(ids), self._max_batch):
                j = i + self._max_batch
                self._passages.upsert(ids=ids[i:j], documents=texts[i:j], metadatas=[p[2] for p in passages[i:j]],
                                      embeddings=embeddings[i:j])
            stale = sorted(set(self._ids_of(list(latest))) - set(ids))
            if stale:
                self._passages.delete(ids=stale)
            self._put_records(meetings)
            self._keyword.remove(stale)
            self._keyword.put(passages)
        return len(passages)

    def _put_records(self, meetings: list[Meeting]) -> None:
        rows = []
        for meeting in meetings:
            minutes = meeting.get("minutes") or {}
            title = minutes.get("title") or meeting["meeting_id"]
            day = _meeting_day(meeting["meeting_date"])
            names = _participant_names(meeting)
            rows.append((meeting["meeting_id"], f"{title}\n{minutes.get('summary') or ''}",
                         json.dumps(meeting, ensure_ascii=False),
                         _clean({"meeting_id": meeting["meeting_id"], "title": title, "date": day.isoformat(),
                                 "date_int": _date_int(day), "meeting_date": meeting["meeting_date"],
                                 "language": meeting.get("language") or "", "participants": names,
                                 "participant_keys": _name_keys(names)})))
        vectors = self.embedding_function([r[1] for r in rows])
        for i in range(0, len(rows), self._max_batch):
            chunk = rows[i:i + self._max_batch]
            self._records.upsert(ids=[r[0] for r in chunk], documents=[r[2] for r in chunk],
                                 embeddings=vectors[i:i + self._max_batch], metadatas=[r[3] for r in chunk])

    def _ids_of(self, meeting_ids: str | list[str]) -> list[str]:
        where = {"meeting_id": meeting_ids} if isinstance(meeting_ids, str) else {"meeting_id": {"$in": meeting_ids}}
        return list(self._passages.get(where=where, include=[])["ids"])

    def forget(self, meeting_id: str) -> int:
        """Remove a meeting and all its passages; returns the number of passages removed (0: unknown id)."""
        with self._lock:
            ids = self._ids_of(meeting_id)
            if ids:
                self._passages.delete(ids=ids)
            self._records.delete(ids=[meeting_id])
            self._keyword.remove(ids)
        return len(ids)

    # ----------------------------------------------------------------- searching

    def search(self, query: str, *, k: int = 5, since: date | None = None, until: date | None = None,
               participant: str | None = None, kind: str | None = None, meeting_id: str | None = None,
               mode: SearchMode = "hybrid") -> list[Hit]:
        """The ``k`` passages that best answer ``query``, filtered by meeting date range (inclusive),
        participant (case-insensitive name or name part), kind and meeting; best first."""
        if not query or not query.strip():
            raise InputError("the search query is empty", hint="ask about something said in a meeting")
        if k < 1:
            raise InputError(f"k must be at least 1, got {k}")
        if kind is not None and kind not in KINDS:
            raise InputError(f"unknown passage kind {kind!r}", hint=f"one of {', '.join(KINDS)}")
        if mode not in SEARCH_MODES:
            raise InputError(f"unknown search mode {mode!r}", hint=f"one of {', '.join(SEARCH_MODES)}")
        if since and until and since > until:
            raise InputError(f"since {since} is after until {until}", hint="swap the dates")
        flt = _Filter(since=_date_int(since) if since else None, until=_date_int(until) if until else None,
                      participant=participant.strip().lower() if participant and participant.strip() else None,
                      kind=kind, meeting_id=meeting_id)
        depth = k if mode != "hybrid" else max(4 * k, 20)
        vector: list[Hit] = self._vector_search(query, depth, flt) if mode != "keyword" else []
        keyword: list[Hit] = self._keyword_search(query, depth, flt) if mode != "vector" else []
        if mode == "vector":
            return vector[:k]
        if mode == "keyword":
            return keyword[:k]
        return reciprocal_rank_fusion([vector, keyword], k=k)

    def _vector_search(self, query: str, n: int, flt: _Filter) -> list[Hit]:
        q = self.embedding_function([query])
        res = self._passages.query(query_embeddings=q, n_results=n, where=flt.where(),
                                   include=["documents", "metadatas", "distances"])
        hits = []
        for doc_id, text, meta, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0]):
            meta = dict(meta or {})
            hits.append(Hit(doc_id, meta.get("meeting_id", ""), meta.get("kind", ""), text or "", 1.0 - float(dist), meta))
        return hits

    def _keyword_search(self, query: str, n: int, flt: _Filter) -> list[Hit]:
        self._sync_keyword_index()
        hits = []
        for doc_id, score in self._keyword.search(query, n, flt.accept()):
            doc = self._keyword.doc(doc_id)
            if doc is not None:
                meta = dict(doc.metadata)
                hits.append(Hit(doc_id, meta.get("meeting_id", ""), meta.get("kind", ""), doc.text, score, meta))
        return hits

    def _sync_keyword_index(self) -> None:
        """Bring the persisted BM25 index in line with the collection when their sizes differ (a data dir
        from before the index was persisted, or another process that wrote to a shared Chroma server):
        only the missing passages are fetched and tokenized, the extra ones removed."""
        with self._lock:
            if len(self._keyword) == self._passages.count():
                return
            known = self._keyword.ids()
            stored: list[str] = []
            offset = 0
            while True:
                page = self._passages.get(include=[], limit=_PAGE, offset=offset)
                stored.extend(page["ids"])
                offset += len(page["ids"])
                if len(page["ids"]) < _PAGE:
                    break
            missing = [i for i in stored if i not in known]
            for i in range(0, len(missing), _PAGE):
                page = self._passages.get(ids=missing[i:i + _PAGE], include=["documents", "metadatas"])
                self._keyword.put((i, d or "", m or {}) for i, d, m in zip(page["ids"], page["documents"], page["metadatas"]))
            self._keyword.remove(known - set(stored))

    # ----------------------------------------------------------------- action items

    def open_action_items(self, *, owner: str | None = None, due_before: date | None = None) -> list[dict]:
        """Action items still open, across meetings, soonest due first (undated last).

        ``owner``: case-insensitive name or name part; ``due_before``: only items due strictly before it.
        """
        clauses: list[dict[str, Any]] = [{"kind": "action"}, {"status": "open"}]
        if owner and owner.strip():
            clauses.append({"owner_keys": {"$contains": owner.strip().lower()}})
        if due_before is not None:
            clauses.append({"due_int": {"$lt": _date_int(due_before)}})
        res = self._passages.get(where={"$and": clauses}, include=["metadatas"])
        items = []
        for meta in res["metadatas"]:
            items.append({"meeting_id": meta["meeting_id"], "title": meta.get("title"), "date": meta.get("date"),
                          "index": meta.get("index"), "owner": meta.get("owner"), "task": meta.get("task"),
                          "due": meta.get("due"), "due_phrase": meta.get("due_phrase"), "status": meta.get("status"),
                          "segment_ids": list(meta.get("segment_ids") or [])})
        items.sort(key=lambda a: (a["due"] is None, a["due"] or "", a["date"] or "", a["meeting_id"], a["index"]))
        return items

    def set_action_status(self, meeting_id: str, index: int, status: Literal["open", "done"]) -> bool:
        """Mark action item ``index`` of a meeting open or done (in the passage and the meeting record).
        Returns False when there is no such item."""
        if status not in ("open", "done"):
            raise InputError(f"unknown action status {status!r}", hint="open or done")
        doc_id = f"{meeting_id}:action:{index}"
        with self._lock:
            if not self._passages.get(ids=[doc_id], include=[])["ids"]:
                return False
            self._passages.update(ids=[doc_id], metadatas=[{"status": status}])
            rec = self._records.get(ids=[meeting_id], include=["documents", "embeddings"])
            if rec["ids"]:
                meeting = json.loads(rec["documents"][0])
                items = meeting.get("minutes", {}).get("action_items", [])
                if 0 <= index < len(items):
                    items[index]["status"] = status
                    self._records.update(ids=[meeting_id], documents=[json.dumps(meeting, ensure_ascii=False)],
                                         embeddings=[rec["embeddings"][0]])
            self._keyword.update_metadata(doc_id, {"status": status})
        return True

    # ----------------------------------------------------------------- meetings

    def meetings(self) -> list[dict]:
        """Every stored meeting: id, title, date (ISO), participants, language; newest first."""
        out = []
        offset = 0
        while True:
            page = self._records.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for meta in page["metadatas"]:
                out.append({"id": meta["meeting_id"], "title": meta.get("title"), "date": meta.get("date"),
                            "participants": list(meta.get("participants") or []), "language": meta.get("language")})
            offset += len(page["ids"])
            if len(page["ids"]) < _PAGE:
                break
        out.sort(key=lambda m: (m["date"] or "", m["id"]), reverse=True)
        return out

    def get_meeting(self, meeting_id: str) -> Meeting | None:
        """The full meeting JSON as stored (with action statuses as last set), or None."""
        rec = self._records.get(ids=[meeting_id], include=["documents"])
        if not rec["ids"]:
            return None
        return json.loads(rec["documents"][0])


def reciprocal_rank_fusion(rankings: list[list[Hit]], *, k: int, c: int = RRF_K) -> list[Hit]:
    """Fuse ranked lists: score(d) = sum over lists of 1 / (c + rank). Ties keep the first list's order."""
    fused: dict[str, Hit] = {}
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.id] = scores.get(hit.id, 0.0) + 1.0 / (c + rank)
            fused.setdefault(hit.id, hit)
    order = sorted(scores, key=lambda i: -scores[i])
    out = []
    for doc_id in order[:k]:
        h = fused[doc_id]
        out.append(Hit(h.id, h.meeting_id, h.kind, h.text, scores[doc_id], h.metadata))
    return out


# --------------------------------------------------------------------- the chat agent's tool

def _parse_day(value: str | date | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as e:
        raise InputError(f"{name} {value!r} is not a date", hint="use YYYY-MM-DD") from e


def search_meetings(store: MeetingStore, query: str, since: str | date | None = None, until: str | date | None = None,
                    participant: str | None = None, kind: str | None = None, k: int = 5) -> list[dict]:
    """Search past meetings; returns plain dicts (meeting_id, title, date, kind, speaker, start, text, score)."""
    hits = store.search(query, k=k, since=_parse_day(since, "since"), until=_parse_day(until, "until"),
                        participant=participant, kind=kind)
    return [{"meeting_id": h.meeting_id, "title": h.metadata.get("title"), "date": h.metadata.get("date"),
             "kind": h.kind, "speaker": h.metadata.get("speaker") or h.metadata.get("owner"),
             "start": h.metadata.get("start"), "text": h.text, "score": round(h.score, 4)} for h in hits]


def make_search_tool(store: MeetingStore) -> Any:
    """A LangChain tool ``search_meetings`` bound to ``store`` (for the chat agent)."""
    from langchain_core.tools import tool

    @tool("search_meetings")
    def search_meetings_tool(query: str, since: str | None = None, until: str | None = None,
                             participant: str | None = None,
                             kind: Literal["segment", "summary", "decision", "action"] | None = None) -> list[dict]:
        """Search the minutes and transcripts of past meetings (Korean or English; either language finds both).

        Args:
            query: what to look for, in the user's words (e.g. "budget decision", "예산 결정").
            since: only meetings on or after this date, YYYY-MM-DD.
            until: only meetings on or before this date, YYYY-MM-DD.
            participant: only meetings this person attended (a name or first name).
            kind: only this kind of passage: segment (what was said), summary, decision, or action (action item).

        Returns up to 5 passages, best first, each with meeting_id, title, date, kind, speaker, start (seconds
        into the recording), text and score. An empty list means nothing relevant was found.
        """
        return search_meetings(store, query, since=since, until=until, participant=participant, kind=kind)

    return search_meetings_tool

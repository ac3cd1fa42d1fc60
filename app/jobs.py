"""Background processing of uploaded meetings: job records in SQLite, a bounded pool of worker threads.

A job is one request to process one uploaded file. Its record (status, input, proposal, error, the path of
the finished meeting JSON) and its progress events live in ``<data dir>/jobs.sqlite``, so a restarted server
re-queues every job that was queued or running, and the graph resumes it from its LangGraph checkpoint
(``MeetingRunner.run`` continues an interrupted thread; finished nodes are not repeated).

Statuses: ``queued`` -> ``running`` -> ``awaiting_approval`` (book=ask found a slot) -> ``running`` (after a
decision) -> ``done``; any failure -> ``failed`` with a one-line error and a hint. Two jobs on the same graph
thread (the same file with the same options) never run at the same time.
"""

from __future__ import annotations

import json
import logging
import queue
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from core.errors import InputError, MinutesError
from core.settings import Settings
from graph.context import Context

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "awaiting_approval", "done", "failed"]
STATUSES: tuple[str, ...] = ("queued", "running", "awaiting_approval", "done", "failed")
FINISHED = frozenset({"done", "failed"})
DECISIONS = ("approve", "reject", "edit")

TRANSCRIPT_EXTENSIONS = frozenset({".txt", ".vtt", ".srt"})
AUDIO_EXTENSIONS = frozenset({".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".webm", ".flac", ".mp4",
                              ".mkv", ".mov", ".wma"})
ACCEPTED_CONTENT_TYPES = ("audio/", "video/", "text/")
ACCEPTED_EXACT_TYPES = frozenset({"", "application/octet-stream", "application/ogg", "application/x-subrip",
                                  "application/mp4", "application/x-matroska"})

ContextFactory = Callable[[Settings], Context]
Clock = Callable[[], datetime]


class JobStateError(MinutesError):
    """The job exists but cannot do what was asked in its current state (e.g. approve a finished job)."""


class EmptyUploadError(InputError):
    """The uploaded file has no bytes."""


# ---------------------------------------------------------------------------------------------- request checks
def check_upload(filename: str | None, content_type: str | None) -> str:
    """The upload's extension if Minutes can read it; InputError otherwise (the API answers 415)."""
    name = Path(filename or "").name
    suffix = Path(name).suffix.lower()
    known = sorted(TRANSCRIPT_EXTENSIONS | AUDIO_EXTENSIONS)
    if suffix not in TRANSCRIPT_EXTENSIONS | AUDIO_EXTENSIONS:
        raise InputError(f"'{name or '(no name)'}' is not a recording or a transcript Minutes reads",
                         hint=f"upload one of: {' '.join(known)}")
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype not in ACCEPTED_EXACT_TYPES and not ctype.startswith(ACCEPTED_CONTENT_TYPES):
        raise InputError(f"content type '{ctype}' is not audio, video or text",
                         hint="send the file as audio/*, video/*, text/* or application/octet-stream")
    return suffix


def safe_filename(filename: str | None, suffix: str) -> str:
    """A file name safe to store: the base name's letters, digits and ``-_.``, keeping the extension."""
    stem = Path(Path(filename or "upload").name).stem
    clean = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem).strip("._")[:80] or "upload"
    return clean + suffix


def parse_attendee_field(values: list[str] | None) -> list[dict]:
    """Attendees from form fields: repeated ``NAME=EMAIL`` values, or one JSON list of those strings or of
    ``{"name", "email"}`` objects. Raises InputError on anything else."""
    from graph.nodes.ingest import parse_attendees

    specs: list[str] = []
    for value in values or []:
        value = (value or "").strip()
        if not value:
            continue
        if value.startswith("["):
            try:
                items = json.loads(value)
            except json.JSONDecodeError:
                raise InputError("attendees is not a valid JSON list", hint='e.g. ["Alice Kim=alice@example.com"]') from None
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("email"), str):
                    specs.append(f"{item['name']}={item['email']}")
                elif isinstance(item, str):
                    specs.append(item)
                else:
                    raise InputError(f"attendee {json.dumps(item, ensure_ascii=False)[:60]} is not NAME=EMAIL",
                                     hint='give "NAME=EMAIL" strings or {"name": ..., "email": ...} objects')
        else:
            specs.extend(line for line in value.splitlines() if line.strip())
    return parse_attendees(specs)


def make_input(settings: Settings, source: Path, *, now: datetime, meeting_date: str | None = None,
               timezone: str | None = None, language: str | None = None, attendees: list[str] | None = None,
               book: str | None = None):
    """Validate a processing request for a saved upload and return the graph's ``MeetingInput``.

    Defaults: the zone from the settings, the meeting date = ``now`` (upload time) in that zone, the
    settings' language and booking mode. Raises InputError for anything a person must fix.
    """
    from zoneinfo import ZoneInfo

    from graph.nodes.ingest import check_timezone, prepare_input

    tz = check_timezone((timezone or "").strip() or settings.resolved_timezone())
    book = (book or "").strip() or settings.book
    if book not in ("ask", "auto", "never"):
        raise InputError(f"book '{book}' is not ask, auto or never", hint="ask waits for approval; auto books; never only proposes")
    when = (meeting_date or "").strip() or now.astimezone(ZoneInfo(tz)).replace(microsecond=0).isoformat()
    return prepare_input(source, meeting_date=when, timezone=tz, language=(language or "").strip() or settings.language,
                         participants=parse_attendee_field(attendees), book=book,
                         max_duration_s=settings.asr.max_duration_s)


def check_decision(decision: dict, timezone: str) -> dict:
    """A decision the graph's approval node accepts; an edited start is made zone-aware."""
    action = decision.get("action")
    if action not in DECISIONS:
        raise InputError(f"action '{action}' is not approve, reject or edit")
    if action != "edit":
        return {"action": action}
    start = decision.get("start")
    if not start:
        raise InputError("an edit needs a new start", hint='e.g. {"action": "edit", "start": "2026-12-01T15:00+09:00"}')
    from graph.nodes.ingest import parse_meeting_date

    return {"action": "edit", "start": parse_meeting_date(start, timezone).isoformat()}


# ---------------------------------------------------------------------------------------------- records
@dataclass
class Job:
    id: str
    meeting_id: str
    thread_id: str
    status: str
    input: dict
    filename: str
    created: float
    updated: float
    error: dict | None = None
    proposal: dict | None = None
    decision: dict | None = None
    result_path: str | None = None
    resumed: bool = False


@dataclass
class Event:
    seq: int
    job_id: str
    type: str
    data: dict
    created: float


_JSON_FIELDS = ("input", "error", "proposal", "decision")


class JobStore:
    """Job records and their progress events in SQLite (one connection, serialised by a lock)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, meeting_id TEXT, thread_id TEXT, status TEXT, "
            "input TEXT, filename TEXT, created REAL, updated REAL, error TEXT, proposal TEXT, decision TEXT, "
            "result_path TEXT, resumed INTEGER DEFAULT 0)")
        self._db.execute("CREATE INDEX IF NOT EXISTS jobs_meeting ON jobs (meeting_id, created)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, type TEXT, "
            "data TEXT, created REAL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS events_job ON events (job_id, seq)")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @staticmethod
    def _job(row: sqlite3.Row | None) -> Job | None:
        if row is None:
            return None
        d = dict(row)
        for k in _JSON_FIELDS:
            d[k] = json.loads(d[k]) if d[k] else None
        d["resumed"] = bool(d["resumed"])
        return Job(**d)

    def create(self, job: Job) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, meeting_id, thread_id, status, input, filename, created, updated) VALUES (?,?,?,?,?,?,?,?)",
                (job.id, job.meeting_id, job.thread_id, job.status, json.dumps(job.input, ensure_ascii=False),
                 job.filename, job.created, job.updated))

    def update(self, job_id: str, **fields: Any) -> None:
        fields["updated"] = time.time()
        cols = ", ".join(f"{k} = ?" for k in fields)
        values = [json.dumps(v, ensure_ascii=False) if k in _JSON_FIELDS and v is not None else v for k, v in fields.items()]
        with self._lock:
            self._db.execute(f"UPDATE jobs SET {cols} WHERE id = ?", (*values, job_id))

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._job(self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone())

    def latest_for_meeting(self, meeting_id: str) -> Job | None:
        with self._lock:
            return self._job(self._db.execute("SELECT * FROM jobs WHERE meeting_id = ? ORDER BY created DESC LIMIT 1",
                                              (meeting_id,)).fetchone())

    def list(self, limit: int = 100) -> list[Job]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
        return [self._job(r) for r in rows]

    def unfinished(self) -> list[Job]:
        """Jobs a restart must pick up again (queued or running), oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created").fetchall()
        return [self._job(r) for r in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        return {**{s: 0 for s in STATUSES}, **{r[0]: r[1] for r in rows}}

    def add_event(self, job_id: str, type_: str, data: dict) -> int:
        with self._lock:
            cur = self._db.execute("INSERT INTO events (job_id, type, data, created) VALUES (?,?,?,?)",
                                   (job_id, type_, json.dumps(data, ensure_ascii=False), time.time()))
            return int(cur.lastrowid)

    def events_after(self, job_id: str, seq: int = 0) -> list[Event]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM events WHERE job_id = ? AND seq > ? ORDER BY seq",
                                    (job_id, seq)).fetchall()
        return [Event(seq=r["seq"], job_id=r["job_id"], type=r["type"], data=json.loads(r["data"]), created=r["created"])
                for r in rows]


# ---------------------------------------------------------------------------------------------- the runner
@dataclass
class _ProgressThrottle:
    """Transcription progress becomes an event at most once a second per stage (and always at the end)."""

    emit: Callable[[str, dict], None]
    interval_s: float = 1.0
    _last: dict[str, float] = field(default_factory=dict)

    def __call__(self, stage: str, done: float, total: float) -> None:
        now = time.monotonic()
        if done < total and now - self._last.get(stage, -1e9) < self.interval_s:
            return
        self._last[stage] = now
        self.emit("progress", {"stage": stage, "done": round(float(done), 2), "total": round(float(total), 2)})


class JobManager:
    """Queues jobs and runs them on ``workers`` daemon threads, each job with its own context and runner.

    ``context_factory(settings)`` builds the run-time context of a job (default: from the settings; tests
    pass fake models). ``clock`` gives the default meeting date of an upload.
    """

    def __init__(self, settings: Settings, context_factory: ContextFactory | None = None, *, workers: int = 1,
                 clock: Clock | None = None):
        from graph.context import system_clock

        self.settings = settings
        self.context_factory = context_factory or (lambda s: Context.from_settings(s))
        self.workers = max(1, int(workers))
        self.clock = clock or system_clock
        self.store = JobStore(settings.path("jobs.sqlite"))
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._thread_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> int:
        """Start the workers and re-queue unfinished jobs; returns how many were re-queued."""
        self._stopping.clear()
        for i in range(self.workers):
            t = threading.Thread(target=self._work, name=f"minutes-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        again = self.store.unfinished()
        for job in again:
            self.store.update(job.id, status="queued", resumed=1)
            self._event(job.id, "status", {"status": "queued", "reason": "re-queued after a restart"})
            self._queue.put(job.id)
        if again:
            log.info("re-queued %d unfinished job(s)", len(again))
        return len(again)

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop taking jobs. A job still running is left as it is: the next start re-queues it."""
        self._stopping.set()
        for _ in self._threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout_s
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    # ------------------------------------------------------------------ requests
    def submit(self, inp: dict, filename: str, *, job_id: str | None = None) -> Job:
        """Record a validated ``MeetingInput`` as a queued job and queue it."""
        from graph.runner import thread_id_for

        now = time.time()
        job = Job(id=job_id or new_job_id(), meeting_id=inp["meeting_id"], thread_id=thread_id_for(inp, self.settings),
                  status="queued", input=dict(inp), filename=filename, created=now, updated=now)
        self.store.create(job)
        self._event(job.id, "status", {"status": "queued"})
        self._queue.put(job.id)
        return job

    def upload_path(self, job_id: str, filename: str | None, suffix: str) -> Path:
        """Where an upload of job ``job_id`` is saved (its folder is created)."""
        folder = self.settings.path("uploads", job_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / safe_filename(filename, suffix)

    def accept(self, job_id: str, saved: Path, filename: str, **options: Any) -> Job:
        """Validate a saved upload with the request's options (see :func:`make_input`) and queue it.
        On bad input the upload is deleted and InputError (EmptyUploadError for 0 bytes) is raised."""
        try:
            if saved.stat().st_size == 0:
                raise EmptyUploadError(f"{filename}: the file is empty", hint="upload a recording or a transcript with content")
            inp = make_input(self.settings, saved, now=self.clock(), **options)
        except BaseException:
            shutil.rmtree(saved.parent, ignore_errors=True)
            raise
        return self.submit(inp, Path(filename).name or saved.name, job_id=job_id)

    def submit_file(self, path: Path, filename: str | None = None, content_type: str | None = None, **options: Any) -> Job:
        """Copy a local file (e.g. the web page's upload) into the uploads folder, validate and queue it."""
        filename = Path(filename or path.name).name
        suffix = check_upload(filename, content_type)
        size = Path(path).stat().st_size
        limit = self.settings.api.max_upload_mb * 1024 * 1024
        if size > limit:
            raise InputError(f"{filename} is larger than {self.settings.api.max_upload_mb} MB",
                             hint="split the recording, or raise api.max_upload_mb (MINUTES_API__MAX_UPLOAD_MB)")
        job_id = new_job_id()
        dest = self.upload_path(job_id, filename, suffix)
        shutil.copyfile(path, dest)
        return self.accept(job_id, dest, filename, **options)

    def summaries(self, limit: int = 100) -> list[dict]:
        """Jobs newest first (title and date once done), then meetings processed outside the API (CLI)."""
        out, seen = [], set()
        for job in self.store.list(limit):
            meeting = self.meeting_of(job) or {}
            out.append({"job_id": job.id, "meeting_id": job.meeting_id, "status": job.status, "filename": job.filename,
                        "title": (meeting.get("minutes") or {}).get("title"),
                        "meeting_date": meeting.get("meeting_date") or job.input.get("meeting_date"), "created": job.created})
            seen.add(job.meeting_id)
        for path in sorted(self.settings.path("meetings").glob("*/minutes.json")):
            mid = path.parent.name
            if mid in seen or len(out) >= limit:
                continue
            try:
                meeting = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            out.append({"job_id": None, "meeting_id": mid, "status": "done", "filename": Path(meeting.get("source", "")).name,
                        "title": (meeting.get("minutes") or {}).get("title"), "meeting_date": meeting.get("meeting_date"),
                        "created": None})
        return out

    def decide(self, job_id: str, decision: dict) -> Job:
        """Record a decision on a proposal and queue the job to resume with it."""
        job = self.store.get(job_id)
        if job is None:
            raise KeyError(job_id)
        if job.status != "awaiting_approval":
            raise JobStateError(f"job {job_id} is {job.status}, not awaiting approval",
                                hint="only a proposed booking (book=ask) can be approved, rejected or edited")
        checked = check_decision(decision, job.input.get("timezone") or self.settings.resolved_timezone())
        self.store.update(job_id, status="queued", decision=checked)
        self._event(job_id, "decision", checked)
        self._event(job_id, "status", {"status": "queued"})
        self._queue.put(job_id)
        return self.store.get(job_id)

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    # ------------------------------------------------------------------ work
    def _event(self, job_id: str, type_: str, data: dict) -> int:
        return self.store.add_event(job_id, type_, data)

    def _thread_lock(self, thread_id: str) -> threading.Lock:
        with self._locks_lock:
            return self._thread_locks.setdefault(thread_id, threading.Lock())

    def _work(self) -> None:
        while not self._stopping.is_set():
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                job = self.store.get(job_id)
                if job is None or job.status not in ("queued", "running"):
                    continue
                with self._thread_lock(job.thread_id):
                    if self._stopping.is_set():
                        return
                    self._run(job)
            except Exception:  # never let a worker die
                log.exception("job %s: unexpected error in the worker", job_id)

    def _run(self, job: Job) -> None:
        from graph.runner import open_runner

        self.store.update(job.id, status="running")
        self._event(job.id, "status", {"status": "running"})
        on_node = lambda name: self._event(job.id, "node", {"node": name})  # noqa: E731
        try:
            context = self.context_factory(self.settings)
            context.progress = _ProgressThrottle(lambda t, d: self._event(job.id, t, d))
            with open_runner(self.settings, context) as runner:
                result = runner.run(job.input, on_node=on_node)
                if result.status == "awaiting_approval" and job.decision:
                    result = runner.decide(result.thread_id, job.decision, on_node=on_node)
        except MinutesError as e:
            self._fail(job, str(e), e.hint)
            return
        except Exception as e:
            log.exception("job %s failed", job.id)
            self._fail(job, f"{type(e).__name__}: {' '.join(str(e).split())[:300]}", "see the server log for details")
            return
        if result.status == "awaiting_approval":
            self.store.update(job.id, status="awaiting_approval", thread_id=result.thread_id, proposal=result.proposal,
                              decision=None)
            self._event(job.id, "awaiting_approval", {"proposal": result.proposal})
            return
        outputs = result.meeting.get("outputs") or {}
        self.store.update(job.id, status="done", thread_id=result.thread_id, result_path=outputs.get("json"))
        follow = (result.meeting.get("follow_up") or {}).get("status")
        self._event(job.id, "done", {"meeting_id": job.meeting_id, "from_cache": result.from_cache,
                                     "resumed": result.resumed, "follow_up": follow})

    def _fail(self, job: Job, message: str, hint: str | None) -> None:
        error = {"error": message, "hint": hint}
        self.store.update(job.id, status="failed", error=error)
        self._event(job.id, "failed", error)

    # ------------------------------------------------------------------ results
    def meeting_of(self, job: Job) -> dict | None:
        """The finished meeting JSON of a job (as last written: later bookings included)."""
        from graph.runner import load_meeting

        if job.status != "done":
            return None
        if job.result_path and Path(job.result_path).is_file():
            return json.loads(Path(job.result_path).read_text(encoding="utf-8"))
        return load_meeting(self.settings, job.meeting_id)


def new_job_id() -> str:
    return "j-" + uuid.uuid4().hex[:16]

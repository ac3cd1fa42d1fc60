"""Background processing of uploaded meetings: a bounded pool of worker threads over the job store.

A job is one request to process one uploaded file (:mod:`app.uploads` checks it, :mod:`app.job_store`
keeps it). A restarted server re-queues every job that was queued or running, and the graph resumes it
from its LangGraph checkpoint (``MeetingRunner.run`` continues an interrupted thread; finished nodes are
not repeated). A decision on a proposal resumes the graph's interrupt (``MeetingRunner.decide``). Two jobs
on the same graph thread (the same file with the same options) never run at the same time.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from app.job_store import Job, JobStore
from app.uploads import EmptyUploadError, check_upload, make_input, new_job_id, safe_filename
from core.errors import InputError, MinutesError
from core.meeting import BookingDecision
from core.meeting_files import load_meeting, read_json, stored_meetings
from core.settings import Settings
from graph.context import Context, system_clock
from graph.runner import open_runner, thread_id_for
from graph.state import MeetingInput

log = logging.getLogger(__name__)

ContextFactory = Callable[[Settings], Context]
Clock = Callable[[], datetime]


class JobStateError(MinutesError):
    """The job exists but cannot do what was asked in its current state (e.g. approve a finished job)."""


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
        self.settings = settings
        self.context_factory: ContextFactory = context_factory or Context.from_settings
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
    def submit(self, inp: MeetingInput, filename: str, *, job_id: str | None = None) -> Job:
        """Record a validated ``MeetingInput`` as a queued job and queue it."""
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
        for job in self.store.recent(limit):
            meeting = self.meeting_of(job) or {}
            out.append({"job_id": job.id, "meeting_id": job.meeting_id, "status": job.status, "filename": job.filename,
                        "title": (meeting.get("minutes") or {}).get("title"),
                        "meeting_date": meeting.get("meeting_date") or job.input.get("meeting_date"), "created": job.created})
            seen.add(job.meeting_id)
        for meeting in stored_meetings(self.settings):
            mid = meeting.get("meeting_id", "")
            if mid in seen or len(out) >= limit:
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
        checked = BookingDecision.parse(decision, job.input.get("timezone") or self.settings.resolved_timezone()).model_dump()
        if checked["action"] == "defer":  # nothing to do: it keeps waiting
            return job
        self.store.update(job_id, status="queued", decision=checked)
        self._event(job_id, "decision", checked)
        self._event(job_id, "status", {"status": "queued"})
        self._queue.put(job_id)
        return self.store.get(job_id) or job

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    # ------------------------------------------------------------------ work
    def _event(self, job_id: str, type_: str, data: dict) -> None:
        self.store.add_event(job_id, type_, data)

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
        self.store.update(job.id, status="running")
        self._event(job.id, "status", {"status": "running"})

        def on_node(name: str) -> None:
            self._event(job.id, "node", {"node": name})

        try:
            context = self.context_factory(self.settings)
            context.progress = _ProgressThrottle(lambda t, d: self._event(job.id, t, d))
            with open_runner(self.settings, context) as runner:
                result = runner.run(cast(MeetingInput, job.input), on_node=on_node)
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
        if job.status != "done":
            return None
        meeting = read_json(Path(job.result_path)) if job.result_path else None
        return meeting if meeting is not None else load_meeting(self.settings, job.meeting_id)

"""Job records and their progress events, in ``<data dir>/jobs.sqlite`` (so a restart loses nothing).

Statuses: ``queued`` -> ``running`` -> ``awaiting_approval`` (book=ask found a slot) -> ``running`` (after a
decision) -> ``done``; any failure -> ``failed`` with a one-line error and a hint.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

JobStatus = Literal["queued", "running", "awaiting_approval", "done", "failed"]
STATUSES: tuple[JobStatus, ...] = ("queued", "running", "awaiting_approval", "done", "failed")
FINISHED = frozenset({"done", "failed"})


@dataclass
class Job:
    id: str
    meeting_id: str
    thread_id: str
    status: JobStatus
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

    def recent(self, limit: int = 100) -> list[Job]:
        """The newest ``limit`` jobs, newest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
        return [job for r in rows if (job := self._job(r)) is not None]

    def unfinished(self) -> list[Job]:
        """Jobs a restart must pick up again (queued or running), oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created").fetchall()
        return [job for r in rows if (job := self._job(r)) is not None]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        return {**{s: 0 for s in STATUSES}, **{r[0]: r[1] for r in rows}}

    def add_event(self, job_id: str, type_: str, data: dict) -> int:
        with self._lock:
            cur = self._db.execute("INSERT INTO events (job_id, type, data, created) VALUES (?,?,?,?)",
                                   (job_id, type_, json.dumps(data, ensure_ascii=False), time.time()))
            return int(cur.lastrowid or 0)

    def events_after(self, job_id: str, seq: int = 0) -> list[Event]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM events WHERE job_id = ? AND seq > ? ORDER BY seq",
                                    (job_id, seq)).fetchall()
        return [Event(seq=r["seq"], job_id=r["job_id"], type=r["type"], data=json.loads(r["data"]), created=r["created"])
                for r in rows]

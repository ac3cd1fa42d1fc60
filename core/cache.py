"""A small persistent key-value cache on SQLite, shared by the stages (LLM responses, transcripts).

Keys are hashed from everything that changes an answer (stage, model, prompt, parameters; for ASR the
audio's hash and the ASR settings), so a re-run of the same meeting makes no model call. Values are JSON.
Safe across threads and processes (SQLite WAL, one short transaction per call).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


def cache_key(*parts: Any) -> str:
    """A stable sha256 over JSON-serialisable ``parts`` (dict keys sorted)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Cache:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS entries (namespace TEXT, key TEXT, value TEXT, "
                "created REAL DEFAULT (unixepoch('subsec')), PRIMARY KEY (namespace, key))"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, namespace: str, key: str) -> Any | None:
        with self._lock, self._connect() as db:
            row = db.execute("SELECT value FROM entries WHERE namespace=? AND key=?", (namespace, key)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, namespace: str, key: str, value: Any) -> None:
        blob = json.dumps(value, ensure_ascii=False)
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO entries (namespace, key, value) VALUES (?, ?, ?)", (namespace, key, blob))

    def clear(self, namespace: str | None = None) -> int:
        with self._lock, self._connect() as db:
            cur = db.execute("DELETE FROM entries" + (" WHERE namespace=?" if namespace else ""), (namespace,) if namespace else ())
            return cur.rowcount

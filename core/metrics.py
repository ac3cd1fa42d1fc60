"""Per-stage metrics: Prometheus counters for a running process, per-run stats, cumulative totals on disk.

One call of :meth:`Metrics.record` (or :meth:`RunMeter.record`) describes one unit of work of a stage
(an LLM call, a cache hit, a transcription) and updates three views at once:

* Prometheus metrics in the object's own ``CollectorRegistry`` (``exposition()`` gives the text format for
  a ``/metrics`` endpoint): calls, cache hits, errors, fallbacks, latency histogram, tokens in/out, and
  audio seconds for ASR;
* cumulative totals per (stage, model) in SQLite (``data_dir/metrics.db``) so ``minutes stats`` can print
  numbers across runs (:func:`load_totals`);
* per run, a :class:`RunMeter` accumulates the meeting JSON's ``stages`` block (``StageStats``).

Counting rules: ``calls`` counts model calls (a cache hit is not a call); ``cache_hits`` counts answers
served from the cache; ``seconds`` is wall time spent in the stage, cache hits included.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from core.meeting import StageStats
from core.settings import Settings


@dataclass
class StageTimer:
    """Wall-clock time of one stage's work, started when made (see :func:`timed_stage`)."""

    started: float = field(default_factory=time.perf_counter)

    def stats(self, base: StageStats | None = None, **fields: Any) -> StageStats:
        """The stage's stats: ``base`` (e.g. the model hub's counters for the stage) and ``fields``, with
        ``seconds`` since the timer started (rounded to 10 ms)."""
        return StageStats(**{**(base or {}), **fields, "seconds": round(time.perf_counter() - self.started, 2)})  # type: ignore[typeddict-item]


def timed_stage() -> StageTimer:
    """Start timing a stage: ``timer = timed_stage()`` ... ``{"stages": {"router": timer.stats(model=...)}}``."""
    return StageTimer()

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320)

_TOTAL_FIELDS = ("calls", "cache_hits", "errors", "fallbacks", "seconds", "tokens_in", "tokens_out", "audio_s")


class _TotalsDB:
    """Cumulative per-(stage, model) sums in SQLite; one short upsert per record."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS stage_totals (stage TEXT, model TEXT, calls INTEGER DEFAULT 0, "
                "cache_hits INTEGER DEFAULT 0, errors INTEGER DEFAULT 0, fallbacks INTEGER DEFAULT 0, "
                "seconds REAL DEFAULT 0, tokens_in INTEGER DEFAULT 0, tokens_out INTEGER DEFAULT 0, "
                "audio_s REAL DEFAULT 0, updated REAL DEFAULT (unixepoch('subsec')), PRIMARY KEY (stage, model))"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def add(self, stage: str, model: str, values: dict[str, float]) -> None:
        cols = ", ".join(_TOTAL_FIELDS)
        marks = ", ".join("?" for _ in _TOTAL_FIELDS)
        updates = ", ".join(f"{f} = {f} + excluded.{f}" for f in _TOTAL_FIELDS)
        with self._connect() as db:
            db.execute(
                f"INSERT INTO stage_totals (stage, model, {cols}) VALUES (?, ?, {marks}) "
                f"ON CONFLICT (stage, model) DO UPDATE SET {updates}, updated = unixepoch('subsec')",
                (stage, model, *(values[f] for f in _TOTAL_FIELDS)),
            )

    def rows(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            try:
                return [dict(r) for r in db.execute("SELECT * FROM stage_totals ORDER BY stage, updated")]
            except sqlite3.OperationalError:  # no table yet
                return []


def metrics_db_path(settings: Settings) -> Path:
    return settings.path("metrics.db")


class Metrics:
    """Process-wide stage metrics: a Prometheus registry of its own plus (optionally) totals on disk.

    ``db_path`` None keeps totals in memory only (Prometheus still counts).
    """

    def __init__(self, db_path: Path | None = None, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self._db = _TotalsDB(db_path) if db_path else None
        labels = ("stage", "model")
        r = self.registry
        self.calls = Counter("minutes_stage_calls", "Model calls per stage", labels, registry=r)
        self.cache_hits = Counter("minutes_stage_cache_hits", "Answers served from the cache", labels, registry=r)
        self.errors = Counter("minutes_stage_errors", "Failed stage calls", labels, registry=r)
        self.fallbacks = Counter("minutes_stage_fallbacks", "Calls answered by the fallback model", labels, registry=r)
        self.latency = Histogram(
            "minutes_stage_latency_seconds", "Wall time per stage call", labels, buckets=_LATENCY_BUCKETS, registry=r
        )
        self.tokens = Counter("minutes_stage_tokens", "Tokens per stage", (*labels, "direction"), registry=r)
        self.audio = Counter("minutes_stage_audio_seconds", "Audio seconds processed (ASR)", labels, registry=r)

    @classmethod
    def for_settings(cls, settings: Settings) -> Metrics:
        """The process-wide instance for this data dir (one Prometheus registry per data dir)."""
        path = metrics_db_path(settings).resolve()
        with _INSTANCES_LOCK:
            inst = _INSTANCES.get(path)
            if inst is None:
                inst = _INSTANCES[path] = cls(path)
            return inst

    def record(
        self,
        stage: str,
        model: str,
        seconds: float,
        tokens_in: int = 0,
        tokens_out: int = 0,
        *,
        cache_hit: bool = False,
        error: bool = False,
        fallback: bool = False,
        audio_s: float = 0.0,
    ) -> None:
        """Count one unit of work of ``stage`` done by ``model`` (a cache hit is not a model call)."""
        lab = {"stage": stage, "model": model}
        if cache_hit:
            self.cache_hits.labels(**lab).inc()
        else:
            self.calls.labels(**lab).inc()
        if error:
            self.errors.labels(**lab).inc()
        if fallback:
            self.fallbacks.labels(**lab).inc()
        self.latency.labels(**lab).observe(max(seconds, 0.0))
        if tokens_in:
            self.tokens.labels(**lab, direction="in").inc(tokens_in)
        if tokens_out:
            self.tokens.labels(**lab, direction="out").inc(tokens_out)
        if audio_s:
            self.audio.labels(**lab).inc(audio_s)
        if self._db is not None:
            self._db.add(
                stage,
                model,
                {
                    "calls": 0 if cache_hit else 1,
                    "cache_hits": 1 if cache_hit else 0,
                    "errors": int(error),
                    "fallbacks": int(fallback),
                    "seconds": float(seconds),
                    "tokens_in": int(tokens_in),
                    "tokens_out": int(tokens_out),
                    "audio_s": float(audio_s),
                },
            )

    def exposition(self) -> bytes:
        """The Prometheus text format of this registry (serve with content type ``text/plain; version=0.0.4``)."""
        return generate_latest(self.registry)

    def run(self) -> RunMeter:
        """A fresh per-run accumulator that also forwards every record here."""
        return RunMeter(self)


_INSTANCES: dict[Path, Metrics] = {}
_INSTANCES_LOCK = threading.Lock()


class RunMeter:
    """Stage stats of one run (one meeting, one chat turn), forwarded to a process-wide :class:`Metrics`."""

    def __init__(self, metrics: Metrics | None = None):
        self.metrics = metrics
        self._stats: dict[str, StageStats] = {}
        self._lock = threading.Lock()

    def record(
        self,
        stage: str,
        model: str,
        seconds: float,
        tokens_in: int = 0,
        tokens_out: int = 0,
        *,
        cache_hit: bool = False,
        error: bool = False,
        fallback: bool = False,
        audio_s: float = 0.0,
    ) -> None:
        with self._lock:
            s = self._stats.setdefault(
                stage, StageStats(model=model, seconds=0.0, calls=0, cache_hits=0, tokens_in=0, tokens_out=0)
            )
            if not fallback:
                s["model"] = model
            s["seconds"] = round(s["seconds"] + max(seconds, 0.0), 3)
            if cache_hit:
                s["cache_hits"] += 1
            else:
                s["calls"] += 1
            s["tokens_in"] += int(tokens_in)
            s["tokens_out"] += int(tokens_out)
        if self.metrics is not None:
            self.metrics.record(
                stage, model, seconds, tokens_in, tokens_out,
                cache_hit=cache_hit, error=error, fallback=fallback, audio_s=audio_s,
            )  # fmt: skip

    def stats(self) -> dict[str, StageStats]:
        """A copy of the per-stage stats, ready for the meeting JSON's ``stages`` block."""
        with self._lock:
            return {k: StageStats(**v) for k, v in self._stats.items()}


def load_totals(settings: Settings) -> dict[str, dict[str, Any]]:
    """Cumulative numbers per stage across runs in this data dir.

    Returns ``{stage: {"models": [...], "calls", "cache_hits", "errors", "fallbacks", "seconds",
    "tokens_in", "tokens_out", "audio_s"}}`` (models in order of last use); empty when nothing ran yet.
    """
    out: dict[str, dict[str, Any]] = {}
    path = metrics_db_path(settings)
    rows = _TotalsDB(path).rows() if path.is_file() else []
    for row in rows:
        t = out.setdefault(row["stage"], {"models": [], **{f: 0 for f in _TOTAL_FIELDS}})
        t["models"].append(row["model"])
        for f in _TOTAL_FIELDS:
            t[f] += row[f]
    for t in out.values():
        t["seconds"] = round(t["seconds"], 3)
        t["audio_s"] = round(t["audio_s"], 3)
    return out

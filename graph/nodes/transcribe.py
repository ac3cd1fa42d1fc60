"""Transcribe: audio -> timed, speaker-labelled segments (faster-whisper + diarization, cached)."""

from __future__ import annotations

from pathlib import Path

from langgraph.runtime import Runtime

from core.metrics import timed_stage
from graph.context import Context
from graph.state import MeetingState


def transcribe(state: MeetingState, runtime: Runtime[Context]) -> dict:
    from core.cache import Cache
    from tools.transcribe import transcribe as run_asr

    ctx = runtime.context
    settings = ctx.settings
    language = state.get("language", "auto")
    timer = timed_stage()
    cache = Cache(settings.path("cache.db")) if settings.use_cache else None
    result = run_asr(Path(state["source"]), settings, language=None if language == "auto" else language,
                     progress=lambda done, total: ctx.report_progress("transcribe", done, total), cache=cache,
                     names=[p["name"] for p in state.get("participants") or [] if p.get("name")])
    stats = timer.stats(model=f"faster-whisper:{settings.asr.model}", calls=0 if result.cached else 1,
                        cache_hits=1 if result.cached else 0, tokens_in=0, tokens_out=0)
    return {"segments": result.segments, "language": result.language, "language_probability": result.language_probability,
            "duration_s": result.duration_s, "warnings": list(result.warnings), "stages": {"asr": stats}}

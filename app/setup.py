"""First-run setup: build the local LLM server and join + verify the embedded model weights.

``minutes setup`` (and so ``make run`` / ``make test``) calls ``run_setup``. Each step is skipped when
its result is already in place and verified, so a second call takes a second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from core import llama_server
from core.assets import ensure_asset
from core.settings import Settings
from tools import asr_models
from tools.segment_classifier import default_classifier


def run_setup(settings: Settings) -> Iterator[str]:
    """Do every setup step the configured stages need; yields one progress line per step."""

    llm_stages = [settings.summarizer, settings.scheduler, settings.chat] + ([settings.router.llm] if settings.router.provider == "llm" else [])
    if any(s.provider == "local" or (s.fallback and s.fallback.provider == "local") for s in llm_stages):
        t = time.perf_counter()
        state = llama_server.binary_state(settings)
        if state != "ready":
            yield f"building llama-server from the llama.cpp source in {llama_server.LLAMA_CPP_PYTHON_SDIST} (once; ~6 min on 2 cores)…"
        path = llama_server.ensure_binary(settings)
        yield f"llama-server: {path} ({'built' if state != 'ready' else 'ready'} in {time.perf_counter() - t:.1f} s)"
        t = time.perf_counter()
        gguf = llama_server.ensure_model(settings)
        yield f"local LLM: {gguf.name} verified ({time.perf_counter() - t:.1f} s)"
    if settings.asr.provider == "local" and settings.asr.model == "base":
        t = time.perf_counter()
        d = ensure_asset(asr_models.WHISPER_BASE, settings.model_path())
        yield f"speech recognition: Whisper base at {d} verified ({time.perf_counter() - t:.1f} s)"
    if settings.router.provider == "classifier":
        t = time.perf_counter()
        default_classifier(settings)
        yield f"router: segment classifier ready ({time.perf_counter() - t:.1f} s)"

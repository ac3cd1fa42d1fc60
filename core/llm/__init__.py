"""LLM access for the graph's stages: :class:`ModelHub` and the helpers callers use.

The package is split where the old module's sections were: :mod:`core.llm.providers` (which chat model a
stage gets), :mod:`core.llm.structured` (JSON output: parsing, repair, the language check),
:mod:`core.llm.tokens` (token counts), :mod:`core.llm.hub` (the hub itself: fallbacks, cache, metrics).
``from core.llm import ModelHub`` keeps working.
"""

from core.llm.hub import CACHE_NAMESPACE, ModelHub
from core.llm.providers import STAGES, StageModel, build_stage_model, stage_config
from core.llm.structured import LANGUAGE_NAMES, extract_json, hangul_ratio, language_matches, parse_reply, partial_json
from core.llm.tokens import estimate_tokens

__all__ = [
    "CACHE_NAMESPACE",
    "LANGUAGE_NAMES",
    "STAGES",
    "ModelHub",
    "StageModel",
    "build_stage_model",
    "estimate_tokens",
    "extract_json",
    "hangul_ratio",
    "language_matches",
    "parse_reply",
    "partial_json",
    "stage_config",
]

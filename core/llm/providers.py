"""Providers: the chat model an ``LLMStage`` block describes, built without calling or starting anything.

* ``local``: the embedded llama-server (:mod:`core.llama_server`), reached with ``ChatOpenAI``; the repeat
  penalty goes in ``extra_body`` (llama-server reads ``repeat_penalty``);
* ``openai``: ``ChatOpenAI`` with the key read from the environment variable ``api_key_env`` (never logged);
* ``openai-compatible``: ``ChatOpenAI`` at ``base_url`` (Ollama, vLLM, LM Studio, a llama-server of your
  own); the key is read from ``api_key_env`` when set, else a placeholder is sent;
* ``langchain``: any installed LangChain provider through ``init_chat_model(model)`` ("provider:model");
* ``fake``: tests only, through the hub's ``overrides``.

Also the per-(stage, endpoint) concurrency limit shared by every hub of the process.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from core.errors import InputError, ModelError
from core.llama_server import model_alias, shared_server
from core.llm.text import one_line
from core.settings import LLMStage, Settings

STAGES = ("summarizer", "scheduler", "chat", "router")


def stage_config(settings: Settings, stage: str) -> LLMStage:
    """The ``LLMStage`` block for ``stage`` (``router`` reads ``router.llm``)."""
    if stage == "router":
        return settings.router.llm
    cfg = getattr(settings, stage, None) if stage in STAGES else None
    if not isinstance(cfg, LLMStage):
        raise ValueError(f"unknown LLM stage {stage!r}; expected one of {', '.join(STAGES)}")
    return cfg


@dataclass
class StageModel:
    """A configured model of a stage: the chat model plus what the hub needs to know about it."""

    model: BaseChatModel
    provider: str
    model_id: str  # what the cache and the stats call it
    base_url: str | None
    config: LLMStage
    native_schema: bool  # supports response_format json_schema
    local: bool = False


def _api_key(cfg: LLMStage, stage: str, *, required: bool) -> SecretStr:
    value = os.environ.get(cfg.api_key_env)
    if value:
        return SecretStr(value)
    if required:
        raise ModelError(
            f"{stage}: environment variable {cfg.api_key_env} is not set (provider {cfg.provider})",
            hint=f"export {cfg.api_key_env}=… or choose another provider for [{stage}]",
        )
    return SecretStr("not-needed")


def build_stage_model(settings: Settings, cfg: LLMStage, stage: str) -> StageModel:
    """Construct (without calling or starting anything) the chat model ``cfg`` describes."""
    from langchain_openai import ChatOpenAI

    common = dict(temperature=cfg.temperature, max_tokens=cfg.max_tokens, timeout=cfg.timeout_s, max_retries=cfg.retries)
    if cfg.provider == "local":
        server = shared_server(settings)
        alias = model_alias(settings)
        model = ChatOpenAI(
            model=alias, base_url=server.base_url, api_key=SecretStr("local"),
            extra_body={"repeat_penalty": cfg.repeat_penalty}, **common,
        )  # fmt: skip
        return StageModel(model, "local", alias, server.base_url, cfg, native_schema=True, local=True)
    if cfg.provider == "openai":
        key = _api_key(cfg, stage, required=True)
        model = ChatOpenAI(model=cfg.model, api_key=key, base_url=cfg.base_url, **common)
        return StageModel(model, "openai", cfg.model, cfg.base_url, cfg, native_schema=True)
    if cfg.provider == "openai-compatible":
        if not cfg.base_url:
            raise InputError(
                f"{stage}: provider openai-compatible needs base_url",
                hint=f"set [{stage}] base_url, e.g. http://127.0.0.1:11434/v1 for Ollama",
            )
        key = _api_key(cfg, stage, required=False)
        model = ChatOpenAI(model=cfg.model, api_key=key, base_url=cfg.base_url, **common)
        return StageModel(model, "openai-compatible", cfg.model, cfg.base_url, cfg, native_schema=True)
    if cfg.provider == "langchain":
        from langchain.chat_models import init_chat_model

        try:
            model = init_chat_model(cfg.model, **common)
        except (ImportError, ValueError) as e:
            raise InputError(
                f"{stage}: cannot create LangChain model {cfg.model!r}: {one_line(e)}",
                hint="use 'provider:model' (e.g. 'anthropic:claude-…') and install that provider's package",
            ) from e
        return StageModel(model, "langchain", cfg.model, None, cfg, native_schema=False)
    raise InputError(f"{stage}: provider {cfg.provider!r} is only available to tests (overrides)")


def override_model(model: BaseChatModel, cfg: LLMStage) -> StageModel:
    """A ready chat model (tests' fakes) as a stage model; it gets the schema in the prompt."""
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    model_id = name if isinstance(name, str) else type(model).__name__
    return StageModel(model, "override", model_id, None, cfg, native_schema=False)


# One semaphore per (stage, endpoint) in the process, so parallel graph branches and concurrent runs
# don't pile requests onto a single local server.
_SEMAPHORES: dict[tuple[str, str, int], threading.BoundedSemaphore] = {}
_SEM_LOCK = threading.Lock()


def stage_semaphore(stage: str, sm: StageModel) -> threading.BoundedSemaphore:
    """The process-wide concurrency limit of ``stage`` at ``sm``'s endpoint (``LLMStage.concurrency``)."""
    key = (stage, sm.base_url or sm.provider, max(1, sm.config.concurrency))
    with _SEM_LOCK:
        sem = _SEMAPHORES.get(key)
        if sem is None:
            sem = _SEMAPHORES[key] = threading.BoundedSemaphore(key[2])
        return sem

"""The per-stage model factory the graph nodes call: ``ModelHub``.

Every LLM stage (``summarizer``, ``scheduler``, ``chat``, ``router``) is configured by an ``LLMStage``
block in the settings and reached through one ``ModelHub`` per run, which adds what a bare chat model
lacks: the embedded local server started on demand, a fallback model, structured output validated with
pydantic (one repair retry, then ``ModelError``), an output-language check with one retry, a response
cache, per-stage concurrency limits, and metrics.

Providers (``LLMStage.provider``):

* ``local``: the embedded llama-server (:mod:`core.llama_server`), reached with ``ChatOpenAI``; the repeat
  penalty goes in ``extra_body`` (llama-server reads ``repeat_penalty``);
* ``openai``: ``ChatOpenAI`` with the key read from the environment variable ``api_key_env`` (never logged);
* ``openai-compatible``: ``ChatOpenAI`` at ``base_url`` (Ollama, vLLM, LM Studio, a llama-server of your
  own); the key is read from ``api_key_env`` when set, else a placeholder is sent;
* ``langchain``: any installed LangChain provider through ``init_chat_model(model)`` ("provider:model");
* ``fake``: tests only, through ``overrides``.

Structured output: providers speaking the OpenAI protocol get ``response_format: json_schema`` (llama-server
turns it into a grammar, so the reply is always well-formed JSON of the right shape); other models are asked
for JSON in the prompt, with the schema attached. Either way the reply text is parsed and validated here.

Streaming: ``structured(..., on_text=f)`` streams the reply and calls ``f`` with the text received so far
after each chunk (a new attempt, a repair or a language retry, starts again from ""), so a caller can show
a JSON field as it is written (:func:`partial_json`); the result is validated as usual once complete.

Token counts: the local server's own tokenizer (``/tokenize``); for OpenAI models ``tiktoken`` when its
encoding is available offline; otherwise :func:`estimate_tokens`, a rough estimate (one token per Hangul
syllable or CJK character, one per four other characters). Reported usage from the server is preferred.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, SecretStr, ValidationError

from core.cache import Cache, cache_key
from core.errors import InputError, ModelError
from core.llama_server import model_alias, shared_server
from core.meeting import StageStats
from core.metrics import Metrics, RunMeter
from core.settings import LLMStage, Settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

STAGES = ("summarizer", "scheduler", "chat", "router")
CACHE_NAMESPACE = "llm"
_OPENAI_PROTOCOL = ("local", "openai", "openai-compatible")

LANGUAGE_NAMES = {"ko": "Korean (한국어)", "en": "English"}


def stage_config(settings: Settings, stage: str) -> LLMStage:
    """The ``LLMStage`` block for ``stage`` (``router`` reads ``router.llm``)."""
    if stage == "router":
        return settings.router.llm
    cfg = getattr(settings, stage, None) if stage in STAGES else None
    if not isinstance(cfg, LLMStage):
        raise ValueError(f"unknown LLM stage {stage!r}; expected one of {', '.join(STAGES)}")
    return cfg


# ----------------------------------------------------------------------------------------- text helpers

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3]")


def estimate_tokens(text: str) -> int:
    """A rough token count when no real tokenizer is at hand: CJK/Hangul chars count 1, others 1/4."""
    if not text:
        return 0
    cjk = len(_CJK.findall(text))
    return max(1, cjk + math.ceil((len(text) - cjk) / 4))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def hangul_ratio(text: str) -> float | None:
    """Share of Hangul among letters (Hangul + Latin); None when the text has no letters."""
    h, lat = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    return h / (h + lat) if h + lat else None


def language_matches(value: Any, language: str) -> bool:
    """Whether the string fields of ``value`` are written in ``language`` ('ko' or 'en').

    Korean text may carry English names and terms, English text may quote Korean names: Korean needs at
    least 30% Hangul among letters, English at most 30%. Text without letters passes.
    """
    ratio = hangul_ratio(" ".join(_strings(value)))
    if ratio is None:
        return True
    if language == "ko":
        return ratio >= 0.3
    if language == "en":
        return ratio <= 0.3
    raise ValueError(f"unsupported language {language!r}")


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def extract_json(text: str) -> str:
    """The JSON object in a reply: fenced code first, else from the first '{' to the last '}'."""
    m = _FENCE.search(text)
    if m:
        text = m.group(1)
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if start != -1 and end > start else text.strip()


def partial_json(text: str) -> dict | None:
    """The object an incomplete JSON reply will be, as far as it goes (None before the first '{')."""
    from langchain_core.utils.json import parse_partial_json

    start = text.find("{")
    if start == -1:
        return None
    try:
        value = parse_partial_json(text[start:])
    except (ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def _message_text(msg: BaseMessage) -> str:
    c = msg.content
    if isinstance(c, str):
        return c
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in c)


def _one_line(err: Exception, limit: int = 300) -> str:
    s = " ".join(str(err).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


# ----------------------------------------------------------------------------------------- models


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
                f"{stage}: cannot create LangChain model {cfg.model!r}: {_one_line(e)}",
                hint="use 'provider:model' (e.g. 'anthropic:claude-…') and install that provider's package",
            ) from e
        return StageModel(model, "langchain", cfg.model, None, cfg, native_schema=False)
    raise InputError(f"{stage}: provider {cfg.provider!r} is only available to tests (overrides)")


def _override(model: BaseChatModel, cfg: LLMStage) -> StageModel:
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    model_id = name if isinstance(name, str) else type(model).__name__
    return StageModel(model, "override", model_id, None, cfg, native_schema=False)


# One semaphore per (stage, endpoint) in the process, so parallel graph branches and concurrent runs
# don't pile requests onto a single local server.
_SEMAPHORES: dict[tuple[str, str, int], threading.BoundedSemaphore] = {}
_SEM_LOCK = threading.Lock()


def _semaphore(stage: str, sm: StageModel) -> threading.BoundedSemaphore:
    key = (stage, sm.base_url or sm.provider, max(1, sm.config.concurrency))
    with _SEM_LOCK:
        sem = _SEMAPHORES.get(key)
        if sem is None:
            sem = _SEMAPHORES[key] = threading.BoundedSemaphore(key[2])
        return sem


# ----------------------------------------------------------------------------------------- the hub


class ModelHub:
    """Per-run access to every LLM stage (summarizer, scheduler, chat, router): models with fallbacks,
    structured calls with validation/repair, the response cache, metrics.

    ``overrides`` (tests) maps a stage to a ready chat model; ``"<stage>.fallback"`` sets its fallback.
    ``use_cache`` None follows ``settings.use_cache``. ``metrics`` None uses the process-wide
    :class:`Metrics` of the data dir (totals persisted in ``metrics.db``).
    """

    def __init__(
        self,
        settings: Settings,
        overrides: dict[str, BaseChatModel] | None = None,
        use_cache: bool | None = None,
        metrics: Metrics | None = None,
    ):
        self.settings = settings
        self.overrides = dict(overrides or {})
        self.use_cache = settings.use_cache if use_cache is None else use_cache
        self.cache = Cache(settings.path("cache.db")) if self.use_cache else None
        self.meter: RunMeter = (metrics or Metrics.for_settings(settings)).run()
        self.warnings: list[str] = []
        self._models: dict[str, StageModel | None] = {}
        self._lock = threading.Lock()

    # -- model construction
    def stage_model(self, stage: str, *, fallback: bool = False) -> StageModel | None:
        """The configured primary (or fallback) model of ``stage``; None when no fallback is set."""
        key = f"{stage}.fallback" if fallback else stage
        with self._lock:
            if key in self._models:
                return self._models[key]
        cfg = stage_config(self.settings, stage)
        if fallback:
            sm = (
                _override(self.overrides[key], cfg.fallback or cfg)
                if key in self.overrides
                else build_stage_model(self.settings, cfg.fallback, f"{stage} fallback") if cfg.fallback else None
            )
        else:
            sm = _override(self.overrides[key], cfg) if key in self.overrides else build_stage_model(self.settings, cfg, stage)
        with self._lock:
            self._models[key] = sm
        return sm

    def _ready(self, sm: StageModel) -> StageModel:
        if sm.local:
            shared_server(self.settings).ensure_running()
        return sm

    def chat(self, stage: str, *, start_server: bool = True) -> BaseChatModel:
        """The stage's model, ``.with_fallbacks`` if a fallback is set. Starts the local server if needed
        (``start_server=False`` only builds the client). Calls through it bypass cache and metrics."""
        primary = self.stage_model(stage)
        fb = self.stage_model(stage, fallback=True)
        if start_server:
            try:
                self._ready(primary)
            except ModelError as e:
                if fb is None:
                    raise
                log.warning("%s: %s unavailable (%s); using fallback %s", stage, primary.model_id, e, fb.model_id)
                self.warnings.append(f"{stage}: fell back to {fb.model_id} ({_one_line(e, 120)})")
                return self._ready(fb).model
        if fb is None:
            return primary.model
        if start_server and fb.local:
            try:
                self._ready(fb)
            except ModelError as e:
                log.warning("%s: fallback unavailable: %s", stage, e)
        return primary.model.with_fallbacks([fb.model])  # type: ignore[return-value]

    # -- public calls
    def complete(self, stage: str, messages: list[BaseMessage]) -> str:
        """The stage model's text reply to ``messages`` (cached, with fallback and metrics)."""

        def attempt(sm: StageModel, fallback: bool) -> str:
            return _message_text(self._invoke(stage, sm, messages, fallback=fallback))

        key = self._key(stage, "complete", messages, None, None)
        hit = self._cached(stage, key)
        if hit is not None:
            return hit
        text, model_id = self._with_fallback(stage, attempt)
        self._store(key, model_id, text)
        return text

    def structured(self, stage: str, schema: type[T], messages: list[BaseMessage], *, language: str | None = None,
                   on_text: Callable[[str], None] | None = None) -> T:
        """A ``schema`` instance from the stage's model: constrained decoding where supported, parsed and
        validated here; one repair retry on invalid output, then ``ModelError``. With ``language``
        ('ko'/'en'), output in another language gets one retry with an explicit instruction. With
        ``on_text``, the reply is streamed and ``on_text`` gets the text so far after each chunk (a cached
        answer is not replayed: the caller shows the result)."""
        key = self._key(stage, "structured", messages, schema, language)
        hit = self._cached(stage, key)
        if hit is not None:
            try:
                return schema.model_validate(hit)
            except ValidationError:
                log.info("%s: cached answer no longer fits %s; asking the model again", stage, schema.__name__)

        def attempt(sm: StageModel, fallback: bool) -> T:
            return self._structured_with(stage, sm, schema, messages, language, fallback, on_text)

        result, model_id = self._with_fallback(stage, attempt)
        self._store(key, model_id, result.model_dump(mode="json"))
        return result

    def count_tokens(self, stage: str, text: str) -> int:
        """Tokens of ``text`` for the stage's model (see the module docstring for how each provider counts)."""
        sm = self.stage_model(stage)
        if sm.local:
            server = shared_server(self.settings)
            server.ensure_running()
            return len(server.tokenize(text))
        if sm.provider == "openai":
            enc = _tiktoken_encoding(sm.model_id)
            if enc is not None:
                return len(enc.encode(text))
        return estimate_tokens(text)

    def stats(self) -> dict[str, StageStats]:
        """This run's per-stage numbers (the meeting JSON's ``stages`` block)."""
        return self.meter.stats()

    # -- internals
    def _key(self, stage: str, kind: str, messages: list[BaseMessage], schema: type[BaseModel] | None, language: str | None) -> str:
        sm = self.stage_model(stage)
        fb = self.stage_model(stage, fallback=True)
        cfg = sm.config
        return cache_key(
            CACHE_NAMESPACE, kind, stage, sm.provider, sm.model_id, sm.base_url,
            fb.model_id if fb else None,
            [(m.type, m.content) for m in messages],
            schema.model_json_schema() if schema else None,
            {"temperature": cfg.temperature, "max_tokens": cfg.max_tokens, "repeat_penalty": cfg.repeat_penalty},
            language,
        )  # fmt: skip

    def _cached(self, stage: str, key: str) -> Any | None:
        if self.cache is None:
            return None
        t0 = time.monotonic()
        value = self.cache.get(CACHE_NAMESPACE, key)
        if value is None:
            return None
        model = value.get("model", "?") if isinstance(value, dict) else "?"
        self.meter.record(stage, model, time.monotonic() - t0, cache_hit=True)
        return value.get("value") if isinstance(value, dict) else None

    def _store(self, key: str, model_id: str, value: Any) -> None:
        if self.cache is not None:
            self.cache.put(CACHE_NAMESPACE, key, {"model": model_id, "value": value})

    def _with_fallback(self, stage: str, attempt: Callable[[StageModel, bool], Any]) -> tuple[Any, str]:
        """``attempt`` with the primary model, else with the fallback; returns (value, model id used)."""
        primary = self.stage_model(stage)
        try:
            return attempt(self._ready(primary), False), primary.model_id
        except Exception as e:  # noqa: BLE001 - any failure of the primary tries the fallback
            fb = self.stage_model(stage, fallback=True)
            if fb is None:
                if isinstance(e, ModelError):
                    raise
                raise ModelError(
                    f"{stage}: {primary.model_id} failed: {_one_line(e)}",
                    hint="check the model server (for local: the llama-server log in the data dir's logs/)",
                ) from e
            log.warning("%s: %s failed (%s); using fallback %s", stage, primary.model_id, _one_line(e, 120), fb.model_id)
            self.warnings.append(f"{stage}: fell back to {fb.model_id} ({_one_line(e, 120)})")
            try:
                return attempt(self._ready(fb), True), fb.model_id
            except ModelError:
                raise
            except Exception as e2:  # noqa: BLE001
                raise ModelError(
                    f"{stage}: {primary.model_id} and fallback {fb.model_id} both failed: {_one_line(e2)}",
                    hint="check both models' servers and settings",
                ) from e2

    def _invoke(self, stage: str, sm: StageModel, messages: list[BaseMessage], *, fallback: bool,
                on_text: Callable[[str], None] | None = None, **bind: Any) -> AIMessage:
        model = sm.model.bind(**bind) if bind else sm.model
        t0 = time.monotonic()
        with _semaphore(stage, sm):
            try:
                msg = model.invoke(messages) if on_text is None else _streamed(model, messages, on_text)
            except Exception:
                self.meter.record(stage, sm.model_id, time.monotonic() - t0, error=True, fallback=fallback)
                raise
        usage = getattr(msg, "usage_metadata", None) or {}
        tin = usage.get("input_tokens") or sum(estimate_tokens(_message_text(m)) for m in messages)
        tout = usage.get("output_tokens") or estimate_tokens(_message_text(msg))
        self.meter.record(stage, sm.model_id, time.monotonic() - t0, tin, tout, fallback=fallback)
        return msg  # type: ignore[return-value]

    def _structured_with(
        self, stage: str, sm: StageModel, schema: type[T], messages: list[BaseMessage], language: str | None, fallback: bool,
        on_text: Callable[[str], None] | None = None,
    ) -> T:
        json_schema = schema.model_json_schema()
        if sm.native_schema:
            bind = {"response_format": {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": json_schema, "strict": False}}}
            convo = list(messages)
        else:
            bind = {}
            convo = [*messages, HumanMessage(
                "Reply with one JSON object only, no prose, matching this JSON Schema:\n"
                + json.dumps(json_schema, ensure_ascii=False)
            )]  # fmt: skip

        def ask(conv: list[BaseMessage]) -> tuple[str, T | None, Exception | None]:
            text = _message_text(self._invoke(stage, sm, conv, fallback=fallback, on_text=on_text, **bind))
            try:
                return text, schema.model_validate_json(extract_json(text)), None
            except (ValidationError, ValueError) as err:
                return text, None, err

        text, result, err = ask(convo)
        if result is None:
            log.info("%s: invalid structured output (%s); asking for a repair", stage, _one_line(err, 160))
            convo = [*convo, AIMessage(text), HumanMessage(
                f"That reply is not valid: {_one_line(err, 600)}\n"
                "Reply again with only the corrected JSON object."
            )]  # fmt: skip
            text, result, err = ask(convo)
            if result is None:
                raise ModelError(
                    f"{stage}: {sm.model_id} gave invalid {schema.__name__} output twice: {_one_line(err, 200)}",
                    hint="try again, or point this stage at a stronger model in the settings",
                )
        if language and not language_matches(result.model_dump(mode="json"), language):
            name = LANGUAGE_NAMES.get(language, language)
            log.info("%s: output not in %s; retrying once", stage, name)
            retry = [*convo, AIMessage(text), HumanMessage(
                f"Write every text value of that JSON in {name}. Keep the same structure, names and meaning; "
                "reply with only the JSON object."
            )]  # fmt: skip
            text2, result2, _ = ask(retry)
            if result2 is not None and language_matches(result2.model_dump(mode="json"), language):
                return result2
            self.warnings.append(f"{stage}: output is not in {name} after one retry")
            if result2 is not None:
                return result2
        return result


def _streamed(model: Any, messages: list[BaseMessage], on_text: Callable[[str], None]) -> AIMessage:
    """``model``'s reply, streamed: ``on_text`` gets the text so far after every chunk."""
    whole = None
    on_text("")
    for chunk in model.stream(messages):
        whole = chunk if whole is None else whole + chunk
        if chunk.content:
            on_text(_message_text(whole))
    if whole is None:
        return AIMessage("")
    return AIMessage(_message_text(whole), usage_metadata=getattr(whole, "usage_metadata", None),
                     response_metadata=getattr(whole, "response_metadata", {}) or {})


_TIKTOKEN: dict[str, Any] = {}


def _tiktoken_encoding(model: str) -> Any | None:
    """tiktoken's encoding for ``model`` if it loads within 5 s (its files are fetched once, then cached);
    None offline. Loaded in a daemon thread because tiktoken's download has no timeout."""
    if model in _TIKTOKEN:
        return _TIKTOKEN[model]
    box: dict[str, Any] = {}

    def load() -> None:
        try:
            import tiktoken

            try:
                box["enc"] = tiktoken.encoding_for_model(model)
            except KeyError:
                box["enc"] = tiktoken.get_encoding("o200k_base")
        except Exception:  # noqa: BLE001 - offline or not installed: estimate instead
            box["enc"] = None

    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(5.0)
    _TIKTOKEN[model] = box.get("enc")
    return _TIKTOKEN[model]

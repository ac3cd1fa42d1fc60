"""The per-stage model factory the graph nodes call: ``ModelHub``.

Every LLM stage (``summarizer``, ``scheduler``, ``chat``, ``router``) is configured by an ``LLMStage``
block in the settings and reached through one ``ModelHub`` per run, which adds what a bare chat model
lacks: the embedded local server started on demand, a fallback model, structured output validated with
pydantic (a parser repair, then one model repair retry, then ``ModelError``), an output-language check
with one retry, a response cache, per-stage concurrency limits, and metrics.

Providers: :mod:`core.llm.providers`. Structured output and its repair: :mod:`core.llm.structured`
(providers speaking the OpenAI protocol get ``response_format: json_schema``, which llama-server turns into
a grammar; other models are asked for JSON in the prompt, with the schema attached; either way the reply
text is parsed and validated). Token counts: :mod:`core.llm.tokens`.

Streaming: ``structured(..., on_text=f)`` streams the reply and calls ``f`` with the text received so far
after each chunk (a new attempt, a repair or a language retry, starts again from ""), so a caller can show
a JSON field as it is written (:func:`core.llm.structured.partial_json`); the result is validated as
usual once complete. Reported usage from the server is preferred to estimated token counts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel, ValidationError

from core.cache import Cache, cache_key
from core.errors import ModelAnswerError, ModelError
from core.llama_server import shared_server
from core.llm.providers import StageModel, build_stage_model, override_model, stage_config, stage_semaphore
from core.llm.structured import (
    LANGUAGE_NAMES,
    cut_off_reply,
    is_truncated,
    language_matches,
    language_turns,
    parse_reply,
    repair_turns,
    schema_instruction,
)
from core.llm.text import message_text, one_line
from core.llm.tokens import estimate_tokens, split_counts, tiktoken_encoding
from core.meeting import StageStats
from core.metrics import Metrics, RunMeter
from core.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

CACHE_NAMESPACE = "llm"


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
        self._server_checked = False  # the local server answered once in this hub (count_tokens_each)

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
                override_model(self.overrides[key], cfg.fallback or cfg)
                if key in self.overrides
                else build_stage_model(self.settings, cfg.fallback, f"{stage} fallback") if cfg.fallback else None
            )
        else:
            sm = override_model(self.overrides[key], cfg) if key in self.overrides else build_stage_model(self.settings, cfg, stage)
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
                self.warnings.append(f"{stage}: fell back to {fb.model_id} ({one_line(e, 120)})")
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
            return message_text(self._invoke(stage, sm, messages, fallback=fallback))

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
        """Tokens of ``text`` for the stage's model (see :mod:`core.llm.tokens` for how each provider counts)."""
        return self.count_tokens_each(stage, [text])[0]

    def count_tokens_each(self, stage: str, texts: list[str]) -> list[int]:
        """Tokens of each of ``texts``: for the local model one ``/tokenize`` call for all of them (the
        server is checked once, when it is not yet known to run), else per text."""
        if not texts:
            return []
        sm = self.stage_model(stage)
        if sm.local:
            server = shared_server(self.settings)
            if not self._server_checked:
                server.ensure_running()
                self._server_checked = True
            if len(texts) == 1:
                return [len(server.tokenize(texts[0]))]
            return split_counts(texts, server.tokenize_pieces("\n".join(texts)))
        if sm.provider == "openai":
            enc = tiktoken_encoding(sm.model_id)
            if enc is not None:
                return [len(enc.encode(t)) for t in texts]
        return [estimate_tokens(t) for t in texts]

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
            try:
                return attempt(self._ready(primary), False), primary.model_id
            except Exception as lost:
                # the embedded server went away mid-run (killed, out of memory): start it again, once
                if not (primary.local and lost_connection(lost) and not shared_server(self.settings).healthy()):
                    raise
                log.warning("%s: the local model server went away (%s); restarting it", stage, one_line(lost, 120))
                self.warnings.append(f"{stage}: the local model server went away; restarted it and asked again")
                return attempt(self._ready(primary), False), primary.model_id
        except Exception as e:  # noqa: BLE001 - any failure of the primary tries the fallback
            fb = self.stage_model(stage, fallback=True)
            if fb is None:
                if isinstance(e, ModelError):
                    raise
                raise (ModelAnswerError if timed_out(e) else ModelError)(
                    f"{stage}: {primary.model_id} failed: {one_line(e)}",
                    hint="check the model server (for local: the llama-server log in the data dir's logs/)",
                ) from e
            log.warning("%s: %s failed (%s); using fallback %s", stage, primary.model_id, one_line(e, 120), fb.model_id)
            self.warnings.append(f"{stage}: fell back to {fb.model_id} ({one_line(e, 120)})")
            try:
                return attempt(self._ready(fb), True), fb.model_id
            except ModelError:
                raise
            except Exception as e2:  # noqa: BLE001
                raise ModelError(
                    f"{stage}: {primary.model_id} and fallback {fb.model_id} both failed: {one_line(e2)}",
                    hint="check both models' servers and settings",
                ) from e2

    def _invoke(self, stage: str, sm: StageModel, messages: list[BaseMessage], *, fallback: bool,
                on_text: Callable[[str], None] | None = None, **bind: Any) -> AIMessage:
        model = sm.model.bind(**bind) if bind else sm.model
        t0 = time.monotonic()
        with stage_semaphore(stage, sm):
            try:
                msg = model.invoke(messages) if on_text is None else _streamed(model, messages, on_text)
            except Exception as e:
                cut = cut_off_reply(e)  # a reply cut off at max_tokens is a reply: the caller decides
                if cut is None:
                    self.meter.record(stage, sm.model_id, time.monotonic() - t0, error=True, fallback=fallback)
                    raise
                msg = cut
        usage = getattr(msg, "usage_metadata", None) or {}
        tin = usage.get("input_tokens") or sum(estimate_tokens(message_text(m)) for m in messages)
        tout = usage.get("output_tokens") or estimate_tokens(message_text(msg))
        self.meter.record(stage, sm.model_id, time.monotonic() - t0, tin, tout, fallback=fallback)
        return msg  # type: ignore[return-value]

    def _structured_with(
        self, stage: str, sm: StageModel, schema: type[T], messages: list[BaseMessage], language: str | None, fallback: bool,
        on_text: Callable[[str], None] | None = None,
    ) -> T:
        if sm.native_schema:
            json_schema = schema.model_json_schema()
            bind = {"response_format": {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": json_schema, "strict": False}}}
            convo = list(messages)
        else:
            bind = {}
            convo = [*messages, schema_instruction(schema)]

        def ask(conv: list[BaseMessage]) -> tuple[str, T | None, Exception | None, bool]:
            msg = self._invoke(stage, sm, conv, fallback=fallback, on_text=on_text, **bind)
            text, truncated = message_text(msg), is_truncated(msg)
            parsed = parse_reply(text, schema, truncated=truncated)
            if parsed.repaired:
                log.info("%s: malformed JSON repaired by the parser (no model repair round)", stage)
                text = parsed.value.model_dump_json()  # type: ignore[union-attr]
            return text, parsed.value, parsed.error, truncated

        text, result, err, truncated = ask(convo)
        if result is None:
            log.info("%s: invalid structured output (%s); asking for a repair", stage,
                     "cut off at max_tokens" if truncated else one_line(err, 160))
            convo = [*convo, *repair_turns(text, err, truncated=truncated)]
            text, result, err, truncated = ask(convo)
            if result is None:
                why = "cut off at max_tokens" if truncated else one_line(err, 200)
                raise ModelAnswerError(
                    f"{stage}: {sm.model_id} gave invalid {schema.__name__} output twice: {why}",
                    hint="try again, raise this stage's max_tokens, or point it at a stronger model in the settings",
                )
        if language and not language_matches(result.model_dump(mode="json"), language):
            name = LANGUAGE_NAMES.get(language, language)
            log.info("%s: output not in %s; retrying once", stage, name)
            _, result2, _, _ = ask([*convo, *language_turns(text, language)])
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
            on_text(message_text(whole))
    if whole is None:
        return AIMessage("")
    return AIMessage(message_text(whole), usage_metadata=getattr(whole, "usage_metadata", None),
                     response_metadata=getattr(whole, "response_metadata", {}) or {})


def caused_by(error: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Whether ``error`` or anything in its cause/context chain is one of ``kinds``."""
    seen: set[int] = set()
    e: BaseException | None = error
    while e is not None and id(e) not in seen:
        if isinstance(e, kinds):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def timed_out(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is a request that ran past its timeout."""
    import httpx
    import openai

    return caused_by(error, (openai.APITimeoutError, httpx.TimeoutException, TimeoutError))


def lost_connection(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is a refused or dropped connection to the model server."""
    import httpx
    import openai

    return caused_by(error, (openai.APIConnectionError, httpx.ConnectError, httpx.RemoteProtocolError, ConnectionError))

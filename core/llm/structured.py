"""Structured output: the JSON in a reply, parsed and validated against a pydantic schema, repaired by a
parser before any model repair round, and the output-language check.

A malformed reply goes through ``json_repair`` (quotes, trailing commas, unclosed brackets, prose around the
object) before the hub spends a model repair round on it, unless the model was cut off (``finish_reason``
``length``): a truncated reply lost content a parser cannot restore, so it goes back to the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from core.llm.text import one_line

T = TypeVar("T", bound=BaseModel)

LANGUAGE_NAMES = {"ko": "Korean (한국어)", "en": "English"}

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


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


def repaired_object(text: str) -> dict | None:
    """The JSON object ``json_repair`` makes of a malformed reply, or None when it finds no object."""
    import json_repair

    m = _FENCE.search(text)
    body = m.group(1) if m else text[text.find("{"):] if "{" in text else ""
    if not body.strip():
        return None
    try:
        value = json_repair.loads(body)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) and value else None


def is_truncated(msg: BaseMessage) -> bool:
    """Whether the model stopped because it ran out of tokens (``finish_reason`` / ``stop_reason``)."""
    meta = getattr(msg, "response_metadata", None) or {}
    return meta.get("finish_reason") == "length" or meta.get("stop_reason") == "max_tokens"


def cut_off_reply(err: BaseException) -> AIMessage | None:
    """The partial reply inside the OpenAI SDK's ``LengthFinishReasonError`` (raised instead of a reply
    when a ``json_schema`` response hits max_tokens), as a message marked ``finish_reason: length``."""
    try:
        from openai import LengthFinishReasonError
    except ImportError:  # pragma: no cover - langchain-openai depends on openai
        return None
    if not isinstance(err, LengthFinishReasonError):
        return None
    choices = getattr(err.completion, "choices", None) or []
    text = (choices[0].message.content or "") if choices else ""
    return AIMessage(text, response_metadata={"finish_reason": "length"})


@dataclass
class Parsed(Generic[T]):
    """A reply parsed against a schema: ``value`` or ``error``; ``repaired`` when json_repair made it valid."""

    value: T | None
    error: Exception | None = None
    repaired: bool = False


def parse_reply(text: str, schema: type[T], *, truncated: bool = False) -> Parsed[T]:
    """Validate the JSON in ``text`` against ``schema``; a malformed (not truncated) reply is repaired by
    ``json_repair`` and validated again. A reply that is valid JSON of the wrong shape is not "repaired":
    the parser cannot know the missing values, so that error goes back to the model."""
    try:
        return Parsed(schema.model_validate_json(extract_json(text)))
    except (ValidationError, ValueError) as err:
        if truncated or _is_wellformed(extract_json(text)):
            return Parsed(None, err)
        fixed = repaired_object(text)
        if fixed is not None:
            try:
                return Parsed(schema.model_validate(fixed), repaired=True)
            except ValidationError:
                pass
        return Parsed(None, err)


def _is_wellformed(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def schema_instruction(schema: type[BaseModel]) -> HumanMessage:
    """The prompt addition for models without native JSON-schema output."""
    return HumanMessage(
        "Reply with one JSON object only, no prose, matching this JSON Schema:\n"
        + json.dumps(schema.model_json_schema(), ensure_ascii=False)
    )


def repair_turns(reply: str, err: Exception | None, *, truncated: bool) -> list[BaseMessage]:
    """The two turns that ask the model to correct its invalid reply."""
    why = ("That reply was cut off before the JSON was complete. Keep it shorter."
           if truncated else f"That reply is not valid: {one_line(err, 600)}")
    return [AIMessage(reply), HumanMessage(f"{why}\nReply again with only the corrected JSON object.")]


def language_turns(reply: str, language: str) -> list[BaseMessage]:
    """The two turns that ask the model to rewrite its reply in ``language``."""
    name = LANGUAGE_NAMES.get(language, language)
    return [AIMessage(reply), HumanMessage(
        f"Write every text value of that JSON in {name}. Keep the same structure, names and meaning; "
        "reply with only the JSON object."
    )]  # fmt: skip

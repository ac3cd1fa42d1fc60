"""What the HTTP API and the web page both serve: the chat stream and the open action items.

One module for both front ends (so neither imports the other): ``default_chat`` streams an answer,
``chat_event`` turns each chunk into an (event, data) pair, ``open_action_items`` lists open items.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from core.meeting_files import stored_meetings
from core.settings import Settings
from graph.builder import sqlite_checkpointer
from graph.chat import answer_stream
from graph.context import Context

log = logging.getLogger(__name__)

ChatFn = Callable[[Settings, str, str], Iterable[Any]]
ContextFactory = Callable[[Settings], Context]

_CHAT: dict[str, tuple[Context, Any]] = {}


def default_chat(settings: Settings, question: str, thread_id: str) -> Iterable[Any]:
    """The chat assistant (graph/chat.py): answer text as tokens, tool steps as ``{"type": "tool"}`` events,
    and ``{"type": "replace", "text": ...}`` when the final answer is not the streamed text (a model retry).

    One context (models, memory) and one conversation checkpointer per data directory, made on first use.
    """
    key = str(settings.data_dir.resolve())
    if key not in _CHAT:
        _CHAT[key] = (Context.from_settings(settings), sqlite_checkpointer(settings.path("chat.sqlite")))
    ctx, checkpointer = _CHAT[key]
    streamed = ""
    for kind, text in answer_stream(ctx, question, thread_id, checkpointer):
        if kind == "token":
            streamed += text
            yield text
        elif kind == "tool":
            yield {"type": "tool", "name": text}
        elif kind == "final" and not streamed:
            yield text
        elif kind == "final" and text != streamed:  # the model rewrote its reply after streaming
            yield {"type": "replace", "text": text}


def chat_event(chunk: Any) -> tuple[str, dict]:
    """A chunk of the chat stream as an SSE (event, data): text -> ``token``; ``{"type": ...}`` -> that event."""
    if isinstance(chunk, str):
        return "token", {"text": chunk}
    if isinstance(chunk, dict):
        data = dict(chunk)
        return str(data.pop("type", "data")), data
    content = getattr(chunk, "content", None)
    if isinstance(content, str):
        return "token", {"text": content}
    return "data", {"value": str(chunk)}


def open_action_items(settings: Settings, context_factory: ContextFactory | None, owner: str | None = None) -> list[dict]:
    """Open action items: from the meeting memory when it is on, else from the meetings' JSON files."""
    store = None
    try:
        ctx = (context_factory or Context.from_settings)(settings)
        store = ctx.store
    except Exception as e:  # memory unavailable (e.g. the embedding model is not assembled)
        log.warning("meeting memory unavailable, reading action items from files: %s", e)
    if store is not None:
        return store.open_action_items(owner=owner)
    items = []
    for meeting in stored_meetings(settings):
        for i, a in enumerate(meeting.get("minutes", {}).get("action_items", [])):
            if a.get("status", "open") != "open":
                continue
            if owner and owner.strip().lower() not in (a.get("owner") or "").lower():
                continue
            items.append({"meeting_id": meeting["meeting_id"], "index": i, "title": meeting["minutes"].get("title"),
                          "owner": a.get("owner"), "task": a["task"], "due": a.get("due"), "status": "open"})
    items.sort(key=lambda a: (a["due"] is None, a["due"] or ""))
    return items

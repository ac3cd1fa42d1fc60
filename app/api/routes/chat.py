"""``/chat``: ask about past meetings; the answer streams as server-sent events."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import ChatDep, SettingsDep
from app.api.errors import ApiError, error_responses
from app.api.models import ChatRequest
from app.api.sse import sse
from app.services import chat_event
from core.errors import InputError, MinutesError

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])


@router.post("/chat", summary="Ask about past meetings (streamed)",
             responses={200: {"content": {"text/event-stream": {}}, "description":
                              "Events: token {text} as the answer is written, tool {name} for each tool step, "
                              "replace {text} when the final answer differs from the streamed tokens (a model "
                              "retry), error {error, hint}, then done."}, **error_responses(401, 422, 503)})
async def chat_endpoint(req: ChatRequest, chat: ChatDep, settings: SettingsDep):
    end = object()

    def first() -> tuple[Iterator[Any], Any]:
        it = iter(chat(settings, req.question, req.thread_id))
        return it, next(it, end)

    try:
        it, head = await run_in_threadpool(first)
    except InputError as e:
        raise ApiError(422, str(e), e.hint) from None
    except MinutesError as e:
        raise ApiError(503, str(e), e.hint) from None

    def events():
        if head is not end:
            yield sse(*chat_event(head))
            try:
                for chunk in it:
                    yield sse(*chat_event(chunk))
            except MinutesError as e:
                yield sse("error", {"error": str(e), "hint": e.hint})
                return
            except Exception as e:
                log.exception("chat failed")
                yield sse("error", {"error": f"internal error ({type(e).__name__})", "hint": "see the server log"})
                return
        yield sse("done", {"thread_id": req.thread_id})

    return EventSourceResponse(events(), ping=10)

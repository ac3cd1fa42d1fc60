"""Server-sent events as the API sends them: JSON data, an event name, an id to resume from."""

from __future__ import annotations

import json

from sse_starlette import ServerSentEvent


def sse(event: str, data: dict, id_: int | None = None) -> ServerSentEvent:
    """One event with ``data`` as JSON (Korean kept as is)."""
    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event=event, id=None if id_ is None else str(id_))

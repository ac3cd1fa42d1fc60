"""Upload size: stopped as soon as it passes ``api.max_upload_mb`` (413), before anything larger is stored."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import UploadFile

from app.api.errors import ApiError

MB = 1024 * 1024
MULTIPART_SLACK = 64 * 1024  # form fields and part headers around the file
_HINT = "split the recording, or raise api.max_upload_mb (MINUTES_API__MAX_UPLOAD_MB)"


class UploadLimit:
    """ASGI middleware: stops an upload to ``POST /meetings`` as soon as it passes ``max_bytes`` (413),
    by its Content-Length when sent, else while the body streams in (nothing larger is spooled to disk)."""

    def __init__(self, app, max_bytes: int, path: str = "/meetings"):
        self.app, self.max_bytes, self.path = app, max_bytes, path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self.path:
            return await self.app(scope, receive, send)
        limit = self.max_bytes + MULTIPART_SLACK
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await self._too_large(send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ApiError(413, self._message(), _HINT)
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return f"the upload is larger than {self.max_bytes // MB} MB"

    async def _too_large(self, send) -> None:
        body = json.dumps({"error": self._message(), "hint": _HINT}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def save_upload(upload: UploadFile, dest: Path, max_bytes: int) -> int:
    """Copy the upload to ``dest`` in chunks, stopping with 413 past ``max_bytes``; returns the size."""
    size = 0
    with open(dest, "wb") as out:
        while chunk := upload.file.read(MB):
            size += len(chunk)
            if size > max_bytes:
                raise ApiError(413, f"the upload is larger than {max_bytes // MB} MB", _HINT)
            out.write(chunk)
    return size

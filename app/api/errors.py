"""The API's error model: every error is JSON ``{"error": "...", "hint": "..."}`` with a 4xx a client can
act on (bad input is never a 500)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.jobs import JobStateError
from core.errors import InputError, MinutesError

log = logging.getLogger(__name__)


class ApiError(StarletteHTTPException):
    """An error answered as ``{"error", "hint"}`` with an HTTP status. An HTTPException, so that raised while
    the body is read (the upload limit) FastAPI passes it on instead of turning it into a 400."""

    def __init__(self, status: int, message: str, hint: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(status_code=status, detail=message, headers=headers)
        self.status, self.message, self.hint = status, message, hint


class ErrorBody(BaseModel):
    error: str = Field(description="What went wrong, in one line")
    hint: str | None = Field(default=None, description="What to do about it")


_TEXT = {400: "Bad request", 401: "Missing or wrong bearer token", 404: "No such meeting or job",
         409: "Not possible in the job's current state", 413: "Upload too large", 415: "Not a recording or transcript",
         422: "Invalid input", 503: "Not available in this installation"}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses."""
    return {c: {"model": ErrorBody, "description": _TEXT[c]} for c in codes}


def error_response(status: int, message: str, hint: str | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An error as the JSON response every endpoint answers."""
    return JSONResponse({"error": message, "hint": hint}, status_code=status, headers=dict(headers) if headers else None)


def validation_message(exc: RequestValidationError) -> str:
    """FastAPI's validation errors as one line."""
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header"))
        parts.append(f"{loc or 'request'}: {e.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Map Minutes' errors and FastAPI's to the error model."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.message, exc.hint, exc.headers)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError):
        return error_response(422, str(exc), exc.hint)

    @app.exception_handler(JobStateError)
    async def _state_error(request: Request, exc: JobStateError):
        return error_response(409, str(exc), exc.hint)

    @app.exception_handler(MinutesError)
    async def _minutes_error(request: Request, exc: MinutesError):
        return error_response(503, str(exc), exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return error_response(422, validation_message(exc), "see /docs for the request format")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        hint = "see /docs for the endpoints" if exc.status_code in (404, 405) else None
        return error_response(exc.status_code, str(exc.detail), hint, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal error ({type(exc).__name__})", "see the server log")

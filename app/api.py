"""The HTTP API: upload meetings, follow their progress, approve bookings, chat, metrics (FastAPI).

``create_app(settings)`` builds the app (the web page is mounted at ``/ui``); ``serve(settings)`` runs it
with uvicorn (``minutes serve``). Processing runs in the background (:mod:`app.jobs`): an upload answers
202 at once with a job id, and ``GET /meetings/{id}`` or the server-sent events of
``GET /meetings/{id}/events`` follow it.

Every error is JSON ``{"error": "...", "hint": "..."}`` with a 4xx status a client can act on; bad input is
never a 500. Auth: a bearer token read from the environment variable ``api.token_env``; required to
listen on anything but loopback, enforced whenever it is set.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path as FsPath
from typing import Any, Literal

from fastapi import Depends, FastAPI, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import InputError, MinutesError
from core.settings import Settings
from app.jobs import FINISHED, Clock, ContextFactory, EmptyUploadError, Job, JobManager, JobStateError, check_upload, new_job_id

log = logging.getLogger(__name__)

ChatFn = Callable[[Settings, str, str], Iterable[Any]]
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_MB = 1024 * 1024
_MULTIPART_SLACK = 64 * 1024  # form fields and part headers around the file


# ---------------------------------------------------------------------------------------------- errors
class ApiError(StarletteHTTPException):
    """An error answered as ``{"error", "hint"}`` with an HTTP status. An HTTPException, so that raised while
    the body is read (the upload limit) FastAPI passes it on instead of turning it into a 400."""

    def __init__(self, status: int, message: str, hint: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(status_code=status, detail=message, headers=headers)
        self.status, self.message, self.hint = status, message, hint


class ErrorBody(BaseModel):
    error: str = Field(description="What went wrong, in one line")
    hint: str | None = Field(default=None, description="What to do about it")


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Bad request", 401: "Missing or wrong bearer token", 404: "No such meeting or job",
            409: "Not possible in the job's current state", 413: "Upload too large", 415: "Not a recording or transcript",
            422: "Invalid input", 503: "Not available in this installation"}
    return {c: {"model": ErrorBody, "description": text[c]} for c in codes}


def _error_response(status: int, message: str, hint: str | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "hint": hint}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header"))
        parts.append(f"{loc or 'request'}: {e.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return _error_response(exc.status, exc.message, exc.hint, exc.headers)

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError):
        return _error_response(422, str(exc), exc.hint)

    @app.exception_handler(JobStateError)
    async def _state_error(request: Request, exc: JobStateError):
        return _error_response(409, str(exc), exc.hint)

    @app.exception_handler(MinutesError)
    async def _minutes_error(request: Request, exc: MinutesError):
        return _error_response(503, str(exc), exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return _error_response(422, _validation_message(exc), "see /docs for the request format")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        hint = "see /docs for the endpoints" if exc.status_code in (404, 405) else None
        return _error_response(exc.status_code, str(exc.detail), hint, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error_response(500, f"internal error ({type(exc).__name__})", "see the server log")


# ---------------------------------------------------------------------------------------------- auth
def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (127.0.0.0/8, ::1, localhost)."""
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None, token_env: str = "MINUTES_API_TOKEN") -> None:
    """Refuse to listen beyond this machine without a token (InputError with what to do)."""
    if not is_loopback(host) and not token:
        raise InputError(f"refusing to listen on {host} without an API token: anyone on the network could use it",
                         hint=f"set {token_env} to a long random secret (clients send 'Authorization: Bearer ...'), "
                              "or listen on 127.0.0.1")


def api_token(settings: Settings) -> str | None:
    """The bearer token from the environment (never logged), or None when unset or empty."""
    return os.environ.get(settings.api.token_env) or None


_bearer = HTTPBearer(auto_error=False, description="Required when the server was started with a token")


def _auth_dependency(token: str | None, token_env: str):
    def require_token(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
        if token is None:
            return
        given = (credentials.credentials if credentials else "").encode()
        if not hmac.compare_digest(given, token.encode()):
            raise ApiError(401, "missing or wrong bearer token", f"send 'Authorization: Bearer <the value of {token_env}>'",
                           headers={"WWW-Authenticate": "Bearer"})

    return require_token


# ---------------------------------------------------------------------------------------------- upload limit
class UploadLimit:
    """ASGI middleware: stops an upload to ``POST /meetings`` as soon as it passes ``max_bytes`` (413),
    by its Content-Length when sent, else while the body streams in (nothing larger is spooled to disk)."""

    def __init__(self, app, max_bytes: int, path: str = "/meetings"):
        self.app, self.max_bytes, self.path = app, max_bytes, path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self.path:
            return await self.app(scope, receive, send)
        limit = self.max_bytes + _MULTIPART_SLACK
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
                    raise ApiError(413, *self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> tuple[str, str]:
        return (f"the upload is larger than {self.max_bytes // _MB} MB",
                "split the recording, or raise api.max_upload_mb (MINUTES_API__MAX_UPLOAD_MB)")

    async def _too_large(self, send) -> None:
        message, hint = self._message()
        body = json.dumps({"error": message, "hint": hint}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------------------------------------- models
Status = Literal["queued", "running", "awaiting_approval", "done", "failed"]


class JobAccepted(BaseModel):
    job_id: str = Field(description="Follow the job with GET /meetings/{job_id} (or its /events)")
    meeting_id: str = Field(description="The meeting's id (from the file's content hash)")
    status: Status


class MeetingStatus(BaseModel):
    job_id: str | None = Field(description="None for a meeting processed outside the API (CLI)")
    meeting_id: str
    status: Status
    filename: str | None = None
    created: float | None = Field(default=None, description="Unix time the job was created")
    updated: float | None = None
    resumed: bool = Field(default=False, description="The job was picked up again after a restart")
    error: ErrorBody | None = Field(default=None, description="When failed")
    proposal: dict[str, Any] | None = Field(default=None, description="The proposed booking, when awaiting approval")
    meeting: dict[str, Any] | None = Field(default=None, description="The meeting JSON (README contract), when done")


class MeetingSummary(BaseModel):
    job_id: str | None
    meeting_id: str
    status: Status
    filename: str | None = None
    title: str | None = None
    meeting_date: str | None = None
    created: float | None = None


class DecisionBody(BaseModel):
    action: Literal["approve", "reject", "edit"]
    start: str | None = Field(default=None, description="New start, ISO 8601 (edit only); the length is kept",
                              examples=["2026-12-01T15:00:00+09:00"])


class ActionItemOut(BaseModel):
    meeting_id: str
    index: int | None = None
    title: str | None = None
    owner: str | None = None
    task: str
    due: str | None = None
    status: str | None = None


class ChatRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000, description="In Korean or English")
    thread_id: str = Field(default="default", pattern=ID_PATTERN, description="Conversation id (kept between requests)")


class Health(BaseModel):
    status: Literal["ok"]
    workers: int
    jobs: dict[str, int]


# ---------------------------------------------------------------------------------------------- helpers
_CHAT: dict[str, Any] = {}


def default_chat(settings: Settings, question: str, thread_id: str) -> Iterable[Any]:
    """The chat assistant (graph/chat.py): answer text as tokens, tool steps as ``{"type": "tool"}`` events,
    and ``{"type": "replace", "text": ...}`` when the final answer is not the streamed text (a model retry).

    One context (models, memory) and one conversation checkpointer per data directory, made on first use.
    """
    from graph.builder import sqlite_checkpointer
    from graph.chat import answer_stream
    from graph.context import Context

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


def _chat_event(chunk: Any) -> tuple[str, dict]:
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


def _sse(event: str, data: dict, id_: int | None = None):
    from sse_starlette import ServerSentEvent

    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event=event, id=None if id_ is None else str(id_))


class _JobsCollector:
    """Prometheus gauge of jobs by status, read from the job store at scrape time."""

    def __init__(self):
        self.store = None

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        g = GaugeMetricFamily("minutes_api_jobs", "API jobs by status", labels=["status"])
        if self.store is not None:
            try:
                for status, n in self.store.counts().items():
                    g.add_metric([status], n)
            except Exception:  # a closed store after shutdown
                pass
        yield g


_COLLECTORS: dict[int, _JobsCollector] = {}


def _jobs_collector(registry) -> _JobsCollector:
    c = _COLLECTORS.get(id(registry))
    if c is None:
        c = _COLLECTORS[id(registry)] = _JobsCollector()
        registry.register(c)
    return c


# ---------------------------------------------------------------------------------------------- the app
def create_app(settings: Settings, context_factory: ContextFactory | None = None, *, chat_fn: ChatFn | None = None,
               clock: Clock | None = None, workers: int | None = None, ui: bool = True,
               token: str | None = None) -> FastAPI:
    """The API (and the web page at /ui unless ``ui`` is False).

    ``context_factory(settings)`` builds each job's run-time context (default: from the settings);
    ``chat_fn(settings, question, thread_id)`` yields the chat answer (default: graph.chat.answer_stream);
    ``clock`` gives an upload's default meeting date; ``token`` defaults to the env var ``api.token_env``.
    """
    from core.metrics import Metrics

    token = (token if token is not None else api_token(settings)) or None  # "": no token, whatever the env says
    jobs = JobManager(settings, context_factory, workers=workers or settings.api.workers, clock=clock)
    chat = chat_fn or default_chat
    metrics = Metrics.for_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        requeued = jobs.start()
        _jobs_collector(metrics.registry).store = jobs.store
        log.info("Minutes API ready (%d worker(s), %d job(s) re-queued)", jobs.workers, requeued)
        try:
            yield
        finally:
            jobs.stop()

    app = FastAPI(
        title="Minutes API",
        version="0.1.0",
        summary="Offline bilingual meeting assistant: transcribe, summarize, schedule the follow-up, remember.",
        description="Upload a recording or transcript (`POST /meetings`), follow it (`GET /meetings/{id}` or the "
                    "server-sent events of `/meetings/{id}/events`), approve the proposed follow-up booking, and chat "
                    "with the memory of past meetings. Errors are `{\"error\", \"hint\"}`.",
        lifespan=lifespan,
    )
    app.state.jobs = jobs
    app.state.settings = settings
    _install_error_handlers(app)
    app.add_middleware(UploadLimit, max_bytes=settings.api.max_upload_mb * _MB)
    auth = [Depends(_auth_dependency(token, settings.api.token_env))]

    def find_job(id_: str) -> Job | None:
        return jobs.get(id_) if id_.startswith("j-") else jobs.store.latest_for_meeting(id_)

    def meeting_view(id_: str) -> MeetingStatus:
        job = find_job(id_)
        if job is None:
            from graph.runner import load_meeting

            meeting = load_meeting(settings, id_)
            if meeting is None:
                raise ApiError(404, f"no meeting or job '{id_}'", "GET /meetings lists them")
            return MeetingStatus(job_id=None, meeting_id=id_, status="done", meeting=meeting)
        return MeetingStatus(job_id=job.id, meeting_id=job.meeting_id, status=job.status, filename=job.filename,
                             created=job.created, updated=job.updated, resumed=job.resumed,
                             error=ErrorBody(**job.error) if job.error else None,
                             proposal=job.proposal if job.status == "awaiting_approval" else None,
                             meeting=jobs.meeting_of(job))

    # ------------------------------------------------------------------ meetings
    @app.post("/meetings", status_code=202, response_model=JobAccepted, dependencies=auth, tags=["meetings"],
              summary="Upload a recording or transcript to process",
              responses=_errors(400, 401, 413, 415, 422))
    def upload_meeting(
        file: UploadFile = File(description="Audio/video (wav, mp3, m4a, ogg, opus, webm, flac, mp4...) or a transcript "
                                            "(.txt 'Name: text' lines, .vtt, .srt)"),
        meeting_date: str | None = Form(default=None, description="When the meeting took place, ISO 8601 (default: now)"),
        timezone: str | None = Form(default=None, description="IANA zone (default: the server's setting)"),
        language: Literal["auto", "ko", "en"] | None = Form(default=None),
        attendees: list[str] = Form(default=[], description="Repeated NAME=EMAIL, or one JSON list"),
        book: Literal["ask", "auto", "never"] | None = Form(default=None, description="ask (default): wait for approval"),
    ) -> JobAccepted:
        """Saves the upload, validates it (format, length, time zone, attendees) and queues it: 202 with a job id."""
        try:
            suffix = check_upload(file.filename, file.content_type)
        except InputError as e:
            raise ApiError(415, str(e), e.hint) from None
        job_id = new_job_id()
        dest = jobs.upload_path(job_id, file.filename, suffix)
        try:
            _save(file, dest, settings.api.max_upload_mb * _MB)
        except BaseException:
            shutil.rmtree(dest.parent, ignore_errors=True)
            raise
        try:
            job = jobs.accept(job_id, dest, file.filename or dest.name, meeting_date=meeting_date, timezone=timezone,
                              language=language, attendees=attendees, book=book)
        except EmptyUploadError as e:
            raise ApiError(400, str(e), e.hint) from None
        return JobAccepted(job_id=job.id, meeting_id=job.meeting_id, status=job.status)

    @app.get("/meetings", response_model=list[MeetingSummary], dependencies=auth, tags=["meetings"],
             summary="List meetings and jobs, newest first", responses=_errors(401))
    def list_meetings(limit: int = Query(default=100, ge=1, le=1000)) -> list[MeetingSummary]:
        return [MeetingSummary(**m) for m in jobs.summaries(limit)]

    @app.get("/meetings/{meeting_id}", response_model=MeetingStatus, dependencies=auth, tags=["meetings"],
             summary="A job's status, and the meeting JSON when done", responses=_errors(401, 404))
    def get_meeting(meeting_id: str = Path(pattern=ID_PATTERN, description="A job id (j-...) or a meeting id (m-...)")):
        """``status``: queued | running | awaiting_approval (see ``proposal``) | done (see ``meeting``) | failed (see ``error``)."""
        return meeting_view(meeting_id)

    @app.get("/meetings/{meeting_id}/events", dependencies=auth, tags=["meetings"],
             summary="Progress as server-sent events", responses={
                 200: {"content": {"text/event-stream": {}}, "description":
                       "Events: status, node (a graph node finished), progress (transcription), decision, "
                       "awaiting_approval, done, failed. Each has an id; reconnect with Last-Event-ID."},
                 **_errors(401, 404)})
    async def meeting_events(request: Request,
                             meeting_id: str = Path(pattern=ID_PATTERN),
                             last_event_id: str | None = Header(default=None, include_in_schema=False)):
        from sse_starlette import EventSourceResponse

        job = await run_in_threadpool(find_job, meeting_id)
        if job is None:
            view = await run_in_threadpool(meeting_view, meeting_id)  # 404 when unknown
            return EventSourceResponse(iter([_sse("done", {"meeting_id": view.meeting_id})]))
        start = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0

        async def stream():
            seq = start
            while True:
                events = await run_in_threadpool(jobs.store.events_after, job.id, seq)
                for e in events:
                    seq = e.seq
                    yield _sse(e.type, {**e.data, "job_id": job.id}, e.seq)
                    if e.type in FINISHED:
                        return
                if not events:
                    current = await run_in_threadpool(jobs.get, job.id)
                    if current is None or current.status in FINISHED:
                        # The status may be written just before the final event: read once more, then end.
                        for e in await run_in_threadpool(jobs.store.events_after, job.id, seq):
                            yield _sse(e.type, {**e.data, "job_id": job.id}, e.seq)
                        return
                    if await request.is_disconnected():
                        return
                    await asyncio.sleep(0.2)

        return EventSourceResponse(stream(), ping=10)

    @app.post("/meetings/{meeting_id}/approve", status_code=202, response_model=JobAccepted, dependencies=auth,
              tags=["meetings"], summary="Approve, reject or edit the proposed follow-up booking",
              responses=_errors(401, 404, 409, 422))
    def approve_meeting(decision: DecisionBody, meeting_id: str = Path(pattern=ID_PATTERN)) -> JobAccepted:
        """Resumes the job waiting for approval; follow it as after an upload (booked when done)."""
        job = find_job(meeting_id)
        if job is None:
            raise ApiError(404, f"no job for '{meeting_id}'", "GET /meetings lists them")
        job = jobs.decide(job.id, decision.model_dump())
        return JobAccepted(job_id=job.id, meeting_id=job.meeting_id, status=job.status)

    @app.get("/actions", response_model=list[ActionItemOut], dependencies=auth, tags=["meetings"],
             summary="Open action items across meetings", responses=_errors(401))
    def open_actions(owner: str | None = Query(default=None, max_length=100)) -> list[ActionItemOut]:
        return [ActionItemOut(**a) for a in open_action_items(settings, jobs.context_factory, owner)]

    # ------------------------------------------------------------------ chat
    @app.post("/chat", dependencies=auth, tags=["chat"], summary="Ask about past meetings (streamed)",
              responses={200: {"content": {"text/event-stream": {}}, "description":
                               "Events: token {text} as the answer is written, tool {name} for each tool step, "
                               "replace {text} when the final answer differs from the streamed tokens (a model "
                               "retry), error {error, hint}, then done."}, **_errors(401, 422, 503)})
    async def chat_endpoint(req: ChatRequest):
        from sse_starlette import EventSourceResponse

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
                yield _sse(*_chat_event(head))
                try:
                    for chunk in it:
                        yield _sse(*_chat_event(chunk))
                except MinutesError as e:
                    yield _sse("error", {"error": str(e), "hint": e.hint})
                    return
                except Exception as e:
                    log.exception("chat failed")
                    yield _sse("error", {"error": f"internal error ({type(e).__name__})", "hint": "see the server log"})
                    return
            yield _sse("done", {"thread_id": req.thread_id})

        return EventSourceResponse(events(), ping=10)

    # ------------------------------------------------------------------ operations
    @app.get("/metrics", dependencies=auth, tags=["operations"], summary="Prometheus metrics",
             response_class=Response, responses={200: {"content": {"text/plain": {}}}, **_errors(401)})
    def prometheus_metrics() -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", response_model=Health, tags=["operations"], summary="Liveness (no token needed)")
    def healthz() -> Health:
        return Health(status="ok", workers=jobs.workers, jobs=jobs.store.counts())

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/ui/" if ui else "/docs")

    if ui:
        from app.web import mount_ui

        mount_ui(app, jobs, settings, chat, token=token)
    return app


def _save(upload: UploadFile, dest: FsPath, max_bytes: int) -> int:
    """Copy the upload to ``dest`` in chunks, stopping with 413 past ``max_bytes``; returns the size."""
    size = 0
    with open(dest, "wb") as out:
        while chunk := upload.file.read(_MB):
            size += len(chunk)
            if size > max_bytes:
                raise ApiError(413, f"the upload is larger than {max_bytes // _MB} MB",
                               "split the recording, or raise api.max_upload_mb (MINUTES_API__MAX_UPLOAD_MB)")
            out.write(chunk)
    return size


def open_action_items(settings: Settings, context_factory: ContextFactory | None, owner: str | None = None) -> list[dict]:
    """Open action items: from the meeting memory when it is on, else from the meetings' JSON files."""
    store = None
    try:
        from graph.context import Context

        ctx = (context_factory or (lambda s: Context.from_settings(s)))(settings)
        store = ctx.store
    except Exception as e:  # memory unavailable (e.g. the embedding model is not assembled)
        log.warning("meeting memory unavailable, reading action items from files: %s", e)
    if store is not None:
        return store.open_action_items(owner=owner)
    items = []
    for path in sorted(settings.path("meetings").glob("*/minutes.json")):
        try:
            meeting = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for i, a in enumerate(meeting.get("minutes", {}).get("action_items", [])):
            if a.get("status", "open") != "open":
                continue
            if owner and owner.strip().lower() not in (a.get("owner") or "").lower():
                continue
            items.append({"meeting_id": meeting["meeting_id"], "index": i, "title": meeting["minutes"].get("title"),
                          "owner": a.get("owner"), "task": a["task"], "due": a.get("due"), "status": "open"})
    items.sort(key=lambda a: (a["due"] is None, a["due"] or ""))
    return items


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Run the API and web page with uvicorn (``minutes serve``); loopback only unless a token is set."""
    import uvicorn

    host = host or settings.api.host
    port = port or settings.api.port
    token = api_token(settings)
    check_bind(host, token, settings.api.token_env)
    app = create_app(settings, token=token)
    where = f"[{host}]" if ":" in host else host
    log.info("serving on http://%s:%d (web page at /ui/, API docs at /docs)%s", where, port,
             "; bearer token required" if token else "")
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)

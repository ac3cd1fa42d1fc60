"""The FastAPI application: ``create_app(settings)`` wires the routers, auth, limits, errors and the web page;
``serve(settings)`` runs it with uvicorn (``minutes serve``).

Processing runs in the background (:mod:`app.jobs`): an upload answers 202 at once with a job id, and
``GET /meetings/{id}`` or the server-sent events of ``GET /meetings/{id}/events`` follow it.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from prometheus_client.core import GaugeMetricFamily

from app.api.errors import install_error_handlers
from app.api.limits import MB, UploadLimit
from app.api.routes import chat, meetings, operations
from app.api.security import api_token, check_bind, require_token
from app.job_store import JobStore
from app.jobs import Clock, JobManager
from app.services import ChatFn, ContextFactory, default_chat
from core.metrics import Metrics
from core.settings import Settings

log = logging.getLogger(__name__)


class JobsCollector:
    """Prometheus gauge of jobs by status, read from the job store at scrape time."""

    def __init__(self) -> None:
        self.store: JobStore | None = None

    def collect(self):
        g = GaugeMetricFamily("minutes_api_jobs", "API jobs by status", labels=["status"])
        if self.store is not None:
            try:
                for status, n in self.store.counts().items():
                    g.add_metric([status], n)
            except Exception:  # a closed store after shutdown
                pass
        yield g


_COLLECTORS: dict[int, JobsCollector] = {}


def jobs_collector(registry) -> JobsCollector:
    """The one jobs collector registered on ``registry`` (a registry refuses a second one)."""
    c = _COLLECTORS.get(id(registry))
    if c is None:
        c = _COLLECTORS[id(registry)] = JobsCollector()
        registry.register(c)
    return c


def create_app(settings: Settings, context_factory: ContextFactory | None = None, *, chat_fn: ChatFn | None = None,
               clock: Clock | None = None, workers: int | None = None, ui: bool = True,
               token: str | None = None) -> FastAPI:
    """The API (and the web page at /ui unless ``ui`` is False).

    ``context_factory(settings)`` builds each job's run-time context (default: from the settings);
    ``chat_fn(settings, question, thread_id)`` yields the chat answer (default: graph.chat.answer_stream);
    ``clock`` gives an upload's default meeting date; ``token`` defaults to the env var ``api.token_env``.
    """
    token = (token if token is not None else api_token(settings)) or None  # "": no token, whatever the env says
    jobs = JobManager(settings, context_factory, workers=workers or settings.api.workers, clock=clock)
    metrics = Metrics.for_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        requeued = jobs.start()
        jobs_collector(metrics.registry).store = jobs.store
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
    app.state.jobs, app.state.settings, app.state.metrics = jobs, settings, metrics
    app.state.chat, app.state.token = chat_fn or default_chat, token
    install_error_handlers(app)
    app.add_middleware(UploadLimit, max_bytes=settings.api.max_upload_mb * MB)
    protected = [Depends(require_token)]
    app.include_router(meetings.router, dependencies=protected)
    app.include_router(chat.router, dependencies=protected)
    app.include_router(operations.router)

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/ui/" if ui else "/docs")

    if ui:
        from app.web import mount_ui  # Gradio (~2 s to import) only when the page is served

        mount_ui(app, jobs, settings, app.state.chat, token=token)
    return app


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

"""``/metrics`` (Prometheus) and ``/healthz`` (liveness, no token)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import JobsDep, MetricsDep
from app.api.errors import error_responses
from app.api.models import Health
from app.api.security import require_token

router = APIRouter(tags=["operations"])


@router.get("/metrics", dependencies=[Depends(require_token)], summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}, **error_responses(401)})
def prometheus_metrics(metrics: MetricsDep) -> Response:
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz", response_model=Health, summary="Liveness (no token needed)")
def healthz(jobs: JobsDep) -> Health:
    return Health(status="ok", workers=jobs.workers, jobs=jobs.store.counts())

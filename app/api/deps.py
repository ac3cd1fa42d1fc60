"""Typed dependencies of the routes: what ``create_app`` put on ``app.state``, as ``Annotated`` types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.jobs import JobManager
from app.services import ChatFn
from core.metrics import Metrics
from core.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_jobs(request: Request) -> JobManager:
    return request.app.state.jobs


def get_chat(request: Request) -> ChatFn:
    return request.app.state.chat


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


SettingsDep = Annotated[Settings, Depends(get_settings)]
JobsDep = Annotated[JobManager, Depends(get_jobs)]
ChatDep = Annotated[ChatFn, Depends(get_chat)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]

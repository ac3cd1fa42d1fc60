"""The API's request and response bodies (its OpenAPI schema at ``/docs``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.errors import ErrorBody
from app.job_store import JobStatus

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
Status = JobStatus


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
    proposal: dict[str, Any] | None = Field(default=None, description="The proposed booking, when awaiting approval "
                                            "(``refused`` says why an edited start was not booked)")
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
    """A person's decision on the proposed booking (validated like the CLI's: ``core.meeting.BookingDecision``)."""

    action: Literal["approve", "reject", "edit", "defer"]
    start: str | None = Field(default=None, description="New start, ISO 8601 (edit only; without an offset it is "
                              "read in the meeting's zone); the length is kept and every attendee must be free",
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

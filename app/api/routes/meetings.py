"""``/meetings``: upload, list, status, progress events, approval; ``/actions``: open action items."""

from __future__ import annotations

import asyncio
import shutil
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, UploadFile
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import JobsDep, SettingsDep
from app.api.errors import ApiError, ErrorBody, error_responses
from app.api.limits import MB, save_upload
from app.api.models import ID_PATTERN, ActionItemOut, DecisionBody, JobAccepted, MeetingStatus, MeetingSummary
from app.api.sse import sse
from app.job_store import FINISHED, Job
from app.jobs import JobManager
from app.services import open_action_items
from app.uploads import EmptyUploadError, check_upload, new_job_id
from core.errors import InputError
from core.meeting_files import load_meeting
from core.settings import Settings

router = APIRouter(tags=["meetings"])

MeetingId = Annotated[str, Path(pattern=ID_PATTERN, description="A job id (j-...) or a meeting id (m-...)")]


def find_job(jobs: JobManager, id_: str) -> Job | None:
    """The job ``id_`` (``j-...``), or the latest job of meeting ``id_`` (``m-...``)."""
    return jobs.get(id_) if id_.startswith("j-") else jobs.store.latest_for_meeting(id_)


def meeting_view(jobs: JobManager, settings: Settings, id_: str) -> MeetingStatus:
    """A job's status, or a meeting processed outside the API (CLI) as done; 404 when neither exists."""
    job = find_job(jobs, id_)
    if job is None:
        meeting = load_meeting(settings, id_)
        if meeting is None:
            raise ApiError(404, f"no meeting or job '{id_}'", "GET /meetings lists them")
        return MeetingStatus(job_id=None, meeting_id=id_, status="done", meeting=meeting)
    return MeetingStatus(job_id=job.id, meeting_id=job.meeting_id, status=job.status, filename=job.filename,
                         created=job.created, updated=job.updated, resumed=job.resumed,
                         error=ErrorBody(**job.error) if job.error else None,
                         proposal=job.proposal if job.status == "awaiting_approval" else None,
                         meeting=jobs.meeting_of(job))


@router.post("/meetings", status_code=202, response_model=JobAccepted, summary="Upload a recording or transcript to process",
             responses=error_responses(400, 401, 413, 415, 422))
def upload_meeting(
    jobs: JobsDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Audio/video (wav, mp3, m4a, ogg, opus, webm, flac, mp4...) or a "
                                                 "transcript (.txt 'Name: text' lines, .vtt, .srt)")],
    meeting_date: Annotated[str | None, Form(description="When the meeting took place, ISO 8601 (default: now)")] = None,
    timezone: Annotated[str | None, Form(description="IANA zone (default: the server's setting)")] = None,
    language: Annotated[Literal["auto", "ko", "en"] | None, Form()] = None,
    attendees: Annotated[list[str], Form(description="Repeated NAME=EMAIL, or one JSON list")] = [],
    book: Annotated[Literal["ask", "auto", "never"] | None, Form(description="ask (default): wait for approval")] = None,
) -> JobAccepted:
    """Saves the upload, validates it (format, length, time zone, attendees) and queues it: 202 with a job id."""
    try:
        suffix = check_upload(file.filename, file.content_type)
    except InputError as e:
        raise ApiError(415, str(e), e.hint) from None
    job_id = new_job_id()
    dest = jobs.upload_path(job_id, file.filename, suffix)
    try:
        save_upload(file, dest, settings.api.max_upload_mb * MB)
    except BaseException:
        shutil.rmtree(dest.parent, ignore_errors=True)
        raise
    try:
        job = jobs.accept(job_id, dest, file.filename or dest.name, meeting_date=meeting_date, timezone=timezone,
                          language=language, attendees=attendees, book=book)
    except EmptyUploadError as e:
        raise ApiError(400, str(e), e.hint) from None
    return JobAccepted(job_id=job.id, meeting_id=job.meeting_id, status=job.status)


@router.get("/meetings", response_model=list[MeetingSummary], summary="List meetings and jobs, newest first",
            responses=error_responses(401))
def list_meetings(jobs: JobsDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[MeetingSummary]:
    return [MeetingSummary(**m) for m in jobs.summaries(limit)]


@router.get("/meetings/{meeting_id}", response_model=MeetingStatus, summary="A job's status, and the meeting JSON when done",
            responses=error_responses(401, 404))
def get_meeting(jobs: JobsDep, settings: SettingsDep, meeting_id: MeetingId) -> MeetingStatus:
    """``status``: queued | running | awaiting_approval (see ``proposal``) | done (see ``meeting``) | failed (see ``error``)."""
    return meeting_view(jobs, settings, meeting_id)


@router.get("/meetings/{meeting_id}/events", summary="Progress as server-sent events", responses={
    200: {"content": {"text/event-stream": {}}, "description":
          "Events: status, node (a graph node finished), progress (transcription), decision, "
          "awaiting_approval, done, failed. Each has an id; reconnect with Last-Event-ID."},
    **error_responses(401, 404)})
async def meeting_events(request: Request, jobs: JobsDep, settings: SettingsDep,
                         meeting_id: Annotated[str, Path(pattern=ID_PATTERN)],
                         last_event_id: Annotated[str | None, Header(include_in_schema=False)] = None):
    job = await run_in_threadpool(find_job, jobs, meeting_id)
    if job is None:
        view = await run_in_threadpool(meeting_view, jobs, settings, meeting_id)  # 404 when unknown
        return EventSourceResponse(iter([sse("done", {"meeting_id": view.meeting_id})]))
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0

    async def stream():
        seq = start
        while True:
            events = await run_in_threadpool(jobs.store.events_after, job.id, seq)
            for e in events:
                seq = e.seq
                yield sse(e.type, {**e.data, "job_id": job.id}, e.seq)
                if e.type in FINISHED:
                    return
            if not events:
                current = await run_in_threadpool(jobs.get, job.id)
                if current is None or current.status in FINISHED:
                    # The status is written just before the final event: wait for that event (briefly), then end.
                    for _ in range(20):
                        for e in await run_in_threadpool(jobs.store.events_after, job.id, seq):
                            seq = e.seq
                            yield sse(e.type, {**e.data, "job_id": job.id}, e.seq)
                            if e.type in FINISHED:
                                return
                        await asyncio.sleep(0.05)
                    return
                if await request.is_disconnected():
                    return
                await asyncio.sleep(0.2)

    return EventSourceResponse(stream(), ping=10)


@router.post("/meetings/{meeting_id}/approve", status_code=202, response_model=JobAccepted,
             summary="Approve, reject or edit the proposed follow-up booking", responses=error_responses(401, 404, 409, 422))
def approve_meeting(jobs: JobsDep, decision: DecisionBody, meeting_id: Annotated[str, Path(pattern=ID_PATTERN)]) -> JobAccepted:
    """Resumes the job waiting for approval; follow it as after an upload (booked when done). An edited start
    someone is busy at comes back as ``awaiting_approval`` with ``proposal.refused`` and free alternatives."""
    job = find_job(jobs, meeting_id)
    if job is None:
        raise ApiError(404, f"no job for '{meeting_id}'", "GET /meetings lists them")
    job = jobs.decide(job.id, decision.model_dump())
    return JobAccepted(job_id=job.id, meeting_id=job.meeting_id, status=job.status)


@router.get("/actions", response_model=list[ActionItemOut], summary="Open action items across meetings",
            responses=error_responses(401))
def open_actions(jobs: JobsDep, settings: SettingsDep,
                 owner: Annotated[str | None, Query(max_length=100)] = None) -> list[ActionItemOut]:
    return [ActionItemOut(**a) for a in open_action_items(settings, jobs.context_factory, owner)]

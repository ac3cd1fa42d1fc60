"""The records a meeting is made of, and the meeting JSON contract (``minutes.json``).

Records are TypedDicts: plain JSON-able dicts at run time (so LangGraph checkpoints and the JSON
output need no custom serialisation), typed for readers and checkers, validated at the edges with
pydantic's ``TypeAdapter``. Times are ISO 8601 strings with an offset; segment times are seconds.
"""

from __future__ import annotations

from typing import Literal

from typing_extensions import NotRequired, TypedDict

from pydantic import TypeAdapter

Label = Literal["content", "decision", "action", "scheduling", "small_talk"]
LABELS: tuple[Label, ...] = ("content", "decision", "action", "scheduling", "small_talk")


class Participant(TypedDict):
    name: str
    email: str | None


class Segment(TypedDict):
    id: str  # "s0001", stable within a meeting
    start: float  # seconds from the start of the recording
    end: float
    speaker: str
    text: str
    label: Label | None


class Decision(TypedDict):
    text: str
    segment_ids: list[str]


class ActionItem(TypedDict):
    owner: str | None  # a participant's name, or None when the meeting did not say
    task: str
    due: str | None  # ISO date in the meeting's zone, or None when the meeting did not say
    due_phrase: str | None  # the words the date was resolved from, quoted
    status: Literal["open", "done"]
    segment_ids: list[str]
    note: NotRequired[str]  # e.g. "due today (the meeting day)" when the deadline is the meeting day itself


class MinutesRecord(TypedDict):
    title: str
    language: str
    summary: str
    key_points: list[str]
    decisions: list[Decision]
    action_items: list[ActionItem]
    open_questions: list[str]
    previous_actions: list[dict]  # follow-ups of earlier meetings' open items: {task, owner, status, meeting_id}


FollowUpStatus = Literal["booked", "proposed", "declined", "none", "failed"]


class FollowUp(TypedDict):
    status: FollowUpStatus
    title: str | None
    start: str | None
    end: str | None
    attendees: list[str]
    calendar: str | None
    event_id: str | None
    reason: str | None
    request_text: str | None  # the segment text the request came from
    alternatives: list[list[str]]  # [start, end] pairs: other free slots, or the nearest ones when none fit
    recurrence: NotRequired[str | None]  # an RRULE value ("FREQ=WEEKLY") when the request repeats


class StageStats(TypedDict, total=False):
    model: str
    seconds: float
    calls: int
    cache_hits: int
    tokens_in: int
    tokens_out: int


class Meeting(TypedDict):
    meeting_id: str
    source: str
    language: str
    language_probability: float | None
    duration_s: float
    meeting_date: str  # ISO datetime with offset: when the meeting took place
    timezone: str
    participants: list[Participant]
    segments: list[Segment]
    minutes: MinutesRecord
    follow_up: FollowUp
    stages: dict[str, StageStats]
    warnings: list[str]


MeetingAdapter = TypeAdapter(Meeting)
SegmentsAdapter = TypeAdapter(list[Segment])


def no_follow_up(reason: str) -> FollowUp:
    return FollowUp(status="none", title=None, start=None, end=None, attendees=[], calendar=None,
                    event_id=None, reason=reason, request_text=None, alternatives=[])

"""The records a meeting is made of, and the meeting JSON contract (``minutes.json``).

Records are TypedDicts: plain JSON-able dicts at run time (so LangGraph checkpoints and the JSON
output need no custom serialisation), typed for readers and checkers, validated at the edges with
pydantic's ``TypeAdapter``. Times are ISO 8601 strings with an offset; segment times are seconds.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, TypeAdapter
from typing_extensions import TypedDict

from core.dates import parse_datetime
from core.errors import InputError

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


class Proposal(TypedDict):
    """A follow-up slot the scheduler proposes, before approval (graph state, interrupt payload, API, web)."""

    title: str
    start: str  # ISO 8601 with offset, in the meeting's zone
    end: str
    attendees: list[str]  # emails, each checked against the meeting's participants or the directory
    timezone: str  # the meeting's IANA zone
    event_id: str  # deterministic: the same request is never booked twice
    calendar: str | None
    request_text: str | None  # the segment text the request came from
    time_phrase: NotRequired[str | None]
    recurrence: NotRequired[str | None]  # an RRULE value when the request repeats
    alternatives: list[list[str]]  # [start, end] pairs: other free slots
    refused: NotRequired[str | None]  # why the last edited start was not booked (busy, past), when it was not
    held: NotRequired[str | None]  # why a person must approve even under --book auto (availability unknown, …)


DecisionAction = Literal["approve", "edit", "reject", "defer", "never"]
PERSON_ACTIONS: tuple[str, ...] = ("approve", "edit", "reject", "defer")  # what a person may answer


class BookingDecision(BaseModel):
    """A person's answer to a :class:`Proposal` (the value a paused graph is resumed with).

    ``approve`` books it; ``edit`` books the same length at ``start`` once every attendee is free then;
    ``reject`` books nothing; ``defer`` leaves it waiting; ``never`` is what ``--book never`` records.
    (The minutes' own decisions are :class:`Decision`.)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: DecisionAction
    start: str | None = None  # edit only: ISO 8601 with the meeting's offset (normalised by ``parse``)

    @classmethod
    def parse(cls, raw: Any, timezone: str) -> BookingDecision:
        """Validate a decision from a person (CLI, API, web, a LangGraph client) once, at the edge.

        An edited start without an offset is read in the meeting's zone ``timezone`` (what a person at the
        meeting means); one with an offset is converted to that zone. InputError says what is wrong.
        """
        if isinstance(raw, BookingDecision):
            raw = raw.model_dump()
        if not isinstance(raw, dict):
            raise InputError(f"a decision is an object with an action, not {type(raw).__name__}",
                             hint='e.g. {"action": "approve"}')
        action = raw.get("action")
        if action not in PERSON_ACTIONS:
            raise InputError(f"action '{action}' is not one of {', '.join(PERSON_ACTIONS)}",
                             hint='e.g. {"action": "edit", "start": "2026-12-01T15:00+09:00"}')
        if action != "edit":
            return cls(action=action)
        start = raw.get("start")
        if not start or not isinstance(start, str):
            raise InputError("an edit needs a new start", hint='e.g. {"action": "edit", "start": "2026-12-01T15:00+09:00"}')
        return cls(action="edit", start=parse_datetime(start, timezone, "start").isoformat())


def follow_up_of(status: FollowUpStatus, reason: str, proposal: Proposal | dict | None = None,
                 **extra: str | None) -> FollowUp:
    """The follow-up record of a proposal (or of the request text alone) with its outcome; ``extra`` may
    set ``calendar`` and ``event_id`` (what the backend answered)."""
    p: dict = dict(proposal or {})
    return FollowUp(status=status, title=p.get("title"), start=p.get("start"), end=p.get("end"),
                    attendees=p.get("attendees", []), calendar=extra.get("calendar", p.get("calendar")),
                    event_id=extra.get("event_id", p.get("event_id")),
                    reason=reason, request_text=p.get("request_text"), alternatives=p.get("alternatives", []),
                    recurrence=p.get("recurrence"))


def empty_minutes() -> MinutesRecord:
    """Minutes with nothing in them (a meeting whose summarizer did not run or found nothing)."""
    return MinutesRecord(title="", language="", summary="", key_points=[], decisions=[], action_items=[],
                         open_questions=[], previous_actions=[])


MeetingAdapter = TypeAdapter(Meeting)
SegmentsAdapter = TypeAdapter(list[Segment])


def no_follow_up(reason: str) -> FollowUp:
    return FollowUp(status="none", title=None, start=None, end=None, attendees=[], calendar=None,
                    event_id=None, reason=reason, request_text=None, alternatives=[])

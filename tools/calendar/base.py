"""The one calendar interface every backend (local .ics, Google Calendar, CalDAV) speaks.

The scheduling agent calls these methods as tools, so they take and return plain typed values:
time-zone-aware ``datetime``s, :class:`Busy` intervals and :class:`Event` records. Backends raise
``core.errors.CalendarError`` (one line) when the calendar refuses or fails, and ``InputError`` for
unusable arguments (naive datetimes, an empty window, a malformed event id).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from core.errors import CalendarError, InputError

# Google accepts client-supplied event ids made of base32hex characters (a-v, 0-9), 5 to 1024 long.
EVENT_ID_PATTERN = re.compile(r"^[a-v0-9]{5,1024}$")


@dataclass(frozen=True)
class Busy:
    """A time someone is not available: ``[start, end)``, both time-zone aware."""

    start: datetime
    end: datetime


@dataclass
class Event:
    """A calendar event. ``id`` is the backend's id; for events Minutes books it is :func:`event_id_for`.

    ``calendar`` names where the event lives (the backend's name, or an attendee's email for an event read
    from that attendee's own calendar). ``url`` is where to join or view it, when the backend has one.
    """

    id: str
    title: str
    start: datetime
    end: datetime
    attendees: list[str] = field(default_factory=list)
    description: str = ""
    all_day: bool = False
    calendar: str = ""
    url: str | None = None
    recurrence: str | None = None  # an iCalendar RRULE value ("FREQ=WEEKLY"): the event repeats from its start


class UnknownCalendarsError(CalendarError):
    """Free/busy was asked for people whose calendars the backend cannot read.

    Their availability is *unknown*, never "free". ``unknown`` lists them; ``known`` holds the busy times
    of everyone else, so a caller may decide to go on without them (and say so).
    """

    def __init__(self, unknown: Iterable[str], known: dict[str, list[Busy]] | None = None, backend: str = ""):
        self.unknown = sorted(set(unknown))
        self.known = dict(known or {})
        where = f" on {backend}" if backend else ""
        super().__init__(
            f"calendar unknown{where} for: {', '.join(self.unknown)}",
            hint="import their calendar (local), share it with the Minutes account (Google/CalDAV), "
            "or leave them out of the search",
        )


@runtime_checkable
class Calendar(Protocol):
    """What a calendar backend offers. All datetimes in and out are time-zone aware."""

    name: str

    def free_busy(self, attendees: list[str], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        """Busy intervals per attendee (by email) overlapping ``[start, end)``, sorted and merged.

        An attendee whose calendar cannot be read is never reported free: the call raises
        :class:`UnknownCalendarsError` naming them.
        """
        ...

    def list_events(self, start: datetime, end: datetime, attendee: str | None = None) -> list[Event]:
        """Events overlapping ``[start, end)`` (recurrences expanded), earliest first; only those
        ``attendee`` attends when given."""
        ...

    def get_event(self, event_id: str) -> Event | None:
        """The event with this id, or None when there is none (or it was cancelled)."""
        ...

    def create_event(self, event: Event) -> Event:
        """Book ``event`` under ``event.id``. Idempotent: when an event with that id already exists, the
        existing one is returned and nothing new is created."""
        ...

    def cancel_event(self, event_id: str) -> bool:
        """Cancel (delete) the event; True if it existed and is now gone, False if there was none."""
        ...


def event_id_for(meeting_id: str, request_key: str) -> str:
    """The deterministic event id for one follow-up request of one meeting.

    Same inputs, same id, so re-running a meeting never books twice. The id is 32 base32hex characters
    (``a-v``, ``0-9``), which Google accepts as a client-supplied event id and CalDAV/iCalendar as a UID.
    """
    if not meeting_id or not request_key:
        raise InputError("event id needs a meeting id and a request key", hint="pass both, non-empty")
    digest = hashlib.sha256(f"minutes\x1f{meeting_id}\x1f{request_key}".encode()).digest()
    return base64.b32hexencode(digest[:20]).decode("ascii").lower()


# ---- helpers shared by the backends -------------------------------------------------------------------


def require_aware(value: datetime, what: str) -> datetime:
    """``value`` if it carries a time zone, else InputError."""
    if not isinstance(value, datetime):
        raise InputError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(f"{what} has no time zone: {value.isoformat()}", hint="pass a time-zone-aware datetime")
    return value


def require_window(start: datetime, end: datetime) -> None:
    """Check a ``[start, end)`` query window."""
    require_aware(start, "window start")
    require_aware(end, "window end")
    if end <= start:
        raise InputError(f"empty time window: {start.isoformat()} .. {end.isoformat()}",
                         hint="the end must come after the start")


def require_event_id(event_id: str) -> str:
    """``event_id`` if it is valid on every backend (base32hex, 5-1024 chars), else InputError."""
    if not isinstance(event_id, str) or not EVENT_ID_PATTERN.match(event_id):
        raise InputError(f"invalid event id: {event_id!r}",
                         hint="use tools.calendar.event_id_for(meeting_id, request_key)")
    return event_id


def validate_event(event: Event) -> None:
    """Check an event before booking it."""
    require_event_id(event.id)
    require_aware(event.start, "event start")
    require_aware(event.end, "event end")
    if event.end <= event.start:
        raise InputError(f"event {event.id} ends before it starts", hint="check the start and end times")
    if not event.title.strip():
        raise InputError(f"event {event.id} has no title")
    if event.recurrence is not None:
        from zoneinfo import ZoneInfo

        import icalendar

        if not isinstance(event.start.tzinfo, ZoneInfo):
            raise InputError(f"recurring event {event.id} needs a start in a named time zone",
                             hint="repetitions follow the zone's clock (daylight saving), so give e.g. Asia/Seoul")
        try:
            rule = icalendar.vRecur.from_ical(event.recurrence)
        except ValueError:
            rule = {}
        if "FREQ" not in rule:
            raise InputError(f"event {event.id}: {event.recurrence!r} is not an RRULE", hint="e.g. FREQ=WEEKLY")


def merge_busy(intervals: Iterable[Busy]) -> list[Busy]:
    """Sort and merge overlapping or touching intervals."""
    merged: list[Busy] = []
    for b in sorted(intervals, key=lambda b: (b.start, b.end)):
        if merged and b.start <= merged[-1].end:
            if b.end > merged[-1].end:
                merged[-1] = Busy(merged[-1].start, b.end)
        else:
            merged.append(b)
    return merged


def normalize_email(email: str) -> str:
    """Lower-case, trimmed, without a ``mailto:`` prefix; InputError when it is not an address."""
    value = str(email).strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    value = value.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
        raise InputError(f"not an email address: {email!r}", hint="attendees are given by email")
    return value

"""Choosing the follow-up slot: whose free/busy is checked, and which free slot comes first.

The **organiser** is whoever runs Minutes: the owner of the configured booking calendar (the local
backend's own ``minutes.ics``, the Google calendar ``calendar.google_calendar_id``, the CalDAV booking
calendar), where every follow-up is booked. When every attendee's calendar is known, their free/busy
decides (the backends count booked events the attendee attends). When some are unknown, the known ones
are still checked, and so is the organiser's calendar; the unknown attendees' availability is reported
as unknown, never assumed free, so such a slot is only ever *proposed* (bookable on approval).

When a clock time was asked for and is not free, the free slots of that day closest to it come first
(a later one on a tie), not the day's earliest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tools.calendar import Busy, Calendar, UnknownCalendarsError, merge_busy

ORGANISER = "organiser"  # the key of the organiser's busy times in ``Availability.busy``


@dataclass
class Availability:
    """Busy times per attendee (plus the organiser's, when checked) and who could not be checked."""

    busy: dict[str, list[Busy]]
    unknown: list[str] = field(default_factory=list)  # attendees whose calendars cannot be read

    @property
    def complete(self) -> bool:
        return not self.unknown


def organiser_busy(calendar: Calendar, start: datetime, end: datetime) -> list[Busy]:
    """The organiser's busy times: every event of the booking calendar overlapping ``[start, end)``."""
    return merge_busy(Busy(max(e.start, start), min(e.end, end)) for e in calendar.list_events(start, end)
                      if e.end > start and e.start < end)


def read_availability(calendar: Calendar, emails: list[str], start: datetime, end: datetime) -> Availability:
    """Free/busy of ``emails`` in ``[start, end)``; when some calendars are unknown, the known ones and the
    organiser's calendar instead of failing."""
    try:
        return Availability(calendar.free_busy(emails, start, end))
    except UnknownCalendarsError as e:
        busy = dict(e.known)
        busy[ORGANISER] = organiser_busy(calendar, start, end)
        return Availability(busy, list(e.unknown))


def nearest_first(slots: list[tuple[datetime, datetime]], preferred: datetime | None,
                  limit: int = 3) -> list[tuple[datetime, datetime]]:
    """``slots`` ordered by distance from ``preferred`` (a later one first on a tie), at most ``limit``;
    without a preferred start, the earliest ``limit``."""
    if preferred is None:
        return slots[:limit]
    def distance(slot: tuple[datetime, datetime]) -> tuple[timedelta, int]:
        return abs(slot[0] - preferred), 0 if slot[0] >= preferred else 1

    return sorted(slots, key=distance)[:limit]

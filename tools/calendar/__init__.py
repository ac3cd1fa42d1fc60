"""Calendars behind one interface: the local .ics files, Google Calendar, or a CalDAV server.

``open_calendar(settings)`` returns the backend ``settings.calendar.backend`` names; every backend
implements :class:`Calendar` (free/busy, list, get, idempotent create, cancel).
"""

from __future__ import annotations

from typing import Any

from tools.calendar.base import (
    Busy,
    Calendar,
    Event,
    UnknownCalendarsError,
    event_id_for,
    merge_busy,
)


def open_calendar(settings: Any) -> Calendar:
    """The configured calendar backend (``local``, ``google`` or ``caldav``), ready to use.

    Google needs a stored token (``minutes calendar authorize``); CalDAV connects to the server here.
    """
    backend = settings.calendar.backend
    if backend == "local":
        from tools.calendar.local_ics import LocalICSCalendar

        return LocalICSCalendar.from_settings(settings)
    if backend == "google":
        from tools.calendar.google import GoogleCalendar

        return GoogleCalendar.from_settings(settings)
    if backend == "caldav":
        from tools.calendar.caldav_backend import CalDAVCalendar

        return CalDAVCalendar.from_settings(settings)
    from core.errors import InputError

    raise InputError(f"unknown calendar backend: {backend!r}", hint="use local, google or caldav")


__all__ = ["Busy", "Calendar", "Event", "UnknownCalendarsError", "event_id_for", "merge_busy", "open_calendar"]

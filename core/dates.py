"""Time zones, ISO dates and durations as people give them: one home for checking and formatting them.

Every entry point (CLI, API, web page, graph input, an edited booking) reads a zone with
:func:`check_timezone` and a date or datetime with :func:`parse_datetime`, so a bad value fails the same
way (one line, a hint) everywhere and a value without an offset is read in the meeting's zone.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InputError


def check_timezone(tz: str) -> str:
    """``tz`` if it is an IANA zone name this machine knows; InputError otherwise."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):  # OSError: a folder such as "America"
        raise InputError(f"unknown time zone '{tz}'", hint="use an IANA name such as Asia/Seoul or Europe/London") from None
    return tz


def zone_info(tz: str) -> ZoneInfo:
    """The ZoneInfo of IANA zone ``tz``; InputError (as :func:`check_timezone`) when it is unknown."""
    return ZoneInfo(check_timezone(tz))


def parse_datetime(value: str | datetime, tz: str, what: str = "meeting date") -> datetime:
    """An ISO date or datetime in zone ``tz``: a value without an offset is read in ``tz``, one with an
    offset is converted to it. InputError (naming ``what``) when it is not ISO 8601."""
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InputError(f"{what} '{value}' is not ISO 8601", hint="e.g. 2026-11-26 or 2026-11-26T14:00+09:00") from None
    zone = zone_info(tz)
    return dt.replace(tzinfo=zone) if dt.tzinfo is None else dt.astimezone(zone)


def parse_date(value: str | None, what: str) -> date | None:
    """An ISO calendar date (``2026-11-26``), None for None; InputError naming ``what`` otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{what} '{value}' is not an ISO date", hint="e.g. 2026-11-26") from None


def hms(seconds: float) -> str:
    """``h:mm:ss`` for a position or a length in a recording."""
    m, s = divmod(int(seconds), 60)
    return f"{m // 60:d}:{m % 60:02d}:{s:02d}"

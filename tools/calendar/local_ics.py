"""A calendar kept as iCalendar files in the data directory (``settings.path("calendar")``).

Layout::

    calendar/minutes.ics          the events Minutes booked (ATTENDEE lines name who attends)
    calendar/people/<email>.ics   one per attendee: their busy times, imported with ``import_ics``
    calendar/.minutes.lock        the file lock around every read-check-write of minutes.ics

An attendee's busy time is their imported calendar (recurrences expanded with recurring-ical-events,
all-day events blocking the whole day in the attendee's zone, transparent and cancelled events skipped)
plus the Minutes-booked events they attend. An attendee with no imported calendar is *unknown*, never free.

Booking is safe across processes: ``create_event`` takes an exclusive ``fcntl`` lock, re-reads the file,
returns the existing event when the id is already there, and otherwise writes a new file and atomically
replaces the old one.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events

from core.dates import check_timezone, zone_info
from core.errors import CalendarError, InputError
from tools.calendar.base import (
    Busy,
    Event,
    UnknownCalendarsError,
    merge_busy,
    normalize_email,
    require_window,
    validate_event,
)

PRODID = "-//Minutes//Minutes meeting assistant//EN"
OWN_FILE = "minutes.ics"
PEOPLE_DIR = "people"
LOCK_FILE = ".minutes.lock"
# Floating and all-day times are placed in a zone only after the expansion; a margin on each side of
# the query keeps events near the window edges whatever the zone.
_EXPAND_MARGIN = timedelta(days=1)


def utc_now() -> datetime:
    """The real clock, used only for DTSTAMP (a record of when the entry was written)."""
    return datetime.now(UTC)


def _file_name(email: str) -> str:
    """A safe file name for an attendee's calendar (the normalised email, odd characters replaced)."""
    return re.sub(r"[^a-z0-9@._+-]", "_", email) + ".ics"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def vevent_times(component: icalendar.Event, zone: ZoneInfo) -> tuple[datetime, datetime, bool] | None:
    """(start, end, all_day) of one VEVENT occurrence, time-zone aware; None when it has no usable times.

    All-day dates become midnight-to-midnight in ``zone``; floating times are read in ``zone``.
    """
    try:
        start, end = component.start, component.end
    except Exception:  # icalendar raises IncompleteComponent / InvalidCalendar on a broken event
        return None
    all_day = not isinstance(start, datetime)
    if all_day:
        start = datetime.combine(start, time(0), zone)
        end = datetime.combine(end if not isinstance(end, datetime) else end.date(), time(0), zone)
    else:
        if start.tzinfo is None:
            start = start.replace(tzinfo=zone)
        if not isinstance(end, datetime):
            end = datetime.combine(end, time(0), zone)
        elif end.tzinfo is None:
            end = end.replace(tzinfo=zone)
    return start, end, all_day


def blocks_time(component: icalendar.Event) -> bool:
    """False for events that do not make anyone busy (TRANSP:TRANSPARENT, STATUS:CANCELLED)."""
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return False
    return str(component.get("STATUS", "CONFIRMED")).upper() != "CANCELLED"


def vevent_attendees(component: icalendar.Event) -> list[str]:
    emails = []
    for value in _as_list(component.get("ATTENDEE")):
        text = str(value)
        if text.lower().startswith("mailto:"):
            text = text[7:]
        if text.strip():
            emails.append(text.strip().lower())
    return emails


def vevent_to_event(component: icalendar.Event, calendar_name: str, zone: ZoneInfo,
                    out_zone: ZoneInfo) -> Event | None:
    """An :class:`Event` from one VEVENT (all-day and floating times read in ``zone``, timed events
    returned in ``out_zone``); None when it has no usable times."""
    times = vevent_times(component, zone)
    if times is None:
        return None
    start, end, all_day = times
    return Event(
        id=str(component.get("UID", "")),
        title=str(component.get("SUMMARY", "")),
        start=start if all_day else start.astimezone(out_zone),
        end=end if all_day else end.astimezone(out_zone),
        attendees=vevent_attendees(component),
        description=str(component.get("DESCRIPTION", "")),
        all_day=all_day,
        calendar=calendar_name,
        url=str(component["URL"]) if "URL" in component else None,
        recurrence=component["RRULE"].to_ical().decode() if "RRULE" in component else None,
    )


def event_to_vevent(event: Event, dtstamp: datetime) -> icalendar.Event:
    """A VEVENT for ``event`` (UID = event id; timed events in UTC, all-day events as dates)."""
    component = icalendar.Event()
    component.add("UID", event.id)
    component.add("DTSTAMP", dtstamp.astimezone(UTC))
    component.add("SUMMARY", event.title)
    if event.all_day:
        first = event.start.date()
        last = event.end.date() if event.end.time() == time(0) else event.end.date() + timedelta(days=1)
        component.add("DTSTART", first)
        component.add("DTEND", max(last, first + timedelta(days=1)))
    elif event.recurrence:  # repetitions follow the local clock: times in their named zone (TZID + VTIMEZONE)
        component.add("DTSTART", event.start)
        component.add("DTEND", event.end.astimezone(event.start.tzinfo))
    else:
        component.add("DTSTART", event.start.astimezone(UTC))
        component.add("DTEND", event.end.astimezone(UTC))
    if event.description:
        component.add("DESCRIPTION", event.description)
    for email in event.attendees:
        address = icalendar.vCalAddress(f"mailto:{normalize_email(email)}")
        address.params["ROLE"] = "REQ-PARTICIPANT"
        component.add("ATTENDEE", address)
    if event.url:
        component.add("URL", event.url)
    if event.recurrence:
        component.add("RRULE", icalendar.vRecur.from_ical(event.recurrence))
    component.add("TRANSP", "OPAQUE")
    component.add("STATUS", "CONFIRMED")
    return component


def new_vcalendar() -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    return calendar


class LocalICSCalendar:
    """The local iCalendar-file backend (see the module docstring for the layout and guarantees)."""

    name = "local"

    def __init__(self, directory: Path | str, timezone_name: str = "UTC",
                 clock: Callable[[], datetime] = utc_now):
        self.directory = Path(directory)
        self.zone = zone_info(timezone_name)
        self.clock = clock
        self._cache: dict[Path, tuple[tuple[int, int, int], icalendar.Calendar, Any]] = {}

    @classmethod
    def from_settings(cls, settings: Any, clock: Callable[[], datetime] = utc_now) -> LocalICSCalendar:
        return cls(settings.path("calendar"), settings.resolved_timezone(), clock=clock)

    # ---- files ---------------------------------------------------------------------------------------

    @property
    def own_path(self) -> Path:
        return self.directory / OWN_FILE

    def person_path(self, email: str) -> Path:
        return self.directory / PEOPLE_DIR / _file_name(normalize_email(email))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / LOCK_FILE, "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _write_atomic(self, path: Path, calendar: icalendar.Calendar) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(calendar.to_ical())
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._cache.pop(path, None)

    def _read(self, path: Path, *, fresh: bool = False) -> icalendar.Calendar | None:
        """The parsed file (cached while its mtime and size stay the same), or None when it is missing."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # a replaced file has a new inode
        cached = self._cache.get(path)
        if cached and cached[0] == key and not fresh:
            return cached[1]
        try:
            calendar = icalendar.Calendar.from_ical(path.read_bytes())
        except (ValueError, OSError) as exc:
            raise CalendarError(f"unreadable calendar file {path}: {exc}",
                                hint="re-import it or remove the broken file") from exc
        self._cache[path] = (key, calendar, None)
        return calendar

    def _occurrences(self, path: Path, start: datetime, end: datetime) -> list[icalendar.Event]:
        """VEVENT occurrences (recurrences expanded) near ``[start, end)``."""
        calendar = self._read(path)
        if calendar is None:
            return []
        key, _, query = self._cache[path]
        if query is None:
            query = recurring_ical_events.of(calendar, skip_bad_series=True)
            self._cache[path] = (key, calendar, query)
        try:
            return list(query.between(start - _EXPAND_MARGIN, end + _EXPAND_MARGIN))
        except Exception as exc:  # the library raises its own errors for broken recurrence rules
            raise CalendarError(f"cannot expand events of {path.name}: {exc}") from exc

    def _person_zone(self, calendar: icalendar.Calendar | None) -> ZoneInfo:
        name = str(calendar.get("X-WR-TIMEZONE", "")) if calendar is not None else ""
        try:
            return ZoneInfo(name) if name else self.zone
        except (ZoneInfoNotFoundError, ValueError):
            return self.zone

    # ---- import --------------------------------------------------------------------------------------

    def import_ics(self, path: Path | str, attendee_email: str, timezone_name: str | None = None) -> int:
        """Make ``path`` (an .ics file) the busy calendar of ``attendee_email``, replacing an earlier import.

        The attendee's zone (for all-day and floating times) is ``timezone_name``, else the file's
        X-WR-TIMEZONE, else its only VTIMEZONE, else the configured zone; it is stored in the copy as
        X-WR-TIMEZONE. Returns the number of VEVENTs imported.
        """
        email = normalize_email(attendee_email)
        source = Path(path)
        try:
            calendar = icalendar.Calendar.from_ical(source.read_bytes())
        except FileNotFoundError as exc:
            raise InputError(f"no such calendar file: {source}") from exc
        except (ValueError, OSError) as exc:
            raise InputError(f"not an iCalendar file: {source} ({exc})", hint="export the calendar as .ics") from exc
        if not isinstance(calendar, icalendar.Calendar):
            raise InputError(f"not an iCalendar file: {source}", hint="export the calendar as .ics")
        events = calendar.walk("VEVENT")
        zone_name = timezone_name or str(calendar.get("X-WR-TIMEZONE", "") or "")
        if not zone_name:
            tzids = {str(tz.get("TZID")) for tz in calendar.walk("VTIMEZONE")}
            zone_name = tzids.pop() if len(tzids) == 1 else self.zone.key
        try:
            check_timezone(zone_name)
        except InputError:
            if timezone_name:
                raise
            zone_name = self.zone.key  # the file's own zone name is unknown here: the configured zone
        if "X-WR-TIMEZONE" in calendar:
            del calendar["X-WR-TIMEZONE"]
        calendar.add("X-WR-TIMEZONE", zone_name)
        self._write_atomic(self.person_path(email), calendar)
        return len(events)

    def known_attendees(self) -> list[str]:
        """Emails of everyone with an imported calendar."""
        folder = self.directory / PEOPLE_DIR
        return sorted(p.stem for p in folder.glob("*.ics")) if folder.is_dir() else []

    # ---- reading -------------------------------------------------------------------------------------

    def _busy_from(self, components: list[icalendar.Event], zone: ZoneInfo, start: datetime,
                   end: datetime) -> list[Busy]:
        busy = []
        for component in components:
            if not blocks_time(component):
                continue
            times = vevent_times(component, zone)
            if times is None:
                continue
            b_start, b_end, _ = times
            if b_end <= start or b_start >= end or b_end <= b_start:
                continue
            busy.append(Busy(max(b_start, start), min(b_end, end)))
        return busy

    def free_busy(self, attendees: list[str], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        """Busy intervals per attendee inside ``[start, end)`` (clipped, merged, sorted).

        Raises UnknownCalendarsError naming attendees without an imported calendar.
        """
        require_window(start, end)
        emails = [normalize_email(a) for a in attendees]
        booked = [c for c in self._occurrences(self.own_path, start, end) if blocks_time(c)]
        result: dict[str, list[Busy]] = {}
        unknown: list[str] = []
        for email in dict.fromkeys(emails):
            path = self.person_path(email)
            calendar = self._read(path)
            if calendar is None:
                unknown.append(email)
                continue
            busy = self._busy_from(self._occurrences(path, start, end), self._person_zone(calendar), start, end)
            attending = [c for c in booked if email in vevent_attendees(c)]
            busy += self._busy_from(attending, self.zone, start, end)
            result[email] = merge_busy(busy)
        if unknown:
            raise UnknownCalendarsError(unknown, known=result, backend=self.name)
        return result

    def list_events(self, start: datetime, end: datetime, attendee: str | None = None) -> list[Event]:
        """Minutes-booked events overlapping ``[start, end)``; with ``attendee``, only those they attend,
        plus the events of their imported calendar (``calendar`` = their email)."""
        require_window(start, end)
        events = []
        email = normalize_email(attendee) if attendee is not None else None
        for component in self._occurrences(self.own_path, start, end):
            if email and email not in vevent_attendees(component):
                continue
            event = vevent_to_event(component, self.name, self.zone, self.zone)
            if event and event.end > start and event.start < end:
                events.append(event)
        if email:
            path = self.person_path(email)
            calendar = self._read(path)
            if calendar is not None:
                zone = self._person_zone(calendar)
                for component in self._occurrences(path, start, end):
                    event = vevent_to_event(component, email, zone, self.zone)
                    if event and event.end > start and event.start < end:
                        events.append(event)
        return sorted(events, key=lambda e: (e.start, e.id))

    def _find(self, calendar: icalendar.Calendar | None, event_id: str) -> icalendar.Event | None:
        if calendar is None:
            return None
        for component in calendar.walk("VEVENT"):
            if str(component.get("UID", "")) == event_id and "RECURRENCE-ID" not in component:
                return component
        return None

    def get_event(self, event_id: str) -> Event | None:
        """The Minutes-booked event with this id, or None."""
        component = self._find(self._read(self.own_path), str(event_id))
        return vevent_to_event(component, self.name, self.zone, self.zone) if component is not None else None

    # ---- writing -------------------------------------------------------------------------------------

    def create_event(self, event: Event) -> Event:
        """Book ``event`` in minutes.ics; idempotent on ``event.id`` even across racing processes."""
        validate_event(event)
        component = event_to_vevent(event, self.clock())  # validates attendees before taking the lock
        with self._locked():
            calendar = self._read(self.own_path, fresh=True)
            existing = self._find(calendar, event.id)
            if existing is not None:
                return vevent_to_event(existing, self.name, self.zone, self.zone)  # type: ignore[return-value]
            if calendar is None:
                calendar = new_vcalendar()
            calendar.add_component(component)
            calendar.add_missing_timezones()
            self._write_atomic(self.own_path, calendar)
        return vevent_to_event(component, self.name, self.zone, self.zone)  # type: ignore[return-value]

    def cancel_event(self, event_id: str) -> bool:
        """Remove the booked event (and any overridden occurrences of it); False when it is not there."""
        with self._locked():
            calendar = self._read(self.own_path, fresh=True)
            if calendar is None:
                return False
            keep = [c for c in calendar.subcomponents
                    if not (c.name == "VEVENT" and str(c.get("UID", "")) == str(event_id))]
            if len(keep) == len(calendar.subcomponents):
                return False
            calendar.subcomponents[:] = keep
            self._write_atomic(self.own_path, calendar)
        return True


def import_ics(settings: Any, path: Path | str, attendee_email: str, timezone_name: str | None = None) -> int:
    """CLI helper: import ``path`` as ``attendee_email``'s busy calendar in the local backend."""
    return LocalICSCalendar.from_settings(settings).import_ics(path, attendee_email, timezone_name)


__all__ = ["LocalICSCalendar", "import_ics"]

"""A CalDAV server (Nextcloud, Radicale, Fastmail, iCloud, ...) through the ``caldav`` library.

One *booking* calendar receives the events Minutes creates: ``calendar.caldav_url`` itself, or the
calendar named ``calendar.caldav_calendar`` among the account's calendars. Free/busy is computed by
searching events in the window (recurrences expanded), because servers' free-busy reports are spotty.

Whose calendar is whose: an attendee's busy times are read from the calendar mapped to their email in
``calendar.caldav_attendee_calendars`` (email -> URL), else from the account's calendar whose display name
is their email. Minutes-booked events they attend (ATTENDEE lines in the booking calendar) count too.
An attendee with no calendar is *unknown* (:class:`UnknownCalendarsError`), never free. All-day and
floating times are read in the configured zone (``settings.timezone``).

Events are stored with UID = event id at ``<calendar>/<id>.ics``; creation looks the UID up first and
writes with ``If-None-Match: *``, so a repeated or racing booking returns the event already there.

Transient failures: the ``caldav`` client's own rate-limit handling sleeps on 429 (and on 503 with
``Retry-After``) for at most ``calendar.retries`` backoffs; every other 5xx answer and every connection
error is retried by :class:`RetryingDAVClient` up to ``calendar.retries`` times, with exponential backoff
from ``calendar.retry_backoff_s``. Retrying a write is safe: the PUT carries ``If-None-Match: *``, so a
retry after a write that did land answers 412 and the event already there is returned.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from core.dates import zone_info
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
from tools.calendar.local_ics import (
    blocks_time,
    event_to_vevent,
    new_vcalendar,
    utc_now,
    vevent_attendees,
    vevent_times,
    vevent_to_event,
)

_EXPAND_MARGIN = timedelta(days=1)


@contextmanager
def _guard(what: str) -> Iterator[None]:
    """Turn the caldav library's and the network's errors into a one-line CalendarError."""
    from caldav.lib import error as dav_error

    try:
        yield
    except (CalendarError, InputError):
        raise
    except dav_error.AuthorizationError as exc:
        raise CalendarError(f"CalDAV {what} refused: not authorized",
                            hint="check calendar.caldav_username and the password variable") from exc
    except dav_error.DAVError as exc:
        reason = str(getattr(exc, "reason", "") or type(exc).__name__)
        raise CalendarError(f"CalDAV {what} failed: {reason}"[:300], hint="check calendar.caldav_url") from exc
    except OSError as exc:  # connection refused, timeouts (requests' errors are OSErrors)
        raise CalendarError(f"CalDAV {what} failed: {type(exc).__name__}", hint="is the server reachable?") from exc


_RETRY_STATUS = frozenset({500, 502, 503, 504})


def retrying_client(url: str, *, username: str | None, password: str | None, timeout: int, retries: int,
                    backoff_s: float, sleep: Callable[[float], None] = time.sleep) -> Any:
    """A ``caldav.DAVClient`` that retries 5xx answers and connection errors (bounded, exponential backoff)
    and lets the library handle 429 / ``Retry-After`` itself, sleeping at most the same total."""
    import caldav

    class RetryingDAVClient(caldav.DAVClient):
        def request(self, url: str, method: str = "GET", body: str = "", headers: Any = None, *args: Any, **kw: Any) -> Any:
            for attempt in range(retries + 1):
                try:
                    response = super().request(url, method, body, headers, *args, **kw)
                except OSError:  # connection refused / reset, timeouts (niquests' errors are OSErrors)
                    if attempt >= retries:
                        raise
                else:
                    if response.status not in _RETRY_STATUS or attempt >= retries:
                        return response
                sleep(backoff_s * (2 ** attempt) * (1 + random.random() / 4))
            raise AssertionError("unreachable")  # pragma: no cover

    total = backoff_s * (2 ** max(retries, 1) - 1)  # what `retries` exponential backoffs add up to
    return RetryingDAVClient(url=url, username=username, password=password, timeout=timeout,
                             rate_limit_handle=retries > 0, rate_limit_default_sleep=max(1, math.ceil(backoff_s)),
                             rate_limit_max_sleep=max(1, math.ceil(total)))


class CalDAVCalendar:
    """A CalDAV booking calendar plus the attendees' calendars it can read."""

    name = "caldav"

    def __init__(self, calendar: Any, *, attendee_calendars: dict[str, Any] | None = None,
                 principal: Any = None, timezone_name: str = "UTC", clock: Callable[[], datetime] = utc_now):
        self.calendar = calendar
        self.principal = principal
        self._explicit = {normalize_email(k): v for k, v in (attendee_calendars or {}).items()}
        self._discovered: dict[str, Any] | None = None
        self.zone = zone_info(timezone_name)
        self.clock = clock

    @classmethod
    def connect(cls, url: str, *, username: str | None = None, password: str | None = None,
                calendar_name: str | None = None, attendee_calendars: dict[str, str] | None = None,
                timezone_name: str = "UTC", timeout: int = 30, retries: int = 4, backoff_s: float = 1.0,
                clock: Callable[[], datetime] = utc_now, sleep: Callable[[float], None] = time.sleep) -> CalDAVCalendar:
        """Connect to ``url`` (the booking calendar, or any URL of the account when ``calendar_name``);
        failed requests are retried ``retries`` times (see the module docstring)."""
        if not url:
            raise InputError("no CalDAV URL configured", hint="set calendar.caldav_url")
        client = retrying_client(url, username=username, password=password, timeout=timeout,
                                 retries=max(0, retries), backoff_s=backoff_s, sleep=sleep)
        with _guard("connection"):
            principal = client.principal()
            if calendar_name:
                matches = [c for c in principal.calendars() if (c.get_display_name() or "") == calendar_name]
                if not matches:
                    raise CalendarError(f"no CalDAV calendar named {calendar_name!r}",
                                        hint="create it on the server or fix calendar.caldav_calendar")
                booking = matches[0]
            else:
                booking = client.calendar(url=url)
            others = {email: client.calendar(url=booking.url.join(target) if "://" not in target else target)
                      for email, target in (attendee_calendars or {}).items()}
        return cls(booking, attendee_calendars=others, principal=principal, timezone_name=timezone_name,
                   clock=clock)

    @classmethod
    def from_settings(cls, settings: Any, clock: Callable[[], datetime] = utc_now,
                      sleep: Callable[[float], None] = time.sleep) -> CalDAVCalendar:
        c = settings.calendar
        return cls.connect(c.caldav_url or "", username=c.caldav_username,
                           password=os.environ.get(c.caldav_password_env) or None,
                           calendar_name=c.caldav_calendar, attendee_calendars=c.caldav_attendee_calendars,
                           timezone_name=settings.resolved_timezone(), retries=c.retries,
                           backoff_s=c.retry_backoff_s, clock=clock, sleep=sleep)

    # ---- reading -------------------------------------------------------------------------------------

    def _calendar_of(self, email: str) -> Any | None:
        if email in self._explicit:
            return self._explicit[email]
        if self._discovered is None:
            self._discovered = {}
            if self.principal is not None:
                with _guard("calendar discovery"):
                    for cal in self.principal.calendars():
                        display = (cal.get_display_name() or "").strip().lower()
                        if "@" in display:
                            self._discovered.setdefault(display, cal)
        return self._discovered.get(email)

    def _components(self, calendar: Any, start: datetime, end: datetime) -> list[Any]:
        """VEVENT occurrences near ``[start, end)``, recurrences expanded."""
        with _guard("event search"):
            found = calendar.search(event=True, start=start - _EXPAND_MARGIN, end=end + _EXPAND_MARGIN,
                                    expand=True)
            components = []
            for obj in found:
                components.extend(c for c in obj.icalendar_instance.walk("VEVENT"))
            return components

    def _busy(self, components: list[Any], start: datetime, end: datetime) -> list[Busy]:
        busy = []
        for component in components:
            times = vevent_times(component, self.zone) if blocks_time(component) else None
            if times and times[1] > start and times[0] < end and times[1] > times[0]:
                busy.append(Busy(max(times[0], start), min(times[1], end)))
        return busy

    def free_busy(self, attendees: list[str], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        """Busy intervals per attendee (their calendar + booked events they attend); unknown ones raise."""
        require_window(start, end)
        emails = list(dict.fromkeys(normalize_email(a) for a in attendees))
        booked = self._components(self.calendar, start, end)
        result: dict[str, list[Busy]] = {}
        unknown: list[str] = []
        for email in emails:
            own = self._calendar_of(email)
            if own is None:
                unknown.append(email)
                continue
            components = [c for c in booked if email in vevent_attendees(c)]
            if str(own.url) != str(self.calendar.url):
                components += self._components(own, start, end)
            else:
                components = booked
            result[email] = merge_busy(self._busy(components, start, end))
        if unknown:
            raise UnknownCalendarsError(unknown, known=result, backend=self.name)
        return result

    def list_events(self, start: datetime, end: datetime, attendee: str | None = None) -> list[Event]:
        """Booking-calendar events in ``[start, end)`` (only those ``attendee`` attends when given), plus
        the events of the attendee's own calendar (``calendar`` = their email) when it is readable."""
        require_window(start, end)
        email = normalize_email(attendee) if attendee is not None else None
        events = []
        sources = [(self.calendar, self.name, True)]
        if email:
            own = self._calendar_of(email)
            if own is not None and str(own.url) != str(self.calendar.url):
                sources.append((own, email, False))
        for calendar, label, filter_attendee in sources:
            for component in self._components(calendar, start, end):
                if filter_attendee and email and email not in vevent_attendees(component):
                    continue
                event = vevent_to_event(component, label, self.zone, self.zone)
                if event and event.end > start and event.start < end:
                    events.append(event)
        return sorted(events, key=lambda e: (e.start, e.id))

    def _find(self, event_id: str) -> Any | None:
        from caldav.lib import error as dav_error

        with _guard("event lookup"):
            try:
                return self.calendar.get_event_by_uid(event_id)
            except dav_error.NotFoundError:
                return None

    def _master(self, obj: Any) -> Any:
        components = [c for c in obj.icalendar_instance.walk("VEVENT")]
        masters = [c for c in components if "RECURRENCE-ID" not in c]
        return (masters or components)[0]

    def get_event(self, event_id: str) -> Event | None:
        """The booking-calendar event with this UID, or None."""
        obj = self._find(str(event_id))
        if obj is None:
            return None
        return vevent_to_event(self._master(obj), self.name, self.zone, self.zone)

    # ---- writing -------------------------------------------------------------------------------------

    def create_event(self, event: Event) -> Event:
        """Store ``event`` with UID = its id; returns the existing event when the UID is already there."""
        from caldav.lib import error as dav_error

        validate_event(event)
        component = event_to_vevent(event, self.clock())
        existing = self._find(event.id)
        if existing is None:
            ical = new_vcalendar()
            ical.add_component(component)
            ical.add_missing_timezones()
            try:
                with _guard("event creation"):
                    self.calendar.add_event(ical.to_ical().decode(), no_overwrite=True)
            except CalendarError as exc:
                # lost a race: another writer stored the same UID between our lookup and our PUT
                if not isinstance(exc.__cause__, (dav_error.ConsistencyError, dav_error.PutError)):
                    raise
                existing = self._find(event.id)
                if existing is None:
                    raise
        if existing is not None:
            return vevent_to_event(self._master(existing), self.name, self.zone, self.zone)  # type: ignore[return-value]
        return vevent_to_event(component, self.name, self.zone, self.zone)  # type: ignore[return-value]

    def cancel_event(self, event_id: str) -> bool:
        """Delete the event with this UID; False when there is none."""
        obj = self._find(str(event_id))
        if obj is None:
            return False
        with _guard("event deletion"):
            obj.delete()
        return True

"""Find meeting slots everyone can attend: plain interval arithmetic, no model involved.

A slot ``[s, s + duration)`` is offered when it lies inside the search window, inside every attendee's
working hours on a working day *in that attendee's own zone* (not a weekend, not a public holiday of the
attendee's country), and overlaps nobody's busy time. Busy times
are merged once (sorted by start, comparing the aware datetimes themselves), then everything is UTC
seconds: per-attendee working-hour intervals are built day by day in the attendee's zone (so DST days
are 23 or 25 hours long, as they are), intersected across attendees, and the union of all busy intervals
(sorted and merged once) is swept out of them. Slot starts are aligned to ``step`` counted from midnight
of the window's zone.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta, tzinfo
from operator import attrgetter

from core.dates import zone_info
from core.errors import InputError
from tools.calendar.base import Busy
from tools.time.holiday import country_of_zone, is_holiday

Interval = tuple[float, float]  # [start, end) in UTC seconds
_START = attrgetter("start")
_START_END = attrgetter("start", "end")
WorkingHours = tuple[time, time, str]  # (start, end, IANA zone); end <= start means it ends the next day


def _aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InputError(f"{what} must be a time-zone-aware datetime, got {value!r}")
    return value


def _clock_time(value: time | int, what: str) -> time | None:
    """A working-hours bound; the hour 24 (end of day) is returned as None."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and 0 <= value <= 24:
        return None if value == 24 else time(value)
    raise InputError(f"bad working hours {what}: {value!r}", hint="use an hour 0-24 or a datetime.time")


def _hours_intervals(zone: tzinfo, begin: time | None, finish: time | None, window: Interval,
                     weekdays_only: bool, country: str | None = None) -> list[Interval]:
    """Working-hour intervals of one zone that overlap ``window``, in UTC seconds, sorted and disjoint;
    with ``country``, none on its public holidays (a day is judged in the zone where the hours start)."""
    begin = begin or time(0)
    first = datetime.fromtimestamp(window[0], zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(window[1], zone).date()
    out: list[Interval] = []
    day = first
    while day <= last:
        if not (weekdays_only and (day.weekday() >= 5 or is_holiday(day, country))):
            start = datetime.combine(day, begin, zone)
            if finish is None or finish <= begin:
                end_day, end_time = day + timedelta(days=1), finish or time(0)
            else:
                end_day, end_time = day, finish
            end = datetime.combine(end_day, end_time, zone)
            lo, hi = max(int(start.timestamp()), window[0]), min(int(end.timestamp()), window[1])
            if lo < hi:
                if out and lo <= out[-1][1]:
                    out[-1] = (out[-1][0], max(out[-1][1], hi))
                else:
                    out.append((lo, hi))
        day += timedelta(days=1)
    return out


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _merged_busy(busy: Mapping[str, Iterable[Busy]], allowed: list[Interval]) -> list[Interval]:
    """The union of everyone's busy time that overlaps the ``allowed`` intervals, sorted and merged, in
    UTC seconds.

    Busy times outside everyone's working hours are dropped first (one C-level bisection each), then the
    rest are sorted and merged comparing the aware datetimes themselves (exact; a naive datetime fails
    loudly); only the merged intervals, usually far fewer, are converted to seconds.
    """
    starts = [datetime.fromtimestamp(lo, UTC) for lo, _ in allowed]
    ends = [datetime.fromtimestamp(hi, UTC) for _, hi in allowed]
    if not allowed:
        return []
    first, last = starts[0], ends[-1]
    try:
        inside = [b for intervals in busy.values() for b in intervals
                  if b.start < last and b.end > first and b.end > b.start
                  and ends[bisect_left(starts, b.end) - 1] > b.start]
    except TypeError as exc:  # comparing a naive datetime with an aware one
        raise InputError("a busy time has no time zone",
                         hint="calendar backends return aware datetimes; attach a zone") from exc
    except AttributeError as exc:
        raise InputError("busy times must be Busy(start, end) records") from exc
    if not inside:
        return []
    inside.sort(key=_START)
    merged: list[tuple[float, float]] = []
    spans = map(_START_END, inside)
    current_start, current_end = next(spans)
    for start, end in spans:
        if start <= current_end:
            if end > current_end:
                current_end = end
        else:
            merged.append((current_start.timestamp(), current_end.timestamp()))
            current_start, current_end = start, end
    merged.append((current_start.timestamp(), current_end.timestamp()))
    return merged


def _subtract(allowed: list[Interval], busy: list[Interval]) -> list[Interval]:
    """``allowed`` minus ``busy`` (both sorted and disjoint)."""
    free: list[Interval] = []
    j = 0
    for lo, hi in allowed:
        while j < len(busy) and busy[j][1] <= lo:
            j += 1
        k, cursor = j, lo
        while k < len(busy) and busy[k][0] < hi:
            if busy[k][0] > cursor:
                free.append((cursor, busy[k][0]))
            cursor = max(cursor, busy[k][1])
            k += 1
        if cursor < hi:
            free.append((cursor, hi))
    return free


def free_intervals(busy: Mapping[str, Iterable[Busy]], window_start: datetime, window_end: datetime, *,
                   working_hours: Mapping[str, WorkingHours] | tuple[int, int] = (9, 18),
                   attendee_zones: Mapping[str, str] | None = None,
                   weekdays_only: bool = True,
                   holiday_country: str | None = None,
                   attendee_countries: Mapping[str, str] | None = None) -> list[tuple[datetime, datetime]]:
    """The times inside the window when every attendee is free and at work (see :func:`find_slots`)."""
    tz = _aware(window_start, "window start").tzinfo
    return [(datetime.fromtimestamp(s, tz), datetime.fromtimestamp(e, tz))
            for s, e in _free(busy, window_start, window_end, working_hours, attendee_zones, weekdays_only,
                              holiday_country, attendee_countries)]


def _zone_name(zone: tzinfo) -> str | None:
    """The IANA name of a zone object, None for fixed offsets (``timezone(timedelta(hours=9))``)."""
    return getattr(zone, "key", None)


def _country(person: str | None, zone: tzinfo, holiday_country: str | None,
             attendee_countries: Mapping[str, str]) -> str | None:
    """Whose public holidays an attendee keeps: their own country when known, else the zone's country
    (``holiday_country`` overrides the zone for everyone without their own; "" turns holidays off)."""
    if person is not None and person in attendee_countries:
        return attendee_countries[person] or None
    if holiday_country is not None:
        return holiday_country.upper() or None
    return country_of_zone(_zone_name(zone))


def _free(busy, window_start, window_end, working_hours, attendee_zones, weekdays_only,
          holiday_country=None, attendee_countries=None) -> list[Interval]:
    _aware(window_start, "window start")
    _aware(window_end, "window end")
    window = (math.ceil(window_start.timestamp()), math.floor(window_end.timestamp()))
    if window[1] <= window[0]:
        raise InputError("empty search window", hint="the window end must come after its start")
    zones = dict(attendee_zones or {})
    per_person: dict[str, WorkingHours] = {}
    if isinstance(working_hours, Mapping):
        per_person = dict(working_hours)
        default_hours: tuple[time | int, time | int] = (9, 18)
    else:
        if len(working_hours) != 2:
            raise InputError(f"bad working hours: {working_hours!r}", hint="use (start_hour, end_hour)")
        default_hours = (working_hours[0], working_hours[1])
    people = list(dict.fromkeys([*busy, *zones, *per_person]))
    window_zone: tzinfo = window_start.tzinfo  # type: ignore[assignment]

    countries = dict(attendee_countries or {})
    rules: set[tuple[tzinfo, time | None, time | None, str | None]] = set()
    for person in people or [None]:
        if person is not None and person in per_person:
            entry = per_person[person]
            if len(entry) != 3:
                raise InputError(f"bad working hours for {person}: {entry!r}", hint="use (start, end, zone)")
            begin, finish, zone = _clock_time(entry[0], "start"), _clock_time(entry[1], "end"), zone_info(entry[2])
        else:
            begin, finish = _clock_time(default_hours[0], "start"), _clock_time(default_hours[1], "end")
            zone = zone_info(zones[person]) if person is not None and person in zones else window_zone
        rules.add((zone, begin, finish, _country(person, zone, holiday_country, countries)))

    allowed: list[Interval] | None = None
    for zone, begin, finish, country in rules:
        hours = _hours_intervals(zone, begin, finish, window, weekdays_only, country)
        allowed = hours if allowed is None else _intersect(allowed, hours)
        if not allowed:
            return []
    return _subtract(allowed or [], _merged_busy(busy, allowed or []))


def find_slots(busy: Mapping[str, Iterable[Busy]], duration: timedelta, window_start: datetime,
               window_end: datetime, *,
               working_hours: Mapping[str, WorkingHours] | tuple[int, int] = (9, 18),
               attendee_zones: Mapping[str, str] | None = None,
               step: timedelta = timedelta(minutes=30),
               preferred_start: datetime | None = None,
               limit: int = 5,
               weekdays_only: bool = True,
               holiday_country: str | None = None,
               attendee_countries: Mapping[str, str] | None = None) -> list[tuple[datetime, datetime]]:
    """Up to ``limit`` slots ``(start, end)`` of length ``duration`` that suit every attendee.

    busy: attendee -> busy intervals (e.g. ``Calendar.free_busy``); may be unsorted and overlapping.
    working_hours: ``(start_hour, end_hour)`` for everyone (each in their zone from ``attendee_zones``,
        else the window's zone), or attendee -> ``(start time, end time, IANA zone)``; people missing from
        the mapping work 9-18 in their ``attendee_zones`` zone. An end at or before the start means the
        hours end the next day.
    weekdays_only: skip Saturdays, Sundays and public holidays in each attendee's own zone. Holidays come
    from the ``holidays`` package, per attendee: the country in
    ``attendee_countries`` (ISO 3166 codes), else ``holiday_country`` (the setting
    ``calendar.holiday_country``), else the country of the attendee's zone (``Asia/Seoul`` -> KR; a zone
    with no country, such as UTC or a fixed offset, has none). ``holiday_country=""`` skips no holidays.
    step: slot starts are aligned to this step from midnight in the window's zone.
    preferred_start: offered first when everyone is free then (aligned or not); the rest earliest first.
    Returns slots in the window's zone; an empty list when there is no common free time.
    """
    if not isinstance(duration, timedelta) or duration <= timedelta(0):
        raise InputError(f"meeting duration must be positive, got {duration!r}")
    if not isinstance(step, timedelta) or step <= timedelta(0):
        raise InputError(f"slot step must be positive, got {step!r}")
    if limit <= 0:
        return []
    tz = _aware(window_start, "window start").tzinfo
    free = _free(busy, window_start, window_end, working_hours, attendee_zones, weekdays_only,
                 holiday_country, attendee_countries)
    length = duration.total_seconds()
    slots: list[tuple[datetime, datetime]] = []

    skip: float | None = None
    if preferred_start is not None:
        p = _aware(preferred_start, "preferred start").timestamp()
        i = bisect_right(free, (p, math.inf)) - 1
        if i >= 0 and free[i][0] <= p and p + length <= free[i][1]:
            slots.append((preferred_start.astimezone(tz), datetime.fromtimestamp(p + length, tz)))
            skip = p

    midnight = datetime.combine(window_start.date(), time(0), tz)
    anchor = midnight.timestamp()
    step_s = step.total_seconds()
    for lo, hi in free:
        k = math.ceil((lo - anchor) / step_s)
        s = anchor + k * step_s
        while s + length <= hi and len(slots) < limit:
            if s != skip:
                # from UTC seconds, not wall-clock ``start + duration``, so DST days stay exact
                slots.append((datetime.fromtimestamp(s, tz), datetime.fromtimestamp(s + length, tz)))
            s += step_s
        if len(slots) >= limit:
            break
    return slots


def roll_to_working_day(start: datetime, end: datetime, preferred: datetime | None = None, *,
                        holiday_country: str | None = None,
                        max_days: int = 14) -> tuple[datetime, datetime, datetime | None]:
    """A requested window that holds no working day (a weekend, 추석, Christmas) moved forward, whole days
    at a time, to the next working day in the window's zone: ``(start, end, preferred)`` keep their wall
    clock times ("9월 25일 오후 2시" on 추석 2026 -> Monday Sep 28, 14:00). A window with a working day
    in it comes back unchanged. The country is ``holiday_country`` (e.g. ``calendar.holiday_country``),
    else the window zone's ("" : weekends only)."""
    zone = _aware(start, "window start").tzinfo
    _aware(end, "window end")
    country = _country(None, zone, holiday_country, {})  # type: ignore[arg-type]

    def has_working_day(s: datetime, e: datetime) -> bool:
        day, last = s.date(), (e - timedelta(microseconds=1)).date()
        while day <= last:
            if day.weekday() < 5 and not is_holiday(day, country):
                return True
            day += timedelta(days=1)
        return False

    for shift in range(max_days + 1):
        s, e = _shift_days(start, shift), _shift_days(end, shift)
        if has_working_day(s, e):
            return s, e, _shift_days(preferred, shift) if preferred is not None else None
    return start, end, preferred


def _shift_days(value: datetime, days: int) -> datetime:
    """The same wall-clock time ``days`` later in the value's own zone (exact across DST changes)."""
    zone = value.tzinfo
    wall = value.replace(tzinfo=None) + timedelta(days=days)
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)  # type: ignore[arg-type]

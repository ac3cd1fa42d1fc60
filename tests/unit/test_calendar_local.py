"""The local .ics backend on real files: import, recurrence, all-day days, booking, races, cancel."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.errors import InputError
from core.settings import Settings
from tools.calendar import Busy, Calendar, Event, UnknownCalendarsError, event_id_for, open_calendar
from tools.calendar.base import EVENT_ID_PATTERN
from tools.calendar.local_ics import LocalICSCalendar
from tools.slots import find_slots

UTC = UTC
LONDON, SEOUL = ZoneInfo("Europe/London"), ZoneInfo("Asia/Seoul")
FIXED_NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)

# Alice, London: a weekly Monday stand-up 10:00-11:00 London time over the 2026-03-29 clock change (one
# week skipped with EXDATE), an all-day event on Wednesday 25 March, a floating 14:00 event, and two events
# that must not block: a transparent one and a cancelled one.
ALICE_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//hand made//EN
X-WR-TIMEZONE:Europe/London
BEGIN:VEVENT
UID:standup@test
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/London:20260316T100000
DTEND;TZID=Europe/London:20260316T110000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6
EXDATE;TZID=Europe/London:20260406T100000
SUMMARY:Stand-up
END:VEVENT
BEGIN:VEVENT
UID:offsite@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260325
DTEND;VALUE=DATE:20260326
SUMMARY:Off-site
END:VEVENT
BEGIN:VEVENT
UID:floating@test
DTSTAMP:20260101T000000Z
DTSTART:20260324T140000
DTEND:20260324T150000
SUMMARY:Dentist
END:VEVENT
BEGIN:VEVENT
UID:free@test
DTSTAMP:20260101T000000Z
DTSTART:20260323T150000Z
DTEND:20260323T160000Z
TRANSP:TRANSPARENT
SUMMARY:Reminder
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTAMP:20260101T000000Z
DTSTART:20260326T090000Z
DTEND:20260326T100000Z
STATUS:CANCELLED
SUMMARY:Called off
END:VEVENT
END:VCALENDAR
"""

BOB_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//hand made//EN
BEGIN:VEVENT
UID:bob-1@test
DTSTAMP:20260101T000000Z
DTSTART:20260323T120000Z
DTEND:20260323T130000Z
SUMMARY:Lunch
END:VEVENT
END:VCALENDAR
"""


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def cal(tmp_path: Path) -> LocalICSCalendar:
    calendar = LocalICSCalendar(tmp_path / "calendar", "Europe/London", clock=lambda: FIXED_NOW)
    (tmp_path / "alice.ics").write_text(ALICE_ICS)
    (tmp_path / "bob.ics").write_text(BOB_ICS)
    assert calendar.import_ics(tmp_path / "alice.ics", "Alice@Example.com") == 5
    assert calendar.import_ics(tmp_path / "bob.ics", "bob@example.com", timezone_name="America/New_York") == 1
    return calendar


def meeting(event_id: str, start: datetime, attendees: list[str], minutes: int = 60) -> Event:
    return Event(id=event_id, title="Follow-up", start=start, end=start + timedelta(minutes=minutes),
                 attendees=attendees, description="booked by Minutes")


def test_event_ids_are_deterministic_and_valid_google_ids():
    one = event_id_for("meeting-2026-03-01", "follow-up:0")
    assert one == event_id_for("meeting-2026-03-01", "follow-up:0")
    assert one != event_id_for("meeting-2026-03-01", "follow-up:1")
    assert one != event_id_for("meeting-2026-03-02", "follow-up:0")
    assert EVENT_ID_PATTERN.match(one) and len(one) == 32
    with pytest.raises(InputError):
        event_id_for("", "x")


def test_imported_calendar_expands_recurrences_across_dst_and_blocks_all_day(cal: LocalICSCalendar):
    fb = cal.free_busy(["alice@example.com"], london(2026, 3, 16), london(2026, 4, 21))
    busy = fb["alice@example.com"]
    mondays = [b for b in busy if b.start.astimezone(LONDON).weekday() == 0]
    # 10:00-11:00 London every Monday; 10:00 GMT = 10:00 UTC before 29 March, 09:00 UTC after; 6 April skipped
    assert [(b.start.astimezone(UTC), b.end.astimezone(UTC)) for b in mondays] == [
        (utc(2026, 3, 16, 10), utc(2026, 3, 16, 11)),
        (utc(2026, 3, 23, 10), utc(2026, 3, 23, 11)),
        (utc(2026, 3, 30, 9), utc(2026, 3, 30, 10)),
        (utc(2026, 4, 13, 9), utc(2026, 4, 13, 10)),
        (utc(2026, 4, 20, 9), utc(2026, 4, 20, 10)),
    ]
    assert Busy(london(2026, 3, 25), london(2026, 3, 26)) in busy  # the whole off-site day, London time
    assert Busy(london(2026, 3, 24, 14), london(2026, 3, 24, 15)) in busy  # floating time read in London
    assert not any(b.start <= utc(2026, 3, 23, 15) < b.end for b in busy)  # transparent
    assert not any(b.start <= utc(2026, 3, 26, 9) < b.end for b in busy)  # cancelled
    assert len(busy) == 7


def test_free_busy_is_clipped_to_the_window(cal: LocalICSCalendar):
    fb = cal.free_busy(["alice@example.com"], london(2026, 3, 25, 12), london(2026, 3, 25, 13))
    assert fb == {"alice@example.com": [Busy(london(2026, 3, 25, 12), london(2026, 3, 25, 13))]}


def test_unknown_attendee_is_never_free(cal: LocalICSCalendar):
    with pytest.raises(UnknownCalendarsError) as caught:
        cal.free_busy(["alice@example.com", "nobody@example.com"], london(2026, 3, 23), london(2026, 3, 24))
    assert caught.value.unknown == ["nobody@example.com"]
    assert "alice@example.com" in caught.value.known
    assert "nobody@example.com" in str(caught.value)


def test_create_twice_gives_one_event_that_blocks_its_attendees(cal: LocalICSCalendar, tmp_path: Path):
    event_id = event_id_for("m1", "follow-up")
    first = cal.create_event(meeting(event_id, london(2026, 3, 24, 16), ["alice@example.com", "bob@example.com"]))
    again = cal.create_event(meeting(event_id, london(2026, 3, 27, 9), ["alice@example.com"]))  # same id
    assert again == first and again.start == london(2026, 3, 24, 16)
    assert (tmp_path / "calendar" / "minutes.ics").read_text().count("BEGIN:VEVENT") == 1
    assert cal.get_event(event_id) == first
    assert first.attendees == ["alice@example.com", "bob@example.com"] and first.calendar == "local"
    fb = cal.free_busy(["alice@example.com", "bob@example.com"], london(2026, 3, 24), london(2026, 3, 25))
    assert Busy(london(2026, 3, 24, 16), london(2026, 3, 24, 17)) in fb["bob@example.com"]
    assert Busy(london(2026, 3, 24, 16), london(2026, 3, 24, 17)) in fb["alice@example.com"]
    assert [e.id for e in cal.list_events(london(2026, 3, 24), london(2026, 3, 25))] == [event_id]
    bobs = cal.list_events(london(2026, 3, 23), london(2026, 3, 25), attendee="bob@example.com")
    assert [(e.id, e.calendar) for e in bobs] == [("bob-1@test", "bob@example.com"), (event_id, "local")]


def test_cancel_removes_the_booking(cal: LocalICSCalendar):
    event_id = event_id_for("m2", "follow-up")
    cal.create_event(meeting(event_id, london(2026, 3, 24, 16), ["bob@example.com"]))
    assert cal.cancel_event(event_id) is True
    assert cal.cancel_event(event_id) is False
    assert cal.get_event(event_id) is None
    fb = cal.free_busy(["bob@example.com"], london(2026, 3, 24), london(2026, 3, 25))
    assert fb["bob@example.com"] == []
    assert cal.create_event(meeting(event_id, london(2026, 3, 24, 16), ["bob@example.com"])).id == event_id


def test_all_day_booking_round_trips(cal: LocalICSCalendar):
    event_id = event_id_for("m3", "day")
    stored = cal.create_event(Event(id=event_id, title="Workshop", start=london(2026, 3, 27), end=london(2026, 3, 28),
                                    attendees=["bob@example.com"], all_day=True))
    assert stored.all_day and stored.start == london(2026, 3, 27) and stored.end == london(2026, 3, 28)


def test_slots_from_the_backend_avoid_recurring_and_all_day_busy_time(cal: LocalICSCalendar):
    people = ["alice@example.com", "bob@example.com"]
    window = (london(2026, 3, 23), london(2026, 3, 28))
    fb = cal.free_busy(people, *window)
    slots = find_slots(fb, timedelta(hours=1), *window, step=timedelta(hours=1), limit=100,
                       attendee_zones={"alice@example.com": "Europe/London", "bob@example.com": "America/New_York"})
    starts = [s for s, _ in slots]
    # Bob works 9-18 New York (13-22 London in March: EDT, GMT), Alice 9-18 London: 13:00-18:00 London
    assert starts[0] == london(2026, 3, 23, 13) and starts[:2] == [london(2026, 3, 23, 13), london(2026, 3, 23, 14)]
    assert not any(s.date() == london(2026, 3, 25).date() for s in starts)  # Alice's all-day off-site
    assert london(2026, 3, 24, 14) not in starts  # her floating 14:00 dentist
    assert all(13 <= s.hour < 18 for s in starts)


def _book_in_child(directory: str, event_id: str, start_iso: str, barrier, results) -> None:
    calendar = LocalICSCalendar(directory, "Europe/London", clock=lambda: FIXED_NOW)
    barrier.wait()
    event = calendar.create_event(meeting(event_id, datetime.fromisoformat(start_iso), ["alice@example.com"]))
    results.put(event.id)


def _book_many_in_child(directory: str, worker: int, barrier) -> None:
    calendar = LocalICSCalendar(directory, "Europe/London", clock=lambda: FIXED_NOW)
    barrier.wait()
    for i in range(5):
        calendar.create_event(meeting(event_id_for("race", f"{worker}-{i}"), london(2026, 3, 24, 9 + i),
                                      ["alice@example.com"]))


def test_processes_racing_to_book_the_same_id_make_one_event(cal: LocalICSCalendar):
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    event_id = event_id_for("race", "same")
    workers = [ctx.Process(target=_book_in_child,
                           args=(str(cal.directory), event_id, london(2026, 3, 24, 9 + n).isoformat(), barrier, results))
               for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
        assert w.exitcode == 0
    assert sorted(results.get(timeout=5) for _ in workers) == [event_id] * 4
    assert cal.own_path.read_text().count("BEGIN:VEVENT") == 1
    winner = cal.get_event(event_id)
    assert winner is not None and winner.start.hour in (9, 10, 11, 12)


def test_processes_booking_different_ids_lose_no_update(cal: LocalICSCalendar):
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(3)
    workers = [ctx.Process(target=_book_many_in_child, args=(str(cal.directory), n, barrier)) for n in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
        assert w.exitcode == 0
    events = cal.list_events(london(2026, 3, 24), london(2026, 3, 25))
    assert sorted(e.id for e in events) == sorted(event_id_for("race", f"{w}-{i}") for w in range(3) for i in range(5))


def test_open_calendar_gives_the_local_backend(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, timezone="Asia/Seoul")
    calendar = open_calendar(settings)
    assert isinstance(calendar, LocalICSCalendar) and isinstance(calendar, Calendar)
    assert calendar.directory == tmp_path / "calendar" and calendar.zone == SEOUL


def test_bad_input(cal: LocalICSCalendar, tmp_path: Path):
    (tmp_path / "junk.ics").write_text("this is not a calendar")
    with pytest.raises(InputError):
        cal.import_ics(tmp_path / "junk.ics", "carol@example.com")
    with pytest.raises(InputError):
        cal.import_ics(tmp_path / "missing.ics", "carol@example.com")
    with pytest.raises(InputError):
        cal.import_ics(tmp_path / "bob.ics", "not-an-email")
    with pytest.raises(InputError):
        cal.free_busy(["alice@example.com"], datetime(2026, 3, 23), datetime(2026, 3, 24))
    with pytest.raises(InputError):
        cal.create_event(meeting("Not_A_Valid_Id!", london(2026, 3, 24, 9), ["alice@example.com"]))
    with pytest.raises(InputError):
        cal.create_event(meeting(event_id_for("m", "k"), london(2026, 3, 24, 9), ["alice@example.com"], minutes=-5))
    assert not cal.own_path.exists()


def test_a_recurring_event_needs_a_named_zone_and_a_valid_rule(tmp_path):
    from datetime import timezone as fixed

    from core.errors import InputError
    from tools.calendar.base import Event, validate_event

    start = datetime(2026, 12, 1, 15, tzinfo=ZoneInfo("Asia/Seoul"))
    validate_event(Event(id="repeat0001", title="Weekly", start=start, end=start + timedelta(hours=1), recurrence="FREQ=WEEKLY"))
    offset = start.astimezone(fixed(timedelta(hours=9)))
    with pytest.raises(InputError, match="named time zone"):
        validate_event(Event(id="repeat0001", title="Weekly", start=offset, end=offset + timedelta(hours=1), recurrence="FREQ=WEEKLY"))
    with pytest.raises(InputError, match="not an RRULE"):
        validate_event(Event(id="repeat0001", title="Weekly", start=start, end=start + timedelta(hours=1), recurrence="EVERY TUESDAY"))

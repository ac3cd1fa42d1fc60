"""Slot finding: hand-made busy calendars, working hours in several zones, DST days, preferences."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import InputError
from tools.calendar.base import Busy
from tools.slots import find_slots, free_intervals

UTC = UTC
SEOUL, LONDON, NEW_YORK = ZoneInfo("Asia/Seoul"), ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def busy(*spans: tuple[datetime, datetime]) -> list[Busy]:
    return [Busy(s, e) for s, e in spans]


MONDAY = utc(2026, 3, 2)  # a Monday
assert MONDAY.weekday() == 0


def test_earliest_free_slots_avoid_busy_times_and_align_to_the_step():
    cal = {"a@x.com": busy((utc(2026, 3, 2, 9), utc(2026, 3, 2, 10)), (utc(2026, 3, 2, 11), utc(2026, 3, 2, 12, 10)))}
    slots = find_slots(cal, HOUR, MONDAY, MONDAY + timedelta(days=1), attendee_zones={"a@x.com": "UTC"})
    assert [s for s, _ in slots] == [utc(2026, 3, 2, 10), utc(2026, 3, 2, 12, 30), utc(2026, 3, 2, 13),
                                     utc(2026, 3, 2, 13, 30), utc(2026, 3, 2, 14)]
    assert all(e - s == HOUR for s, e in slots)
    for s, e in slots:  # nobody busy inside any slot
        assert all(not (b.start < e and s < b.end) for b in cal["a@x.com"])


def test_unsorted_overlapping_busy_lists_of_several_people_give_the_same_answer_as_sorted_ones():
    rng = random.Random(7)
    spans = []
    for _ in range(60):
        start = MONDAY + timedelta(minutes=rng.randrange(0, 5 * 24 * 60, 15))
        spans.append((start, start + timedelta(minutes=rng.choice([15, 30, 45, 90, 120]))))
    shuffled = spans[:]
    rng.shuffle(shuffled)
    one = {"a@x.com": busy(*sorted(spans))}
    split = {"a@x.com": busy(*shuffled[:30]), "b@x.com": busy(*shuffled[30:])}
    window = (MONDAY, MONDAY + timedelta(days=5))
    expected = find_slots(one, HOUR, *window, limit=50)
    assert expected and find_slots(split, HOUR, *window, limit=50) == expected
    for s, e in expected:
        assert all(not (b0 < e and s < b1) for b0, b1 in spans)
        assert 9 <= s.hour and e.hour <= 18 and (e.hour < 18 or e.minute == 0)


def test_everyone_busy_gives_no_slots():
    cal = {"a@x.com": busy((utc(2026, 3, 1), utc(2026, 3, 4))), "b@x.com": []}
    assert find_slots(cal, HOUR, MONDAY, MONDAY + timedelta(days=2)) == []


def test_a_meeting_longer_than_the_working_day_never_fits():
    assert find_slots({"a@x.com": []}, timedelta(hours=10), MONDAY, MONDAY + timedelta(days=7)) == []


def test_preferred_time_comes_first_when_free_else_earliest_first():
    cal = {"a@x.com": busy((utc(2026, 3, 2, 9), utc(2026, 3, 2, 12)))}
    window = (MONDAY, MONDAY + timedelta(days=2))
    wanted = utc(2026, 3, 3, 15, 15)  # free, not on the step grid
    slots = find_slots(cal, HOUR, *window, preferred_start=wanted, limit=3)
    assert slots[0] == (wanted, wanted + HOUR)
    assert [s for s, _ in slots[1:]] == [utc(2026, 3, 2, 12), utc(2026, 3, 2, 12, 30)]
    taken = find_slots(cal, HOUR, *window, preferred_start=utc(2026, 3, 2, 11), limit=2)
    assert [s for s, _ in taken] == [utc(2026, 3, 2, 12), utc(2026, 3, 2, 12, 30)]
    outside_hours = find_slots(cal, HOUR, *window, preferred_start=utc(2026, 3, 2, 17, 30), limit=1)
    assert outside_hours[0][0] == utc(2026, 3, 2, 12)


def test_weekends_are_skipped_in_each_attendees_own_zone():
    saturday = utc(2026, 3, 7)
    assert find_slots({"a@x.com": []}, HOUR, saturday, saturday + timedelta(days=2)) == []
    weekend = find_slots({"a@x.com": []}, HOUR, saturday, saturday + timedelta(days=2), weekdays_only=False)
    assert weekend[0][0] == utc(2026, 3, 7, 9)
    # Monday 08:00 in Seoul is still Sunday 23:00 UTC: with Seoul hours 0-24 the Monday starts there
    slots = find_slots({"k@x.com": []}, HOUR, utc(2026, 3, 8), utc(2026, 3, 9), working_hours=(0, 24),
                       attendee_zones={"k@x.com": "Asia/Seoul"}, limit=1)
    assert slots[0][0] == utc(2026, 3, 8, 15)  # 00:00 Monday in Seoul


def test_seoul_london_new_york_have_no_common_working_hours():
    zones = {"kim@x.com": "Asia/Seoul", "ann@x.com": "Europe/London", "bob@x.com": "America/New_York"}
    cal = {email: [] for email in zones}
    window = (utc(2026, 1, 12), utc(2026, 1, 17))
    assert find_slots(cal, timedelta(minutes=30), *window, attendee_zones=zones) == []
    assert free_intervals(cal, *window, attendee_zones=zones) == []


def test_seoul_and_london_overlap_only_in_british_summer_time():
    zones = {"kim@x.com": "Asia/Seoul", "ann@x.com": "Europe/London"}
    cal = {e: [] for e in zones}
    # January: Seoul 09-18 KST = 00-09 UTC, London 09-18 GMT = 09-18 UTC: they only touch
    assert find_slots(cal, timedelta(minutes=30), utc(2026, 1, 12), utc(2026, 1, 17), attendee_zones=zones) == []
    # June: London 09-18 BST = 08-17 UTC, one hour a day with Seoul
    slots = find_slots(cal, HOUR, utc(2026, 6, 15), utc(2026, 6, 20), attendee_zones=zones, limit=10)
    assert [s for s, _ in slots] == [utc(2026, 6, d, 8) for d in range(15, 20)]
    assert (slots[0][0].astimezone(SEOUL).hour, slots[0][0].astimezone(LONDON).hour) == (17, 9)


def test_per_person_working_hours():
    hours = {"kim@x.com": (time(8), time(20), "Asia/Seoul"), "ann@x.com": (time(7, 30), time(16), "Europe/London")}
    window = (utc(2026, 1, 12), utc(2026, 1, 13))
    free = free_intervals({}, *window, working_hours=hours)
    assert free == [(utc(2026, 1, 12, 7, 30), utc(2026, 1, 12, 11))]  # London 07:30 .. Seoul 20:00
    slots = find_slots({}, HOUR, *window, working_hours=hours, step=timedelta(minutes=15))
    assert slots[0][0] == utc(2026, 1, 12, 7, 30) and slots[-1][0] == utc(2026, 1, 12, 8, 30)


def test_london_new_york_overlap_moves_with_both_dst_changes():
    """London leaves summer time on 2026-10-25, New York on 2026-11-01: the overlap is 4h, 5h, then 4h."""
    zones = {"ann@x.com": "Europe/London", "bob@x.com": "America/New_York"}
    free = free_intervals({e: [] for e in zones}, utc(2026, 10, 19), utc(2026, 11, 7), attendee_zones=zones)
    by_day = {s.date().isoformat(): (s, e) for s, e in free}
    assert by_day["2026-10-23"] == (utc(2026, 10, 23, 13), utc(2026, 10, 23, 17))  # BST / EDT
    assert by_day["2026-10-26"] == (utc(2026, 10, 26, 13), utc(2026, 10, 26, 18))  # GMT / EDT
    assert by_day["2026-10-30"] == (utc(2026, 10, 30, 13), utc(2026, 10, 30, 18))
    assert by_day["2026-11-02"] == (utc(2026, 11, 2, 14), utc(2026, 11, 2, 18))  # GMT / EST
    assert len(free) == 15  # weekdays only
    for s, e in free:  # always inside 9-18 local for both
        for zone in (LONDON, NEW_YORK):
            assert 9 <= s.astimezone(zone).hour and (e.astimezone(zone).hour, e.astimezone(zone).minute) <= (18, 0)


def test_new_york_fall_back_night_has_three_real_hours_between_1_and_3():
    """On 2026-11-01 New York's clocks go 01:59 EDT -> 01:00 EST: 01:00-03:00 local lasts three hours."""
    start = datetime(2026, 11, 1, tzinfo=NEW_YORK)
    slots = find_slots({"bob@x.com": []}, HOUR, start, start + timedelta(days=1), working_hours=(1, 3),
                       attendee_zones={"bob@x.com": "America/New_York"}, step=HOUR, weekdays_only=False)
    assert [s.astimezone(UTC) for s, _ in slots] == [utc(2026, 11, 1, 5), utc(2026, 11, 1, 6), utc(2026, 11, 1, 7)]
    assert all(e.astimezone(UTC) - s.astimezone(UTC) == HOUR for s, e in slots)
    assert [s.utcoffset() for s, _ in slots] == [timedelta(hours=-4), timedelta(hours=-5), timedelta(hours=-5)]


def test_london_dst_days_are_25_and_23_hours_long():
    for day, hours in ((datetime(2026, 10, 25, tzinfo=LONDON), 25), (datetime(2026, 3, 29, tzinfo=LONDON), 23)):
        free = free_intervals({"ann@x.com": []}, day, day + timedelta(days=1), working_hours=(0, 24),
                              attendee_zones={"ann@x.com": "Europe/London"}, weekdays_only=False)
        assert len(free) == 1
        assert free[0][1].astimezone(UTC) - free[0][0].astimezone(UTC) == timedelta(hours=hours)


def test_an_all_day_event_blocks_the_whole_day_in_the_attendees_zone():
    zones = {"kim@x.com": "Asia/Seoul", "ann@x.com": "Europe/London"}
    seoul_monday = busy((datetime(2026, 6, 15, tzinfo=SEOUL), datetime(2026, 6, 16, tzinfo=SEOUL)))
    slots = find_slots({"kim@x.com": seoul_monday, "ann@x.com": []}, HOUR, utc(2026, 6, 15), utc(2026, 6, 20),
                       attendee_zones=zones, limit=10)
    assert [s for s, _ in slots] == [utc(2026, 6, d, 8) for d in range(16, 20)]


def test_a_weekly_recurring_meeting_blocks_every_week():
    weekly = busy(*[(utc(2026, 3, 2, 9) + timedelta(weeks=w), utc(2026, 3, 2, 17) + timedelta(weeks=w))
                    for w in range(4)])
    slots = find_slots({"a@x.com": weekly}, HOUR, MONDAY, MONDAY + timedelta(weeks=4), limit=100, step=HOUR)
    assert slots and all(not (s.weekday() == 0 and s.hour < 17) for s, _ in slots)
    assert utc(2026, 3, 9, 17) in [s for s, _ in slots]


def test_result_is_in_the_windows_zone():
    start = datetime(2026, 3, 3, tzinfo=SEOUL)  # a Tuesday (Monday 3-2 is a Korean substitute holiday)
    slots = find_slots({"kim@x.com": []}, HOUR, start, start + timedelta(days=1),
                       attendee_zones={"kim@x.com": "Asia/Seoul"}, limit=1)
    assert slots[0][0] == datetime(2026, 3, 3, 9, tzinfo=SEOUL) and slots[0][0].tzinfo == SEOUL


@pytest.mark.parametrize("call", [
    lambda: find_slots({}, HOUR, datetime(2026, 3, 2), datetime(2026, 3, 3)),
    lambda: find_slots({}, -HOUR, MONDAY, MONDAY + HOUR),
    lambda: find_slots({}, HOUR, MONDAY, MONDAY),
    lambda: find_slots({}, HOUR, MONDAY, MONDAY + HOUR, attendee_zones={"a@x.com": "Mars/Olympus"}),
    lambda: find_slots({"a@x.com": [Busy(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))]}, HOUR, MONDAY,
                       MONDAY + timedelta(days=1)),
    lambda: find_slots({}, HOUR, MONDAY, MONDAY + HOUR, working_hours=(9, 25)),
])
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()


def _brute_force(busy, duration, window_start, window_end, zones, step, hours=(9, 18)):
    """Every step-aligned candidate checked one by one, the slow obvious way."""
    tz = window_start.tzinfo
    candidate = datetime.combine(window_start.date(), time(0), tz).astimezone(UTC)
    found = []
    while candidate + duration <= window_end.astimezone(UTC):
        end = candidate + duration
        ok = candidate >= window_start
        for person, zone_name in zones.items():
            zone = ZoneInfo(zone_name)
            local = candidate.astimezone(zone)
            day_start = datetime.combine(local.date(), time(hours[0]), zone)
            day_end = datetime.combine(local.date(), time(hours[1]), zone)
            ok = ok and local.weekday() < 5 and day_start <= candidate and end <= day_end
            ok = ok and all(not (b.start < end and candidate < b.end) for b in busy.get(person, []))
        if ok:
            found.append((candidate, end))
        candidate += step
    return [(s.astimezone(tz), e.astimezone(tz)) for s, e in found]


@pytest.mark.parametrize("seed", range(6))
def test_sweep_matches_brute_force_over_the_autumn_dst_changes(seed):
    rng = random.Random(seed)
    zones = {"ann@x.com": "Europe/London", "bob@x.com": "America/New_York", "eva@x.com": "Europe/Berlin"}
    window = (datetime(2026, 10, 21, 6, tzinfo=LONDON), datetime(2026, 11, 4, 12, tzinfo=LONDON))
    busy = {}
    for person, zone_name in zones.items():
        spans = []
        for _ in range(rng.randrange(5, 60)):
            start = datetime(2026, 10, 19, tzinfo=UTC) + timedelta(minutes=5 * rng.randrange(17 * 24 * 12))
            start = start.astimezone(ZoneInfo(rng.choice([zone_name, "UTC", "Asia/Seoul"])))
            spans.append(Busy(start, start + timedelta(minutes=rng.choice([5, 30, 55, 60, 240, 1440]))))
        busy[person] = spans
    duration = timedelta(minutes=rng.choice([30, 45, 60, 90]))
    step = timedelta(minutes=rng.choice([15, 30]))
    expected = _brute_force(busy, duration, *window, zones, step)
    got = find_slots(busy, duration, *window, attendee_zones=zones, step=step, limit=10_000)
    assert expected and got == expected

"""Public holidays (the ``holidays`` package): holiday names in the resolver, working-day arithmetic, and
slot finding that never lands on a public holiday of an attendee's country. Dates checked against the
library: 추석 2026 = Sep 24-26 (Thu-Sat), Christmas 2026 = Friday Dec 25."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tools.slots import find_slots, free_intervals
from tools.time import country_of_zone, find_all, is_holiday, is_working_day, next_working_day, resolve
from tools.time.holiday import holiday_date, public_holidays

SEOUL, NEW_YORK = ZoneInfo("Asia/Seoul"), ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)


def test_the_library_agrees_with_the_dates_the_tests_use():
    kr = public_holidays("KR", 2026)
    assert {date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26)} <= set(kr)
    assert date(2026, 12, 25) in public_holidays("US", 2026) and date(2026, 12, 25).weekday() == 4


@pytest.mark.parametrize("zone, country", [("Asia/Seoul", "KR"), ("America/New_York", "US"), ("Europe/London", "GB"),
                                           ("US/Pacific", "US"), ("UTC", None), ("Etc/GMT-9", None), ("", None)])
def test_country_of_zone(zone, country):
    assert country_of_zone(zone) == country


# (phrase, now, zone, start date, end date (exclusive))
NAMES = [
    ("추석", "2026-09-01", "Asia/Seoul", "2026-09-25", "2026-09-26"),
    ("한가위", "2026-09-01", "Asia/Seoul", "2026-09-25", "2026-09-26"),
    ("추석 연휴", "2026-09-01", "Asia/Seoul", "2026-09-24", "2026-09-28"),
    ("2027년 설날", "2026-09-01", "Asia/Seoul", "2027-02-07", "2027-02-08"),
    ("설 연휴", "2026-11-26", "Asia/Seoul", "2027-02-06", "2027-02-10"),
    ("부처님오신날", "2026-01-10", "Asia/Seoul", "2026-05-24", "2026-05-25"),
    ("석가탄신일", "2026-01-10", "Asia/Seoul", "2026-05-24", "2026-05-25"),
    ("대체공휴일", "2026-09-01", "Asia/Seoul", "2026-10-05", "2026-10-06"),
    ("크리스마스", "2026-11-26", "Asia/Seoul", "2026-12-25", "2026-12-26"),
    ("Chuseok", "2026-09-01", "Asia/Seoul", "2026-09-25", "2026-09-26"),
    ("the Chuseok holidays", "2026-09-01", "Asia/Seoul", "2026-09-24", "2026-09-28"),
    ("Lunar New Year 2027", "2026-09-01", "UTC", "2027-02-07", "2027-02-08"),
    ("Buddha's birthday", "2026-01-10", "UTC", "2026-05-24", "2026-05-25"),
    ("Christmas", "2026-11-26", "America/New_York", "2026-12-25", "2026-12-26"),
    ("Thanksgiving 2027", "2026-11-26", "America/New_York", "2027-11-25", "2027-11-26"),
    ("Good Friday 2026", "2026-01-10", "Europe/London", "2026-04-03", "2026-04-04"),
]


@pytest.mark.parametrize("phrase, now, zone, start, end", NAMES)
def test_holiday_names(phrase, now, zone, start, end):
    expr = resolve(phrase, datetime.fromisoformat(now + "T10:00"), zone)
    assert expr is not None
    assert (expr.start.date().isoformat(), expr.end.date().isoformat()) == (start, end)


@pytest.mark.parametrize("text", ["설명해 주세요", "설계 회의", "이 설정으로 가죠"])
def test_seol_inside_a_word_is_no_holiday(text):
    assert find_all(text, datetime(2026, 9, 1, 10), "Asia/Seoul") == []


@pytest.mark.parametrize("phrase, zone, start, end", [
    # said Tue 2026-09-22 in Seoul: Sep 24-26 are 추석, so the three working days are Wed 23, Mon 28, Tue 29
    ("the next 3 business days", "Asia/Seoul", "2026-09-23", "2026-09-30"),
    ("영업일 기준 앞으로 3일", "Asia/Seoul", "2026-09-23", "2026-09-30"),
    ("앞으로 3영업일", "Asia/Seoul", "2026-09-23", "2026-09-30"),
    # in New York the same days are working days
    ("the next 3 business days", "America/New_York", "2026-09-23", "2026-09-26"),
    # without a country (UTC) only weekends are skipped
    ("the next 3 business days", "UTC", "2026-09-23", "2026-09-26"),
])
def test_business_days_skip_the_zones_public_holidays(phrase, zone, start, end):
    expr = resolve(phrase, datetime(2026, 9, 22, 10), zone)
    assert expr is not None
    assert (expr.start.date().isoformat(), expr.end.date().isoformat()) == (start, end)


def test_working_day_helpers():
    assert not is_working_day(date(2026, 9, 25), "KR") and is_working_day(date(2026, 9, 25), "US")
    assert is_holiday(date(2026, 12, 25), "US") and not is_holiday(date(2026, 12, 25), None)
    assert next_working_day(date(2026, 9, 24), "KR") == date(2026, 9, 28)
    assert next_working_day(date(2026, 12, 25), "US") == date(2026, 12, 28)
    assert holiday_date("추석", 2027) == date(2027, 9, 15)


def requested_day(phrase: str, zone: str, now: str):
    """``phrase`` resolved on the date ``now`` at 10:00 in ``zone``, and the midnight starting its first day."""
    expr = resolve(phrase, datetime.fromisoformat(now + "T10:00"), zone)
    assert expr is not None and expr.start is not None
    return expr, datetime.combine(expr.start.date(), datetime.min.time(), ZoneInfo(zone))


@pytest.mark.parametrize("phrase, zone, now, first_slot", [
    # 추석 2026: Thu 24 - Sat 26; the request moves to Monday 28
    ("9월 25일 오후 2시에 한 시간", "Asia/Seoul", "2026-09-10", datetime(2026, 9, 28, 9, tzinfo=SEOUL)),
    ("추석 오후 3시", "Asia/Seoul", "2026-09-10", datetime(2026, 9, 28, 9, tzinfo=SEOUL)),
    ("September 24 at 10am", "Asia/Seoul", "2026-09-10", datetime(2026, 9, 28, 9, tzinfo=SEOUL)),
    # Christmas 2026 is a Friday in New York: the next working day is Monday 28
    ("Christmas at 10am", "America/New_York", "2026-12-01", datetime(2026, 12, 28, 9, tzinfo=NEW_YORK)),
    ("크리스마스 오전 10시", "America/New_York", "2026-12-01", datetime(2026, 12, 28, 9, tzinfo=NEW_YORK)),
])
def test_a_request_on_a_public_holiday_moves_to_the_next_working_day(phrase, zone, now, first_slot):
    expr, day = requested_day(phrase, zone, now)
    assert is_holiday(expr.start.date(), country_of_zone(zone))
    attendees = {"a@x.com": [], "b@x.com": []}
    slots = find_slots(attendees, HOUR, day, day + timedelta(days=7), preferred_start=expr.start,
                       attendee_zones={"a@x.com": zone, "b@x.com": zone}, limit=3)
    assert slots[0][0] == first_slot
    assert not any(is_holiday(s.date(), country_of_zone(zone)) for s, _ in slots)


def test_each_attendee_keeps_their_own_countrys_holidays():
    # Sep 25 2026: 추석 in Seoul, a working Friday in New York; Dec 25: a holiday in both
    day = datetime(2026, 9, 25, tzinfo=NEW_YORK)
    only_ny = find_slots({"ny@x.com": []}, HOUR, day, day + timedelta(days=1), attendee_zones={"ny@x.com": "America/New_York"})
    assert only_ny and only_ny[0][0].date() == date(2026, 9, 25)
    both = free_intervals({"ny@x.com": [], "kr@x.com": []}, datetime(2026, 9, 24, tzinfo=SEOUL),
                          datetime(2026, 9, 29, tzinfo=SEOUL), working_hours=(0, 24),
                          attendee_zones={"ny@x.com": "America/New_York", "kr@x.com": "Asia/Seoul"})
    assert both and all(s.astimezone(SEOUL).date() >= date(2026, 9, 28) for s, _ in both)
    # an attendee's own country wins over their zone; holiday_country overrides the zone; "" turns it off
    kr_in_ny = find_slots({"kim@x.com": []}, HOUR, day, day + timedelta(days=1), attendee_zones={"kim@x.com": "America/New_York"},
                          attendee_countries={"kim@x.com": "KR"})
    assert kr_in_ny == []
    assert find_slots({"a@x.com": []}, HOUR, day, day + timedelta(days=1), holiday_country="KR") == []
    seoul_day = datetime(2026, 9, 25, tzinfo=SEOUL)
    assert find_slots({"a@x.com": []}, HOUR, seoul_day, seoul_day + timedelta(days=1), holiday_country="")
    assert find_slots({"a@x.com": []}, HOUR, seoul_day, seoul_day + timedelta(days=1)) == []


@pytest.mark.parametrize("phrase, zone, now, preferred", [
    ("9월 25일 오후 2시", "Asia/Seoul", "2026-09-10", datetime(2026, 9, 28, 14, tzinfo=SEOUL)),
    ("추석 오후 3시", "Asia/Seoul", "2026-09-10", datetime(2026, 9, 28, 15, tzinfo=SEOUL)),
    ("September 26 at 10am", "Asia/Seoul", "2026-09-10", datetime(2026, 9, 28, 10, tzinfo=SEOUL)),
    ("Christmas at 2pm", "America/New_York", "2026-12-01", datetime(2026, 12, 28, 14, tzinfo=NEW_YORK)),
    ("크리스마스 오후 2시", "America/New_York", "2026-12-01", datetime(2026, 12, 28, 14, tzinfo=NEW_YORK)),
])
def test_a_requested_holiday_rolls_to_the_next_working_day_at_the_same_time(phrase, zone, now, preferred):
    from tools.slots import roll_to_working_day

    expr, day = requested_day(phrase, zone, now)
    start, end, pref = roll_to_working_day(day, day + timedelta(days=1), expr.start)
    assert pref == preferred and start.date() == preferred.date() and end - start == timedelta(days=1)
    slots = find_slots({"a@x.com": []}, HOUR, start, end, preferred_start=pref, attendee_zones={"a@x.com": zone})
    assert slots[0][0] == preferred


def test_a_window_with_a_working_day_is_left_alone():
    from tools.slots import roll_to_working_day

    s, e = datetime(2026, 9, 24, tzinfo=SEOUL), datetime(2026, 10, 1, tzinfo=SEOUL)  # 추석 week, Mon 28 inside
    assert roll_to_working_day(s, e) == (s, e, None)
    # weekends only when the holiday country is turned off: Friday 9-25 is then a working day
    f = datetime(2026, 9, 25, tzinfo=SEOUL)
    assert roll_to_working_day(f, f + timedelta(days=1), holiday_country="") == (f, f + timedelta(days=1), None)

"""One table per family of time expressions added for issue 15, both languages where the family exists.
Said on Wednesday 2026-03-11 14:00 in Seoul unless a row names another zone (this week = Mar 9..15)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tools.time import resolve

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=ZoneInfo("Asia/Seoul"))


def _check(phrase, kind, start, end, zone="Asia/Seoul"):
    e = resolve(phrase, NOW, zone)
    assert e is not None, phrase
    fmt = "%Y-%m-%d %H:%M"
    got = (e.kind, e.start.strftime(fmt) if e.start else None, e.end.strftime(fmt) if e.end else None)
    assert got == (kind, start, end), phrase


CLOCKS = [
    ("at 9h45", "instant", "2026-03-11 09:45", "2026-03-11 09:46"),
    ("friday 17h00", "instant", "2026-03-13 17:00", "2026-03-13 18:00"),
    ("tonight 930", "instant", "2026-03-11 21:30", "2026-03-11 21:31"),
    ("tomorrow at 0830", "instant", "2026-03-12 08:30", "2026-03-12 08:31"),
    ("at 1:30-3 p.m.", "interval", "2026-03-11 13:30", "2026-03-11 15:00"),
    ("tomorrow morning at 12", "instant", "2026-03-12 12:00", "2026-03-12 13:00"),
    ("내일 오전 8시 45분", "instant", "2026-03-12 08:45", "2026-03-12 08:46"),
    ("8 tonight", "instant", "2026-03-11 20:00", "2026-03-11 21:00"),
    ("a quarter to noon", "instant", "2026-03-11 11:45", "2026-03-11 11:46"),
    ("mid-day tomorrow", "instant", "2026-03-12 12:00", "2026-03-12 13:00"),
]

OFFSETS = [
    ("in 3 and a half hours", "instant", "2026-03-11 17:30", "2026-03-11 17:31"),
    ("in 2 hours and 15 minutes", "instant", "2026-03-11 16:15", "2026-03-11 16:16"),
    ("within 45 minutes", "interval", "2026-03-11 14:00", "2026-03-11 14:45"),
    ("a fortnight ago", "instant", "2026-02-25 00:00", "2026-02-26 00:00"),
    ("fortnight from now", "instant", "2026-03-25 00:00", "2026-03-26 00:00"),
    ("in a half hour", "instant", "2026-03-11 14:30", "2026-03-11 14:31"),
    ("the day after Christmas", "instant", "2026-12-26 00:00", "2026-12-27 00:00"),
    ("두시간내", "interval", "2026-03-11 14:00", "2026-03-11 16:00"),
    ("세 시간 반 안에", "interval", "2026-03-11 14:00", "2026-03-11 17:30"),
    ("사십분 내로", "interval", "2026-03-11 14:00", "2026-03-11 14:40"),
    ("몇 분 안에", "interval", "2026-03-11 14:00", "2026-03-11 14:03"),
    ("이틀 안에", "instant", "2026-03-13 00:00", "2026-03-14 00:00"),  # a day-unit deadline stays a day
]

ZONES = [
    ("friday 10am PST", "instant", "2026-03-14 02:00", "2026-03-14 03:00"),  # PDT (-7) from Mar 8
    ("2pm ET", "instant", "2026-03-12 03:00", "2026-03-12 04:00"),  # EDT: 14:00 Mar 11 in New York
    ("tomorrow 9am UTC", "instant", "2026-03-12 18:00", "2026-03-12 19:00"),
    ("at 11am GMT+1", "instant", "2026-03-11 19:00", "2026-03-11 20:00"),
    ("Thursday 8:00 gmt", "instant", "2026-03-12 17:00", "2026-03-12 18:00"),
    ("런던 시간 오후 2시", "instant", "2026-03-11 23:00", "2026-03-12 00:00"),
    ("도쿄 시간 내일 오전 10시", "instant", "2026-03-12 10:00", "2026-03-12 11:00"),
]

PERIODS = [
    ("the end of the coming month", "interval", "2026-04-16 00:00", "2026-05-01 00:00"),
    ("the third last week of May 2026", "instant", "2026-05-11 00:00", "2026-05-18 00:00"),
    ("the penultimate week of June 2026", "instant", "2026-06-15 00:00", "2026-06-22 00:00"),
    ("1st qtr 2027", "interval", "2027-01-01 00:00", "2027-04-01 00:00"),
    ("by COB", "interval", "2026-03-11 14:00", "2026-03-12 00:00"),
    ("before EOY", "interval", "2026-03-11 14:00", "2027-01-01 00:00"),
    ("the last day of February", "instant", "2027-02-28 00:00", "2027-03-01 00:00"),
    ("the first day of the year", "instant", "2026-01-01 00:00", "2026-01-02 00:00"),
    ("through 2019", "open-before", None, "2020-01-01 00:00"),
    ("this week-end", "interval", "2026-03-14 00:00", "2026-03-16 00:00"),
    ("4월 말일", "instant", "2026-04-30 00:00", "2026-05-01 00:00"),
    ("다음 달 말일까지", "open-before", None, "2026-05-01 00:00"),
    ("이달 첫날", "instant", "2026-03-01 00:00", "2026-03-02 00:00"),
]

SPACING = [
    ("다음주월요일오전10시", "instant", "2026-03-16 10:00", "2026-03-16 11:00"),
    ("모레저녁", "interval", "2026-03-13 18:00", "2026-03-13 21:00"),
    ("이번주말", "interval", "2026-03-14 00:00", "2026-03-16 00:00"),
    ("3월20일오후2시", "instant", "2026-03-20 14:00", "2026-03-20 15:00"),
    ("다음달15일까지", "open-before", None, "2026-04-16 00:00"),
    ("내일모레오후네시", "instant", "2026-03-13 16:00", "2026-03-13 17:00"),
]

SINO_KOREAN = [  # numbers read in Sino-Korean words
    ("삼월 이십일", "instant", "2026-03-20 00:00", "2026-03-21 00:00"),
    ("시월 구일", "instant", "2026-10-09 00:00", "2026-10-10 00:00"),
    ("유월에", "instant", "2026-06-01 00:00", "2026-07-01 00:00"),
    ("이천이십칠년 이월 십사일", "instant", "2027-02-14 00:00", "2027-02-15 00:00"),
    ("이천이십오년", "instant", "2025-01-01 00:00", "2026-01-01 00:00"),
    ("오분 내", "interval", "2026-03-11 14:00", "2026-03-11 14:05"),
    ("삼일 후", "instant", "2026-03-14 00:00", "2026-03-15 00:00"),
    ("이주 뒤", "instant", "2026-03-25 00:00", "2026-03-26 00:00"),
]

WEEKDAY_YEAR = [
    ("Aug 1, Sat", "instant", "2026-08-01 00:00", "2026-08-02 00:00"),  # this year's already is a Saturday
    ("Thu, Jan 4", "instant", "2024-01-04 00:00", "2024-01-05 00:00"),
    ("Sunday, June 5", "instant", "2022-06-05 00:00", "2022-06-06 00:00"),
    ("1월 4일 목요일", "instant", "2024-01-04 00:00", "2024-01-05 00:00"),
    ("6월 5일 일요일", "instant", "2022-06-05 00:00", "2022-06-06 00:00"),
]


@pytest.mark.parametrize("phrase, kind, start, end", CLOCKS)
def test_clock_forms(phrase, kind, start, end):
    _check(phrase, kind, start, end)


@pytest.mark.parametrize("phrase, kind, start, end", OFFSETS)
def test_offsets_from_now(phrase, kind, start, end):
    _check(phrase, kind, start, end)


@pytest.mark.parametrize("phrase, kind, start, end", ZONES)
def test_explicit_zones_are_converted_to_the_meeting_zone(phrase, kind, start, end):
    _check(phrase, kind, start, end)


@pytest.mark.parametrize("phrase, kind, start, end", PERIODS)
def test_periods(phrase, kind, start, end):
    _check(phrase, kind, start, end)


@pytest.mark.parametrize("phrase, kind, start, end", SPACING)
def test_spacing_free_korean(phrase, kind, start, end):
    _check(phrase, kind, start, end)


@pytest.mark.parametrize("phrase, kind, start, end", SINO_KOREAN)
def test_sino_korean_numbers(phrase, kind, start, end):
    _check(phrase, kind, start, end)


@pytest.mark.parametrize("text", ["이월된 예산", "구분 내에서", "일일 보고", "이분 안에 들어오세요"])
def test_sino_words_that_are_no_time(text):
    e = resolve(text, NOW, "Asia/Seoul")
    assert e is None, text


@pytest.mark.parametrize("phrase, kind, start, end", WEEKDAY_YEAR)
def test_weekday_fixes_the_year(phrase, kind, start, end):
    _check(phrase, kind, start, end)


def test_thursday_8h00_is_a_time_not_a_date():
    e = resolve("Thursday 8h00 PST", NOW, "America/Los_Angeles")
    assert e is not None and (e.start.weekday(), e.start.hour, e.start.minute) == (3, 8, 0)


def test_meeting_phrase_eval_scores_each_family(tmp_path):
    """evals.time.run_meeting_phrases: exact kind and window per phrase, reported per family and language."""
    import json

    from evals.time import MEETING_FILE, run_meeting_phrases

    rows = [{"family": "clock", "lang": "en", "text": "at 15h30", "kind": "instant",
             "start": "2026-11-26T15:30", "end": "2026-11-26T15:31"},
            {"family": "clock", "lang": "ko", "text": "오후 3시", "kind": "instant",  # wrong on purpose
             "start": "2026-11-26T03:00", "end": "2026-11-26T04:00"},
            {"family": "period", "lang": "ko", "text": "12월 말일", "kind": "instant",
             "start": "2026-12-31T00:00", "end": "2027-01-01T00:00"}]
    path = tmp_path / "phrases.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    r = run_meeting_phrases(path)
    assert r["accuracy"]["family.clock"] == 0.5 and r["accuracy"]["family.period"] == 1.0
    assert r["accuracy"]["lang.ko"] == 0.5 and r["counts"]["all"] == 3
    assert [f["text"] for f in r["failures"]] == ["오후 3시"]
    shipped = run_meeting_phrases(MEETING_FILE)
    assert shipped["counts"]["all"] >= 60 and {"family.zone", "family.period", "family.holiday"} <= set(shipped["accuracy"])

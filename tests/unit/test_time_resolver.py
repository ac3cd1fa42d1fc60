"""Table-driven tests of the Korean + English time resolver (tools.time.resolver).

Reference time: 2026-11-26 10:00 Asia/Seoul, a Thursday (this week = Mon 11-23 .. Sun 11-29).
Expected windows are written out by hand from the semantics documented in tools/time/core.py.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import InputError
from tools.time import (
    TimeExpression,
    detect_lang,
    due_date,
    find_all,
    parse_duration,
    resolve,
    when_batch,
    when_json,
)

SEOUL = "Asia/Seoul"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo(SEOUL))


def _d(s: str) -> str:
    """'11-27' / '11-27 15:00' / '2027-01-05' -> ISO with the Seoul offset."""
    if len(s.split()[0]) == 5:
        s = "2026-" + s
    if " " not in s:
        s += " 00:00"
    return datetime.fromisoformat(s).replace(tzinfo=ZoneInfo(SEOUL)).isoformat()


# (phrase, kind, start, end, grain); start/end in _d() shorthand, None for an open side.
KO_CASES = [
    ("오늘", "instant", "11-26", "11-27", "day"),
    ("내일", "instant", "11-27", "11-28", "day"),
    ("모레", "instant", "11-28", "11-29", "day"),
    ("글피", "instant", "11-29", "11-30", "day"),
    ("어제", "instant", "11-25", "11-26", "day"),
    ("그저께", "instant", "11-24", "11-25", "day"),
    ("이번 주", "instant", "11-23", "11-30", "week"),
    ("다음 주", "instant", "11-30", "12-07", "week"),
    ("다다음 주", "instant", "12-07", "12-14", "week"),
    ("지난 주", "instant", "11-16", "11-23", "week"),
    ("다음 주 화요일", "instant", "12-01", "12-02", "day"),
    ("이번 주 금요일", "instant", "11-27", "11-28", "day"),
    ("지난 주 금요일", "instant", "11-20", "11-21", "day"),
    ("다다음 주 월요일", "instant", "12-07", "12-08", "day"),
    ("금요일", "instant", "11-27", "11-28", "day"),
    ("목요일", "instant", "11-26", "11-27", "day"),  # today counts
    ("수요일", "instant", "12-02", "12-03", "day"),
    ("다가오는 목요일", "instant", "12-03", "12-04", "day"),
    ("지난 수요일", "instant", "11-25", "11-26", "day"),
    ("다음 주 화요일 오후", "interval", "12-01 12:00", "12-01 18:00", "hour"),
    ("내일 오전", "interval", "11-27 08:00", "11-27 12:00", "hour"),
    ("오늘 저녁", "interval", "11-26 18:00", "11-26 21:00", "hour"),
    ("오늘 밤", "interval", "11-26 20:00", "11-27 00:00", "hour"),
    ("내일 새벽", "interval", "11-27 00:00", "11-27 06:00", "hour"),
    ("점심", "interval", "11-26 12:00", "11-26 13:00", "hour"),
    ("내일 아침 9시", "instant", "11-27 09:00", "11-27 10:00", "hour"),
    ("오후 3시", "instant", "11-26 15:00", "11-26 16:00", "hour"),
    ("오후 3시 30분", "instant", "11-26 15:30", "11-26 15:31", "minute"),
    ("오후 3시 반", "instant", "11-26 15:30", "11-26 15:31", "minute"),
    ("3시", "instant", "11-26 15:00", "11-26 16:00", "hour"),
    ("9시", "instant", "11-26 09:00", "11-26 10:00", "hour"),
    ("열두 시", "instant", "11-26 12:00", "11-26 13:00", "hour"),
    ("두 시", "instant", "11-26 14:00", "11-26 15:00", "hour"),
    ("세 시 반", "instant", "11-26 15:30", "11-26 15:31", "minute"),
    ("열한 시", "instant", "11-26 11:00", "11-26 12:00", "hour"),
    ("저녁 7시", "instant", "11-26 19:00", "11-26 20:00", "hour"),
    ("밤 11시", "instant", "11-26 23:00", "11-27 00:00", "hour"),
    ("새벽 2시", "instant", "11-26 02:00", "11-26 03:00", "hour"),
    ("정오", "instant", "11-26 12:00", "11-26 13:00", "hour"),
    ("자정", "instant", "11-27 00:00", "11-27 01:00", "hour"),
    ("12월 3일", "instant", "12-03", "12-04", "day"),
    ("3일", "instant", "12-03", "12-04", "day"),  # day 3 of this month has passed -> next month
    ("28일", "instant", "11-28", "11-29", "day"),
    ("2027년 1월 5일", "instant", "2027-01-05", "2027-01-06", "day"),
    ("다음 달", "instant", "12-01", "2027-01-01", "month"),
    ("이번 달", "instant", "11-01", "12-01", "month"),
    ("이번 달 말", "interval", "11-16", "12-01", "day"),
    ("월말", "interval", "11-16", "12-01", "day"),
    ("연말", "interval", "07-01", "2027-01-01", "month"),
    ("내년", "instant", "2027-01-01", "2028-01-01", "year"),
    ("2026년 12월", "instant", "12-01", "2027-01-01", "month"),
    ("3일 후", "instant", "11-29", "11-30", "day"),
    ("5일 뒤", "instant", "12-01", "12-02", "day"),
    ("2주 후", "instant", "12-10", "12-11", "day"),
    ("한 달 후", "instant", "12-26", "12-27", "day"),
    ("사흘 뒤", "instant", "11-29", "11-30", "day"),
    ("두 시간 후", "instant", "11-26 12:00", "11-26 12:01", "minute"),
    ("30분 뒤", "instant", "11-26 10:30", "11-26 10:31", "minute"),
    ("오후 2시부터 4시까지", "interval", "11-26 14:00", "11-26 16:00", "hour"),
    ("3시~5시", "interval", "11-26 15:00", "11-26 17:00", "hour"),
    ("내일 오전 10시부터 12시까지", "interval", "11-27 10:00", "11-27 12:00", "hour"),
    ("2시에서 4시 사이", "interval", "11-26 14:00", "11-26 16:00", "hour"),
    ("금요일 오후 1시부터 2시 30분까지", "interval", "11-27 13:00", "11-27 14:30", "minute"),
    ("금요일까지", "open-before", None, "11-28", "day"),
    ("12월 3일까지", "open-before", None, "12-04", "day"),
    ("오후 5시까지", "open-before", None, "11-26 17:00", "hour"),
    ("내일부터", "open-after", "11-27", None, "day"),
    ("오후 3시 이후", "open-after", "11-26 15:00", None, "hour"),
    ("다음 주 이후", "open-after", "12-07", None, "week"),
    ("12월 3일부터 5일까지", "interval", "12-03", "12-06", "day"),  # inclusive end
    ("다음 달 4일부터 23일까지", "interval", "12-04", "12-24", "day"),
    ("내일 회의는 오후 3시에 시작합니다", "instant", "11-27 15:00", "11-27 16:00", "hour"),
    ("다음 주 월요일 아침 9시에 보자", "instant", "11-30 09:00", "11-30 10:00", "hour"),
    ("오늘 오후 4시", "instant", "11-26 16:00", "11-26 17:00", "hour"),
    ("10:30", "instant", "11-26 10:30", "11-26 10:31", "minute"),
    ("15:00", "instant", "11-26 15:00", "11-26 16:00", "hour"),
    ("12월 24일 오후 6시", "instant", "12-24 18:00", "12-24 19:00", "hour"),
    ("지금", "instant", "11-26 10:00", "11-26 10:01", "minute"),
    ("월요일부터", "open-after", "11-30", None, "day"),  # Korean 부터 looks forward
    ("오후 3시부터 2시간 동안", "interval", "11-26 15:00", "11-26 17:00", "hour"),
    ("다음 주 수요일 2시", "instant", "12-02 14:00", "12-02 15:00", "hour"),
]

EN_CASES = [
    ("today", "instant", "11-26", "11-27", "day"),
    ("tomorrow", "instant", "11-27", "11-28", "day"),
    ("yesterday", "instant", "11-25", "11-26", "day"),
    ("the day after tomorrow", "instant", "11-28", "11-29", "day"),
    ("next Tuesday", "instant", "12-01", "12-02", "day"),  # the Tuesday of next week
    ("this Friday", "instant", "11-27", "11-28", "day"),
    ("last Friday", "instant", "11-20", "11-21", "day"),  # the Friday of last week
    ("Friday", "instant", "11-27", "11-28", "day"),
    ("on Thursday", "instant", "11-26", "11-27", "day"),
    ("next week", "instant", "11-30", "12-07", "week"),
    ("this week", "instant", "11-23", "11-30", "week"),
    ("last week", "instant", "11-16", "11-23", "week"),
    ("next month", "instant", "12-01", "2027-01-01", "month"),
    ("in two weeks", "instant", "12-10", "12-11", "day"),
    ("in 3 days", "instant", "11-29", "11-30", "day"),
    ("10 days from now", "instant", "12-06", "12-07", "day"),
    ("two weeks ago", "instant", "11-12", "11-13", "day"),
    ("in 2 hours", "instant", "11-26 12:00", "11-26 12:01", "minute"),
    ("in 90 minutes", "instant", "11-26 11:30", "11-26 11:31", "minute"),
    ("end of the month", "interval", "11-16", "12-01", "day"),
    ("end of the year", "interval", "07-01", "2027-01-01", "month"),
    ("end of next week", "interval", "12-03", "12-07", "day"),
    ("this morning", "interval", "11-26 08:00", "11-26 12:00", "hour"),
    ("tomorrow afternoon", "interval", "11-27 12:00", "11-27 18:00", "hour"),
    ("this evening", "interval", "11-26 18:00", "11-26 21:00", "hour"),
    ("tonight", "interval", "11-26 20:00", "11-27 00:00", "hour"),
    ("next Monday afternoon", "interval", "11-30 12:00", "11-30 18:00", "hour"),
    ("noon", "instant", "11-26 12:00", "11-26 13:00", "hour"),
    ("midnight", "instant", "11-27 00:00", "11-27 01:00", "hour"),
    ("3pm", "instant", "11-26 15:00", "11-26 16:00", "hour"),
    ("3:30 p.m.", "instant", "11-26 15:30", "11-26 15:31", "minute"),
    ("15:00", "instant", "11-26 15:00", "11-26 16:00", "hour"),
    ("at 3", "instant", "11-26 15:00", "11-26 16:00", "hour"),
    ("at 9", "instant", "11-26 09:00", "11-26 10:00", "hour"),
    ("12/3", "instant", "12-03", "12-04", "day"),
    ("Dec 3rd", "instant", "12-03", "12-04", "day"),
    ("3 December", "instant", "12-03", "12-04", "day"),
    ("December 3, 2026", "instant", "12-03", "12-04", "day"),
    ("December 3, 2027", "instant", "2027-12-03", "2027-12-04", "day"),
    ("from 2 to 4pm", "interval", "11-26 14:00", "11-26 16:00", "hour"),
    ("between 1 and 3", "interval", "11-26 13:00", "11-26 15:00", "hour"),
    ("9am-11am", "interval", "11-26 09:00", "11-26 11:00", "hour"),
    ("tomorrow from 10am to noon", "interval", "11-27 10:00", "11-27 12:00", "hour"),
    ("from 2pm for 2 hours", "interval", "11-26 14:00", "11-26 16:00", "hour"),
    ("by Friday", "open-before", None, "11-28", "day"),
    ("before noon", "open-before", None, "11-26 12:00", "hour"),
    ("after 5pm", "open-after", "11-26 17:00", None, "hour"),
    ("until Dec 3", "open-before", None, "12-04", "day"),
    ("since yesterday", "open-after", "11-25", None, "day"),
    ("tomorrow at 3pm", "instant", "11-27 15:00", "11-27 16:00", "hour"),
    ("the day after tomorrow at 9am", "instant", "11-28 09:00", "11-28 10:00", "hour"),
    ("next Friday at 10:30am", "instant", "12-04 10:30", "12-04 10:31", "minute"),
    ("Dec 3rd at 2pm", "instant", "12-03 14:00", "12-03 15:00", "hour"),
    ("Let's meet tomorrow. How about 4pm?", "instant", "11-27 16:00", "11-27 17:00", "hour"),
    ("now", "instant", "11-26 10:00", "11-26 10:01", "minute"),
    ("since Monday", "open-after", "11-23", None, "day"),  # English since looks back
    ("for 3 days from today", "interval", "11-26", "11-29", "day"),
    ("a week starting tomorrow", "interval", "11-27", "12-04", "day"),
    ("the first week of December", "instant", "11-30", "12-07", "week"),
]

# Rule groups added for the Recognizers-Text eval, in the product convention (NOW: Thu 2026-11-26 10:00).
KO_CASES += [
    ("크리스마스", "instant", "12-25", "12-26", "day"),  # fixed-date holidays: the next one
    ("올해 크리스마스 이브", "instant", "12-24", "12-25", "day"),
    ("한글날 전에", "open-before", None, "2027-10-09", "day"),
    ("내일로부터 3일 후", "instant", "11-30", "12-01", "day"),  # n units from an anchor
    ("지금부터 3분 있다", "instant", "11-26 10:03", "11-26 10:04", "minute"),
    ("영업일 기준 앞으로 나흘", "interval", "11-27", "12-03", "day"),  # working days: Fri, Mon-Wed
    ("올해 현재까지", "interval", "01-01", "11-26", "day"),
    ("오늘 늦게", "interval", "11-26 12:00", "11-27 00:00", "hour"),
    ("오늘 중간에", "interval", "11-26 10:00", "11-26 14:00", "hour"),
    ("오후 5에서 6시까지", "interval", "11-26 17:00", "11-26 18:00", "hour"),
    ("그해 말", "interval", "07-01", "2027-01-01", "month"),
    ("일주일 안에", "instant", "12-03", "12-04", "day"),
]
EN_CASES += [
    ("Christmas Eve", "instant", "12-24", "12-25", "day"),  # holidays, fixed and computed
    ("next Easter", "instant", "2027-03-28", "2027-03-29", "day"),
    ("Thanksgiving 2026", "instant", "11-26", "11-27", "day"),
    ("before New Year", "open-before", None, "2027-01-01", "day"),
    ("3 days after Christmas", "instant", "12-28", "12-29", "day"),  # n units before/after X
    ("2 weeks before Christmas", "instant", "12-11", "12-12", "day"),
    ("two months after next Friday", "instant", "2027-02-04", "2027-02-05", "day"),
    ("Monday two weeks from now", "instant", "12-07", "12-08", "day"),
    ("more than 2 weeks after today", "open-after", "12-10", None, "day"),
    ("less than 3 days after tomorrow", "interval", "11-27", "11-30", "day"),
    ("in half an hour", "instant", "11-26 10:30", "11-26 10:31", "minute"),
    ("next 4 business days", "interval", "11-27", "12-03", "day"),
    ("year to date", "interval", "01-01", "11-26", "day"),
    ("05-Aug-2016", "instant", "2016-08-05", "2016-08-06", "day"),  # more numeric date forms
    ("2019/aug/01", "instant", "2019-08-01", "2019-08-02", "day"),
    ("20161016", "instant", "2016-10-16", "2016-10-17", "day"),
    ("23.04.2022", "instant", "2022-04-23", "2022-04-24", "day"),
    ("from 10/1/2018-10/7/2018", "interval", "2018-10-01", "2018-10-08", "day"),
    ("Nov-Feb 2017", "interval", "2016-11-01", "2017-03-01", "month"),
    ("the day before", "instant", "11-25", "11-26", "day"),
    ("the same month", "instant", "11-01", "12-01", "month"),
    ("next fortnight", "interval", "12-07", "12-21", "day"),  # fortnights count from this Monday
    ("in a fortnight", "instant", "12-10", "12-11", "day"),
    ("at present", "instant", "11-26 10:00", "11-26 10:01", "minute"),
    ("the 15th day of next month", "instant", "12-15", "12-16", "day"),
    ("next workweek", "interval", "11-30", "12-05", "day"),
    ("the next 2 quarters", "interval", "2027-01-01", "2027-07-01", "month"),
    ("end of 2000", "interval", "2000-07-01", "2001-01-01", "month"),
    ("before the end of December", "open-before", None, "2027-01-01", "month"),
    ("after the beginning of March", "open-after", "2027-03-01", None, "month"),
    ("later in today", "interval", "11-26 12:00", "11-27 00:00", "hour"),
    ("the week beginning February 4", "instant", "2027-02-01", "2027-02-08", "week"),
    ("Thursdays at 17.30", "instant", "11-26 17:30", "11-26 17:31", "minute"),
]
# Round 3: spelled-out numbers, day ranges sharing a month, decades, parts of periods, holiday weekends,
# connectors carried to the time they govern, meals, next hour, "to date" (product convention).
EN_CASES += [
    ("in nineteen ninety six", "instant", "1996-01-01", "1997-01-01", "year"),
    ("January twenty five nineteen eighty six", "instant", "1986-01-25", "1986-01-26", "day"),
    ("October two thousand and five", "instant", "2005-10-01", "2005-11-01", "month"),
    ("May twenty nine", "instant", "2027-05-29", "2027-05-30", "day"),
    ("tomorrow at seven twenty-seven", "instant", "11-27 07:27", "11-27 07:28", "minute"),
    ("one thirty p m", "instant", "11-26 13:30", "11-26 13:31", "minute"),
    ("from three thirty to four thirty", "interval", "11-26 15:30", "11-26 16:30", "minute"),
    ("at 10 past 9", "instant", "11-26 09:10", "11-26 09:11", "minute"),
    ("april ninth through seventeenth", "interval", "2027-04-09", "2027-04-18", "day"),
    ("between 3 and 12 of December", "interval", "12-03", "12-13", "day"),
    ("from the 4th to the 23rd of next month", "interval", "12-04", "12-24", "day"),
    ("from april in 2027 to june in 2028", "interval", "2027-04-01", "2028-07-01", "month"),
    ("from 5/1-5/7/2027", "interval", "2027-05-01", "2027-05-08", "day"),
    ("from 10-1-2018-10-7-2018", "interval", "2018-10-01", "2018-10-08", "day"),
    ("2016 10 16", "instant", "2016-10-16", "2016-10-17", "day"),
    ("12-2015", "instant", "2015-12-01", "2016-01-01", "month"),
    ("sales_report-2002-10-09.xlsx", "instant", "2002-10-09", "2002-10-10", "day"),
    ("in the nineties", "interval", "1990-01-01", "2000-01-01", "year"),
    ("the next decade", "interval", "2030-01-01", "2040-01-01", "year"),
    ("the first 2 weeks of January", "interval", "2027-01-04", "2027-01-18", "day"),
    ("the last four months of 2021", "interval", "2021-09-01", "2022-01-01", "month"),
    ("the third month of next year", "instant", "2027-03-01", "2027-04-01", "month"),
    ("the first quarter of next year", "interval", "2027-01-01", "2027-04-01", "month"),
    ("week 27 of last year", "instant", "2025-06-30", "2025-07-07", "week"),
    ("labor day weekend", "interval", "2027-09-04", "2027-09-07", "day"),  # Monday holiday: Sat..Mon
    ("the weekend of thanksgiving 2023", "interval", "2023-11-23", "2023-11-27", "day"),
    ("after 3pm", "open-after", "11-26 15:00", None, "hour"),
    ("as early as 7:00 am", "open-after", "11-26 07:00", None, "hour"),
    ("next evening", "interval", "11-27 18:00", "11-27 21:00", "hour"),
    ("after dinner", "open-after", "11-26 21:00", None, "hour"),
    ("next hour", "interval", "11-26 10:00", "11-26 11:00", "minute"),
    ("in the next two days", "interval", "11-27", "11-29", "day"),
    ("year greater than 2012", "open-after", "2013-01-01", None, "year"),
    (">= 2019", "open-after", "2019-01-01", None, "year"),
    ("from March to date", "interval", "03-01", "11-27", "day"),
    ("between now and eight o'clock", "interval", "11-26 10:00", "11-26 20:00", "minute"),
    ("between 0730-0930", "interval", "11-26 07:30", "11-26 09:30", "minute"),
    ("beginning January 7th", "open-after", "2027-01-07", None, "day"),
    ("EOY", "interval", "11-26 10:00", "2027-01-01", "day"),  # a deadline: from now to the end of the year
    ("at mid night", "instant", "11-27 00:00", "11-27 01:00", "hour"),
]
# Round 4: a time zone named between date and time, a duration after "after/before" is not the window,
# a bare hour after "around" next to a day, "on the 17 from ...", compound offsets, "within 2h".
KO_CASES += [
    ("화요일 국제 표준시 기준 오후 1시 이후에", "open-after", "12-01 22:00", None, "hour"),  # 13:00 UTC
    ("오후 1시 이후에 15분간 미팅", "open-after", "11-26 13:00", None, "hour"),
    ("내일 한국 시간 기준 오후 3시", "instant", "11-27 15:00", "11-27 16:00", "hour"),
]
EN_CASES += [
    ("tonight around 7", "instant", "11-26 19:00", "11-26 20:00", "hour"),
    ("Friday around 4", "instant", "11-27 16:00", "11-27 17:00", "hour"),
    ("on the 17 from 2pm to 4pm", "interval", "12-17 14:00", "12-17 16:00", "hour"),
    ("2 years 1 month 21 days later", "instant", "2029-01-16", "2029-01-17", "day"),
    ("1 week and 3 days ago", "instant", "11-16", "11-17", "day"),
    ("within 2h", "interval", "11-26 10:00", "11-26 12:00", "minute"),
    ("after 1pm for 15 minutes", "open-after", "11-26 13:00", None, "hour"),
    ("from 2007 to the end of 2008", "interval", "2007-01-01", "2009-01-01", "month"),
]


@pytest.mark.parametrize("phrase,kind,start,end,grain", KO_CASES, ids=[c[0] for c in KO_CASES])
def test_korean_phrases(phrase, kind, start, end, grain):
    expr = resolve(phrase, NOW, SEOUL)
    assert expr is not None, phrase
    got = (expr.kind, expr.to_json()["start"], expr.to_json()["end"], expr.grain)
    want = (kind, _d(start) if start else None, _d(end) if end else None, grain)
    assert got == want, phrase


@pytest.mark.parametrize("phrase,kind,start,end,grain", EN_CASES, ids=[c[0] for c in EN_CASES])
def test_english_phrases(phrase, kind, start, end, grain):
    expr = resolve(phrase, NOW, SEOUL)
    assert expr is not None, phrase
    got = (expr.kind, expr.to_json()["start"], expr.to_json()["end"], expr.grain)
    want = (kind, _d(start) if start else None, _d(end) if end else None, grain)
    assert got == want, phrase


@pytest.mark.parametrize("text", [
    "회의록을 정리해 주세요.", "좋은 아침입니다", "방에 사람이 세 명 있다", "이것은 예상보다 오래 걸릴 수 있다",
    "Please summarize the meeting.", "This may take longer than expected.", "We have 21 coins.",
    "Good morning everyone", "", "좋은 주말 보내세요!",
    "I have two points", "the second version", "May I ask", "a march through the backlog",
    "We will have lunch together with Jim", "the dawn of a new era", "Is the doc up to date?",
    "a last minute change", "deliver two thousand pieces", "the 1st week went fine", "twenty five people came",
    "Labs were notable for a BUN/Cr of 30/4.85", "$DEC farming is coming", "Is this a valid date? 32 - 2015",
    "Tel: +86 138-2010-2015",
    "about 5 items were discussed", "We talked on the 3 projects at length", "around 7 people joined the call",
    "다음 안건 또는 두 번째 안건을 논의합시다", "표준시 기준으로 정리해 주세요",
])
def test_no_time_gives_none(text):
    assert resolve(text, NOW, SEOUL) is None
    assert find_all(text, NOW, SEOUL) == []


# ------------------------------------------------------------------------------- zones and DST
NY = "America/New_York"


def test_new_york_dst_end_day_is_25_hours():
    now = datetime(2026, 10, 31, 10, 0, tzinfo=ZoneInfo(NY))  # US DST ends Sun 2026-11-01 02:00
    expr = resolve("tomorrow", now, NY)
    assert expr.start.isoformat() == "2026-11-01T00:00:00-04:00"
    assert expr.end.isoformat() == "2026-11-02T00:00:00-05:00"
    # same-zone aware datetimes subtract as wall time in Python; compare real elapsed seconds
    assert expr.end.timestamp() - expr.start.timestamp() == 25 * 3600
    morning = resolve("tomorrow at 9am", now, NY)
    assert morning.start.isoformat() == "2026-11-01T09:00:00-05:00"


def test_new_york_elapsed_time_crosses_fall_back():
    now = datetime(2026, 11, 1, 0, 30, tzinfo=ZoneInfo(NY))  # 00:30 EDT
    expr = resolve("in 3 hours", now, NY)
    # three real hours later is 02:30 EST (the 01:00-02:00 hour happens twice)
    assert expr.start.isoformat() == "2026-11-01T02:30:00-05:00"
    assert expr.start.timestamp() - now.timestamp() == 3 * 3600


def test_new_york_spring_forward_gap_moves_forward():
    now = datetime(2027, 3, 13, 12, 0, tzinfo=ZoneInfo(NY))  # DST starts Sun 2027-03-14 02:00
    expr = resolve("tomorrow at 2:30am", now, NY)
    assert expr.start.isoformat() == "2027-03-14T03:30:00-04:00"


def test_now_in_another_zone_is_converted():
    now_utc = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # = 10:00 in Seoul
    assert resolve("오늘", now_utc, SEOUL).start.isoformat() == "2026-11-26T00:00:00+09:00"
    naive = datetime(2026, 11, 26, 23, 30)  # naive = wall time in the given zone
    assert resolve("tomorrow", naive, NY).start.isoformat() == "2026-11-27T00:00:00-05:00"


def test_invalid_time_zone_raises_input_error():
    with pytest.raises(InputError) as err:
        resolve("내일", NOW, "Mars/Olympus_Mons")
    assert err.value.hint
    with pytest.raises(InputError):
        due_date("tomorrow", NOW, "")


def test_invalid_language_raises_input_error():
    with pytest.raises(InputError):
        resolve("tomorrow", NOW, SEOUL, lang="fr")  # type: ignore[arg-type]


def test_language_detection_and_forced_language():
    assert detect_lang("다음 주 화요일") == "ko"
    assert detect_lang("next Tuesday") == "en"
    assert resolve("meeting 내일 3pm", NOW, SEOUL, lang="en").start.isoformat() == "2026-11-26T15:00:00+09:00"


# ------------------------------------------------------------------------------- durations
@pytest.mark.parametrize("text,seconds", [
    ("한 시간", 3600), ("30분", 1800), ("an hour and a half", 5400), ("90 minutes", 5400),
    ("1시간 반", 5400), ("두 시간", 7200), ("1시간 30분", 5400), ("2 hours and 15 minutes", 8100),
    ("half an hour", 1800), ("하루", 86400), ("3 days", 3 * 86400), ("2주", 14 * 86400),
    ("회의는 45분 정도 걸립니다", 2700), ("it takes 1.5 hours", 5400), ("세 시간 반", 12600),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["no duration here", "오후 3시 30분", "회의록"])
def test_parse_duration_none(text):
    assert parse_duration(text) is None


# ------------------------------------------------------------------------------- due dates
@pytest.mark.parametrize("phrase,due", [
    ("by Friday", date(2026, 11, 27)),
    ("금요일까지", date(2026, 11, 27)),
    ("end of next week", date(2026, 12, 4)),  # Friday of next week
    ("next Wednesday", date(2026, 12, 2)),
    ("tomorrow", date(2026, 11, 27)),
    ("12월 3일까지", date(2026, 12, 3)),
    ("in two weeks", date(2026, 12, 10)),
    ("월말까지", date(2026, 11, 30)),
    ("end of the month", date(2026, 11, 30)),
    ("다음 주까지", date(2026, 12, 4)),
    ("next week", date(2026, 12, 4)),
    ("연말", date(2026, 12, 31)),
    ("by tomorrow 5pm", date(2026, 11, 27)),
    ("다음 주 화요일 오후", date(2026, 12, 1)),
])
def test_due_date(phrase, due):
    assert due_date(phrase, NOW, SEOUL) == due


def test_due_date_none_without_time():
    assert due_date("as soon as possible", NOW, SEOUL) is None


# ------------------------------------------------------------------------------- find_all, JSON, batch
def test_find_all_returns_each_expression_in_order():
    found = find_all("내일 오후 3시 또는 금요일 오전", NOW, SEOUL)
    assert [f.text for f in found] == ["내일 오후 3시", "금요일 오전"]
    assert found[1].start.isoformat() == "2026-11-27T08:00:00+09:00"


def test_to_json_shape():
    expr = resolve("금요일까지", NOW, SEOUL)
    assert isinstance(expr, TimeExpression)
    assert expr.to_json() == {"text": "금요일까지", "kind": "open-before", "start": None,
                              "end": "2026-11-28T00:00:00+09:00", "grain": "day"}


def test_when_json_and_batch():
    out = when_json("다음 주 화요일 오후", "2026-11-26T10:00:00+09:00", SEOUL, None)
    assert out["start"] == "2026-12-01T12:00:00+09:00" and out["kind"] == "interval"
    assert when_json("hello", "2026-11-26T10:00:00+09:00", SEOUL, "en") is None
    lines = [
        json.dumps({"text": "tomorrow at 3pm", "now": "2026-11-26T10:00:00-05:00", "timezone": NY, "lang": "en"}),
        "",
        json.dumps({"text": "회의록", "now": "2026-11-26T10:00:00+09:00", "timezone": SEOUL, "lang": None}),
        json.dumps({"text": "모레", "now": "2026-11-26T10:00:00+09:00", "timezone": SEOUL}),
    ]
    results = [json.loads(x) for x in when_batch(lines)]
    assert results[0]["start"] == "2026-11-27T15:00:00-05:00"
    assert results[1] is None
    assert results[2]["start"] == "2026-11-28T00:00:00+09:00"


def test_when_json_bad_input():
    with pytest.raises(InputError):
        when_json("내일", "yesterday-ish", SEOUL, None)
    with pytest.raises(InputError):
        list(when_batch(["{not json"]))
    with pytest.raises(InputError):
        list(when_batch([json.dumps({"text": "내일"})]))


def test_recognizers_convention_changes_only_documented_points():
    # their afternoon is 12-16 and their "from A to B" date range ends at the start of B
    aft = resolve("tomorrow afternoon", NOW, SEOUL, convention="recognizers")
    assert (aft.start.hour, aft.end.hour) == (12, 16)
    rng = resolve("12월 3일부터 5일까지", NOW, SEOUL, convention="recognizers")
    assert rng.end.date() == date(2026, 12, 5)
    assert resolve("오후 3시", NOW, SEOUL, convention="recognizers") == resolve("오후 3시", NOW, SEOUL)


def test_eval_runs_on_a_slice_of_the_real_specs():
    """The eval module reads the shared Recognizers-Text specs (skipped when the data is absent)."""
    from core.settings import Settings
    from evals import time as time_eval

    folder = Settings().eval_data_dir() / "time" / "recognizers-text"
    if not (folder / "Korean-DateTimeModel.json").exists():
        pytest.skip("eval data not present")
    res = time_eval.run(limit=40)
    for lang in ("ko", "en"):
        assert res[lang]["cases"] > 0
        assert 0.0 <= res[lang]["result_accuracy"] <= 1.0
        assert set(res[lang]["by_type"]) <= {"date", "daterange", "datetime", "datetimerange", "time",
                                             "timerange", "duration", "set", "timezone"}


# ------------------------------------------------------------------------------- recurrences
@pytest.mark.parametrize("text,timex", [
    ("매주 떠날 겁니다", "P1W"), ("매일", "P1D"), ("매년", "P1Y"), ("격일로", "P2D"), ("3주에 한 번씩", "P3W"),
    ("매일 오후 3시에", "T15"), ("매주 월요일마다", "XXXX-WXX-1"), ("화요일마다 회의", "XXXX-WXX-2"),
    ("매달 19일", "XXXX-XX-19"), ("매일 아침", "TMO"),
    ("weekly", "P1W"), ("every day", "P1D"), ("each two days", "P2D"), ("every three weeks", "P3W"),
    ("3pm each day", "T15"), ("every Monday", "XXXX-WXX-1"), ("each monday at 4pm", "XXXX-WXX-1T16"),
    ("once a year", "P1Y"), ("every other Friday", "XXXX-WXX-5"), ("quarterly", "P3M"),
    ("semi-annually", "P0.5Y"), ("every weekday", "P1WD"), ("every two weekends", "P2WE"),
    ("Thursdays at 17.30", "XXXX-WXX-4T17:30"), ("tuesday afternoons", "XXXX-WXX-2TAF"),
    ("every evening at 7:13 p.m.", "T19:13"), ("6am everyday", "T06"), ("19th of every month", "XXXX-XX-19"),
])
def test_find_recurrences(text, timex):
    from tools.time import find_recurrences

    found = find_recurrences(text)
    assert [r.timex for r in found] == [timex], text
    assert found[0].to_json()["timex"] == timex


def test_recurrences_leave_find_all_and_ordinary_text_alone():
    from tools.time import find_recurrences

    assert find_recurrences("thus we went home on Monday") == []
    assert find_recurrences("다음 주 월요일 오후 3시") == []
    r = find_recurrences("매주 월요일 오전 10시에 회의")[0]
    assert (r.every, r.weekday, r.at.hour) == ("P1W", 0, 10)
    assert [e.text for e in find_all("every Monday", NOW, SEOUL)] == ["Monday"]  # windows unchanged


def test_recognizers_convention_within_and_clipped_parts():
    """Only under convention="recognizers": "within N" is the span from now, "earlier this year" stops today."""
    w = resolve("within 2 weeks", NOW, SEOUL, convention="recognizers")
    assert (w.kind, w.start.date(), w.end.date()) == ("interval", date(2026, 11, 26), date(2026, 12, 10))
    assert resolve("within 2 weeks", NOW, SEOUL).kind == "instant"  # product reading unchanged
    k = resolve("10개월 이내에", NOW, SEOUL, convention="recognizers")
    assert (k.kind, k.start.date(), k.end.date()) == ("interval", date(2026, 11, 26), date(2027, 9, 26))
    e = resolve("earlier this year", NOW, SEOUL, convention="recognizers")
    assert (e.start.date(), e.end.date()) == (date(2026, 1, 1), date(2026, 7, 1))  # first half does not hold today
    late = resolve("later this month", NOW, SEOUL, convention="recognizers")
    assert (late.start.date(), late.end.date()) == (date(2026, 11, 26), date(2026, 12, 1))
    assert resolve("later this month", NOW, SEOUL).start.date() == date(2026, 11, 16)
    y = resolve("end of 2000", NOW, SEOUL, convention="recognizers")
    assert (y.start.date(), y.end.date()) == (date(2000, 9, 1), date(2001, 1, 1))


def test_days_sharing_a_month():
    got = [(e.start.date(), e.end.date()) for e in find_all("6월 18일과 19일", NOW, SEOUL)]
    assert got == [(date(2027, 6, 18), date(2027, 6, 19)), (date(2027, 6, 19), date(2027, 6, 20))]
    got = [(e.start.date(), e.end.date()) for e in find_all("I am looking at 18 and 19 June", NOW, SEOUL)]
    assert got == [(date(2027, 6, 18), date(2027, 6, 19)), (date(2027, 6, 19), date(2027, 6, 20))]


def test_recognizers_convention_round3_points():
    """Only under convention="recognizers": a lone "from <date>" is that date, "until/after <day>" use the
    day's start, "between now and <date>" is a date range, bare hours keep their clock reading."""
    rec = dict(convention="recognizers")
    f = resolve("from 2015", NOW, SEOUL, **rec)
    assert (f.kind, f.start.year, f.end.year) == ("instant", 2015, 2016)
    assert resolve("from 2015", NOW, SEOUL).kind == "open-after"  # product: open range
    u = resolve("no later than January 1, 2010", NOW, SEOUL, **rec)
    assert (u.kind, u.end.date()) == ("open-before", date(2010, 1, 1))
    assert resolve("no later than January 1, 2010", NOW, SEOUL).end.date() == date(2010, 1, 2)
    a = resolve("after January 1, 2007", NOW, SEOUL, **rec)
    assert (a.kind, a.start.date()) == ("open-after", date(2007, 1, 1))
    b = resolve("between now and December 15th", NOW, SEOUL, **rec)
    assert (b.start.isoformat()[:16], b.end.date()) == ("2026-11-26T00:00", date(2026, 12, 15))
    c = resolve("from two thirty to two forty five", NOW, SEOUL, **rec)
    assert (c.start.hour, c.start.minute, c.end.hour, c.end.minute) == (2, 30, 2, 45)
    w = resolve("labor day weekend", NOW, SEOUL, **rec)  # this year's
    assert (w.start.date(), w.end.date()) == (date(2026, 9, 5), date(2026, 9, 8))


def test_round3_durations():
    assert parse_duration("Book a room for two nights?", "en") == timedelta(days=2)
    assert parse_duration("the course lasts three weekends", "en") == timedelta(days=6)
    assert parse_duration("I'll leave for 10D", "en") == timedelta(days=10)
    assert parse_duration("the cold lasted 2W", "en") == timedelta(weeks=2)


def test_shared_modifier_across_or():
    """"다음 주 월요일이나 화요일": the second weekday is next week's too; "다음 5일 또는 40일": the next 40 days."""
    got = [(e.text, e.start.date()) for e in find_all("다음 주 월요일이나 화요일에 미팅", NOW, SEOUL)]
    assert got == [("다음 주 월요일", date(2026, 11, 30)), ("화요일", date(2026, 12, 1))]
    got = [(e.start.date(), e.end.date()) for e in find_all("다음 5일 또는 40일 동안", NOW, SEOUL)]
    assert got == [(date(2026, 11, 27), date(2026, 12, 2)), (date(2026, 11, 27), date(2027, 1, 6))]
    # [recognizers: their specs read the second weekday alone]
    rec = find_all("다음 주 월요일이나 화요일에 미팅", datetime(2026, 11, 23, 10, tzinfo=ZoneInfo(SEOUL)), SEOUL,
                   convention="recognizers")
    assert [e.start.date() for e in rec] == [date(2026, 11, 30), date(2026, 11, 24)]


def test_recognizers_split_readings_only_in_that_convention():
    """Under convention="recognizers" find_all adds the parts of a combined phrase; the product does not."""
    rec = dict(convention="recognizers")
    assert [e.text for e in find_all("let's meet at lunch tomorrow.", NOW, SEOUL)] == ["lunch tomorrow"]
    got = [(e.text, e.kind) for e in find_all("let's meet at lunch tomorrow.", NOW, SEOUL, **rec)]
    assert got == [("lunch tomorrow", "interval"), ("lunch", "interval"), ("tomorrow", "instant")]
    got = [e.text for e in find_all("What happened on Easter Monday at 10:30 am?", NOW, SEOUL, **rec)]
    assert got == ["Easter Monday at 10:30 am", "Easter Monday", "at 10:30 am"]
    got = [e.text for e in find_all("from today pm to tomorrow am", NOW, SEOUL, **rec)]
    assert got[0] == "from today pm to tomorrow am" and "tomorrow am" in got
    got = [(e.text, e.start.date()) for e in find_all("내일 오전 10시부터 12시까지", NOW, SEOUL, **rec)]
    assert all(e.kind != "open-before" for e in find_all("내일 오전 10시부터 12시까지", NOW, SEOUL, **rec))
    assert got[0][0] == "내일 오전 10시부터 12시까지" and ("내일", date(2026, 11, 27)) in got
    assert [e.text for e in find_all("오늘부터 3분 있다", NOW, SEOUL, **rec)] == ["오늘부터 3분 있다", "오늘"]
    assert resolve("lunch tomorrow", NOW, SEOUL, **rec).text == "lunch tomorrow"  # resolve: one reading


def test_recognizers_period_edges_bound_ranges():
    """[recognizers: "to the end of X" ends where X ends, "from the middle of X" starts at its midpoint]"""
    rec = dict(convention="recognizers")
    r = resolve("between the end of 2007 and the end of 2008", NOW, SEOUL, **rec)
    assert (r.start.date(), r.end.date()) == (date(2008, 1, 1), date(2009, 1, 1))
    r = resolve("from the middle of 2007 to the end of 2008", NOW, SEOUL, **rec)
    assert (r.start.date(), r.end.date()) == (date(2007, 7, 2), date(2009, 1, 1))
    r = resolve("from the end of March to the middle of September", NOW, SEOUL, **rec)
    assert (r.start.date(), r.end.date()) == (date(2027, 4, 1), date(2027, 9, 16))
    p = resolve("from the end of March to the middle of September", NOW, SEOUL)  # product: the parts' windows
    assert (p.start.date(), p.end.date()) == (date(2027, 3, 16), date(2027, 9, 21))


@pytest.mark.parametrize("text, lang, rrule", [
    ("매주 화요일 오후 3시", "ko", "FREQ=WEEKLY"),
    ("격주로 월요일에", "ko", "FREQ=WEEKLY;INTERVAL=2"),
    ("매일 아침 9시", "ko", "FREQ=DAILY"),
    ("매달 19일", "ko", "FREQ=MONTHLY"),
    ("every other Friday morning", "en", "FREQ=WEEKLY;INTERVAL=2"),
    ("every weekday at 9:30", "en", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    ("every year in March", "en", "FREQ=YEARLY"),
])
def test_recurrences_become_calendar_rules(text, lang, rrule):
    from tools.time import find_recurrences

    assert [r.rrule() for r in find_recurrences(text, lang)][:1] == [rrule]

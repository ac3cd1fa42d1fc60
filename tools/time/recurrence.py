"""Recurring time expressions: "매주 월요일", "매일 오후 3시", "격일로", "every other Friday", "daily at 9am".

Kept apart from ``tools.time.resolver.find_all`` (whose windows and the ``minutes when`` contract do not
change): a recurrence has no single window, so it is described by what repeats and how often.

A :class:`Recurrence` names the repetition period (``every``, an ISO 8601 duration such as ``P1D``, ``P2W``,
``P3M``, ``P0.5Y``, ``PT1H``; ``P1WD`` = every working day, ``P1WE`` = every weekend) and, where the text
says so, the weekday, day of month, clock time or part of day it falls on. ``timex`` renders it as a
TIMEX3-style value (``XXXX-WXX-1T16`` = Mondays at 16:00, ``T15`` = daily at 15:00, ``XXXX-XX-19`` = the
19th of each month), the notation the Recognizers-Text specs use, so the eval can score recurrences.

Recurrences do not depend on the reference time: nothing here reads a clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from tools.time import en as time_en
from tools.time import ko as time_ko
from tools.time.core import Clock, Context, clock_hour, select_pieces

POD_CODES = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "dawn": "MO",
             "earlymorning": "MO", "midday": "MI", "lunch": "MI", "daytime": "DT", "businesshours": "BH"}


@dataclass(frozen=True)
class Recurrence:
    """One recurring expression. ``every`` is the ISO 8601 period between occurrences."""

    text: str
    every: str
    weekday: int | None = None  # 0 = Monday
    day_of_month: int | None = None
    at: time | None = None
    part_of_day: str | None = None  # morning | afternoon | evening | night | ...
    start: int = 0  # character offsets of the phrase in the input
    end: int = 0

    @property
    def timex(self) -> str:
        """TIMEX3-style value: the anchor (weekday / day of month / time of day) when known, else the period."""
        suffix = ""
        if self.at is not None:
            suffix = f"T{self.at.hour:02d}" + (f":{self.at.minute:02d}" if self.at.minute else "")
        elif self.part_of_day is not None:
            suffix = "T" + POD_CODES.get(self.part_of_day.split(":")[0], "DT")
        if self.weekday is not None:
            return f"XXXX-WXX-{self.weekday + 1}{suffix}"
        if self.day_of_month is not None:
            return f"XXXX-XX-{self.day_of_month:02d}{suffix}"
        if suffix:
            return suffix
        return self.every

    def rrule(self) -> str | None:
        """The iCalendar RRULE value for booking (``FREQ=WEEKLY;INTERVAL=2``), None when a calendar cannot
        repeat it (hourly, half-yearly). The event's start gives the weekday, day and time; only a
        working-day repetition names its days."""
        import re

        m = re.fullmatch(r"P(\d+)(D|W|M|Y|WD)", self.every)
        if not m:
            return None
        n, unit = int(m.group(1)), m.group(2)
        if unit == "WD":
            return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
        freq = {"D": "DAILY", "W": "WEEKLY", "M": "MONTHLY", "Y": "YEARLY"}[unit]
        return f"FREQ={freq}" + (f";INTERVAL={n}" if n > 1 else "")

    def to_json(self) -> dict:
        return {"text": self.text, "every": self.every, "weekday": self.weekday,
                "day_of_month": self.day_of_month, "at": self.at.isoformat(timespec="minutes") if self.at else None,
                "part_of_day": self.part_of_day, "timex": self.timex}


@dataclass
class _Cue:
    start: int
    end: int
    every: str
    weekday: int | None = None
    day_of_month: int | None = None
    part_of_day: str | None = None


def _period(n: float, unit: str) -> str:
    """ISO 8601 period for n units ("day", "week", "month", "year", "hour", "minute", "quarter", ...)."""
    num = f"{n:g}"
    if unit == "hour":
        return f"PT{num}H"
    if unit == "minute":
        return f"PT{num}M"
    if unit == "quarter":
        return f"P{3 * n:g}M"
    if unit == "weekday":
        return f"P{num}WD"
    if unit == "weekend":
        return f"P{num}WE"
    return f"P{num}{unit[0].upper()}"


# ----------------------------------------------------------------------------------------- English
_EN_UNIT = r"(day|week|month|year|quarter|hour|minute|weekday|weekend|fortnight)s?"
_EN_WD = (r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thu|fri|sat|sun)")
_EN_WD_FULL = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_EN_ADVERB = {"daily": "P1D", "everyday": "P1D", "weekly": "P1W", "monthly": "P1M", "yearly": "P1Y",
              "annually": "P1Y", "annual": "P1Y", "quarterly": "P3M", "hourly": "PT1H", "nightly": "P1D",
              "semiannually": "P0.5Y", "semiannual": "P0.5Y", "biannually": "P0.5Y", "biannual": "P0.5Y",
              "bimonthly": "P2M", "biweekly": "P2W", "fortnightly": "P2W"}
_EN_POD = {"morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night"}


def _en_unit(word: str) -> str:
    w = word.lower().rstrip("s")
    return "week" if w == "fortnight" else w


def _en_cues(text: str) -> list[_Cue]:
    out: list[_Cue] = []
    for m in re.finditer(rf"\b(?:every|each)\s+other\s+(?:{_EN_UNIT}|{_EN_WD}s?)\b", text, re.I):
        if m.group(2):
            out.append(_Cue(m.start(), m.end(), "P2W", weekday=time_en.WEEKDAYS[m.group(2).lower()[:3]]))
        else:
            u = _en_unit(m.group(1))
            out.append(_Cue(m.start(), m.end(), _period(2 * (2 if m.group(1).lower().startswith("fortnight") else 1), u)))
    for m in re.finditer(rf"\b(?:every|each)\s+({time_en.NUM_RE})\s+{_EN_UNIT}\b", text, re.I):
        n = time_en.en_number(m.group(1))
        if n is not None:
            u = m.group(2).lower()
            out.append(_Cue(m.start(), m.end(), _period(n * (2 if u.startswith("fortnight") else 1), _en_unit(u))))
    for m in re.finditer(rf"\b(?:every|each|any|all)\s+{_EN_UNIT}\b|\b(?:once|one)\s+(?:a|an|per|every)\s+{_EN_UNIT}\b",
                         text, re.I):
        u = (m.group(1) or m.group(2)).lower()
        out.append(_Cue(m.start(), m.end(), _period(2 if u.startswith("fortnight") else 1, _en_unit(u))))
    for m in re.finditer(r"\b(every\s*day|daily|weekly|monthly|yearly|annually|annual|quarterly|hourly|nightly"
                         r"|semi-?annual(?:ly)?|bi-?annual(?:ly)?|bi-?monthly|bi-?weekly|fortnightly)\b", text, re.I):
        key = re.sub(r"[\s-]", "", m.group(1).lower())
        out.append(_Cue(m.start(), m.end(), _EN_ADVERB[key]))
    # weekdays: "every Monday", "on Mondays", "Tuesday afternoons", "Thursdays"
    for m in re.finditer(rf"\b(?:(every|each)\s+{_EN_WD}s?|{_EN_WD_FULL}s|{_EN_WD}(?=\s+(?:mornings|afternoons|evenings|nights)))"
                         rf"(?:\s+(mornings|afternoons|evenings|nights))?\b", text, re.I):
        word = (m.group(2) or m.group(3) or m.group(4)).lower()
        pod = _EN_POD[m.group(5).lower()[:-1]] if m.group(5) else None
        out.append(_Cue(m.start(), m.end(), "P1W", weekday=time_en.WEEKDAYS[word[:3]], part_of_day=pod))
    for m in re.finditer(r"\b(?:(?:every|each)\s+(morning|afternoon|evening|night)|(mornings|afternoons|evenings|nights))\b",
                         text, re.I):
        pod = _EN_POD[(m.group(1) or m.group(2)[:-1]).lower()]
        out.append(_Cue(m.start(), m.end(), "P1D", part_of_day=pod))
    for m in re.finditer(r"\bweekends\b", text, re.I):
        out.append(_Cue(m.start(), m.end(), "P1WE"))
    for m in re.finditer(rf"\b(?:the\s+)?{time_en.DAYNUM_RE}\s+(?:day\s+)?of\s+(?:every|each)\s+month\b"
                         rf"|\b(?:every|each)\s+month\s+on\s+the\s+{time_en.DAYNUM_RE}", text, re.I):
        d = time_en._daynum(m, 1, 2) if (m.group(1) or m.group(2)) else time_en._daynum(m, 3, 4)
        if d is not None and 1 <= d <= 31:
            out.append(_Cue(m.start(), m.end(), "P1M", day_of_month=d))
    return out


# ----------------------------------------------------------------------------------------- Korean
_KO_UNIT = {"초": "second", "분": "minute", "시간": "hour", "일": "day", "날": "day", "주": "week", "주일": "week",
            "개월": "month", "달": "month", "월": "month", "년": "year", "해": "year", "분기": "quarter"}
_KO_EVERY = {"매일": "P1D", "날마다": "P1D", "매일같이": "P1D", "매주": "P1W", "주마다": "P1W", "매달": "P1M",
             "매월": "P1M", "달마다": "P1M", "매년": "P1Y", "매해": "P1Y", "해마다": "P1Y", "매시간": "PT1H",
             "매 시간": "PT1H", "시간마다": "PT1H", "매분기": "P3M", "분기마다": "P3M", "격일": "P2D", "격주": "P2W",
             "격월": "P2M", "격년": "P2Y", "평일마다": "P1WD", "매 평일": "P1WD", "주말마다": "P1WE", "매 주말": "P1WE"}


def _ko_cues(text: str) -> list[_Cue]:
    out: list[_Cue] = []
    for m in re.finditer(r"(?<![가-힣])(?:매\s*주\s*)?([월화수목금토일])요일\s*마다|(?<![가-힣])매\s*주\s*([월화수목금토일])요일",
                         text):
        out.append(_Cue(m.start(), m.end(), "P1W", weekday=time_ko.WEEKDAYS[m.group(1) or m.group(2)]))
    for m in re.finditer(r"(?<![가-힣])(?:매\s*(?:달|월))\s*(\d{1,2})\s*일", text):
        d = int(m.group(1))
        if 1 <= d <= 31:
            out.append(_Cue(m.start(), m.end(), "P1M", day_of_month=d))
    words = "|".join(sorted(_KO_EVERY, key=len, reverse=True))
    for m in re.finditer(rf"(?<![가-힣])({words})", text):
        out.append(_Cue(m.start(), m.end(), _KO_EVERY[m.group(1)]))
    for m in re.finditer(rf"({time_ko.KNUM_RE}|{time_ko.SINO_RE})\s*(시간|주일|개월|분기|초|분|일|주|달|년|해)\s*"
                         rf"(?:마다|에\s*(?:한|1)\s*번(?:씩)?|에\s*1\s*회)", text):
        n = time_ko.ko_number(m.group(1))
        if n is not None and n > 0:
            out.append(_Cue(m.start(), m.end(), _period(n, _KO_UNIT[m.group(2)])))
    for m in re.finditer(r"(?<![가-힣])(?:매일|날마다)\s*(아침|오전|점심|오후|저녁|밤|새벽)", text):
        pod = time_ko._PODS[m.group(1)]
        out.append(_Cue(m.start(), m.end(), "P1D", part_of_day=pod))
    return out


# ----------------------------------------------------------------------------------------- attaching
_LANG: dict[str, tuple[Callable[[str], list[_Cue]], object, re.Pattern[str], re.Pattern[str]]] = {
    "en": (_en_cues, time_en, re.compile(r"[\s,]*(?:at|@|around|about|on)?[\s,]*", re.I), re.compile(r"[\s,]*", re.I)),
    "ko": (_ko_cues, time_ko, re.compile(r"\s*(?:의|에)?\s*"), re.compile(r"\s*(?:에)?\s*")),
}
_FIXED_NOW = datetime(2000, 1, 3)  # the lexers need a Context; clock and part-of-day pieces never read it


def _clock_time(clock: Clock, pod: str | None) -> time:
    h, _ = clock_hour(clock, pod)
    return time(h % 24, clock.minute)


def find_recurrences(text: str, lang: str | None = None) -> list[Recurrence]:
    """Every recurring expression in ``text`` in order of appearance, with a clock time or part of day
    attached when one directly follows ("every day at 7pm", "매일 오후 3시") or precedes ("3pm each day")."""
    from tools.time.resolver import check_lang

    language = check_lang(lang, text or "")
    cue_fn, lexer, after_glue, before_glue = _LANG[language]
    cues = cue_fn(text)
    # leftmost-longest, non-overlapping
    chosen: list[_Cue] = []
    pos = -1
    for c in sorted(cues, key=lambda c: (c.start, -(c.end - c.start))):
        if c.start >= pos:
            chosen.append(c)
            pos = c.end
    if not chosen:
        return []
    pieces = [p for p in select_pieces(lexer.lex(text, Context(_FIXED_NOW)))  # type: ignore[attr-defined]
              if p.kind in ("clock", "pod")]
    out: list[Recurrence] = []
    for c in chosen:
        start, end = c.start, c.end
        pod, clock = c.part_of_day, None
        # pieces right after the cue: [pod] [clock]
        cursor = end
        for p in sorted((p for p in pieces if p.start >= end), key=lambda p: p.start):
            if not after_glue.fullmatch(text[cursor:p.start]):
                break
            if p.kind == "pod" and clock is None and pod is None:
                pod = p.value
            elif p.kind == "clock" and clock is None:
                clock = p.value
            else:
                break
            cursor = end = p.end
        if clock is None:  # a clock right before the cue: "3pm each day", "6am everyday"
            before = [p for p in pieces if p.end <= start and p.kind == "clock" and before_glue.fullmatch(text[p.end:start])]
            if before:
                clock = before[-1].value
                start = before[-1].start
        at = _clock_time(clock, pod) if clock is not None else None
        out.append(Recurrence(text[start:end].strip(), c.every, c.weekday, c.day_of_month, at,
                              pod if at is None else pod, start, end))
    return out

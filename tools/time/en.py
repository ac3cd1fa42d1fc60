"""English lexer for the time resolver: text -> pieces (dates, parts of day, clock times, connectors).

Rules are our own regular expressions; the combination logic lives in ``tools.time.core``.
Numeric dates are read US style (month/day) unless the first number cannot be a month.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from tools.time.core import (
    Clock,
    Context,
    DateRef,
    Piece,
    Rule,
    Shift,
    Span,
    WeekdayReading,
    Window,
    add_months,
    century_pieces,
    date_pieces,
    day_ref,
    midnight_pieces,
    month_span,
    noon_pieces,
    now_pieces,
    nth_week,
    resolve_date_ref,
    rule_adder,
    run_rules,
    shift_date,
    valid_date,
    week_span,
    week_start,
    weekday_ref,
    year_span,
)
from tools.time.holiday import holiday_break, holiday_country, holiday_span
from tools.time.lexicon import alternation, load
from tools.time.windows import (
    business_day_after,
    business_days_span,
    clip_to_today,
    next_n_window,
    offset_window,
    period_part,
    until_end,
    within_window,
)

# ------------------------------------------------------------------------------------------- numbers
_NUMBERS = load("en", "numbers")
_ONES: dict[str, int] = _NUMBERS["ones"]
_TENS: dict[str, int] = _NUMBERS["tens"]
_ORD: dict[str, int] = _NUMBERS["ordinals"]
_FEW: dict[str, float] = _NUMBERS["few"]

WORDNUM_RE = (r"(?:(?:twenty|thirty|forty|fifty|sixty)(?:[\s-]?(?:one|two|three|four|five|six|seven|eight|nine))?"
              r"|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
              r"|sixteen|seventeen|eighteen|nineteen)")
NUM_RE = rf"(?:\d+(?:\.\d+)?|{WORDNUM_RE}|" + alternation(_FEW)[3:]
ORD_WORD_RE = (r"(?:(?:twenty|thirty)[\s-]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
               r"|" + "|".join(sorted(_ORD, key=len, reverse=True)) + ")")
DAYNUM_RE = rf"(?:(\d{{1,2}})(?!\d)(?:st|nd|rd|th)?|({ORD_WORD_RE}))"


def en_number(s: str) -> float | None:
    s = s.strip().lower().replace("-", " ")
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    if s in _FEW:
        return float(_FEW[s])
    if s in _ONES:
        return float(_ONES[s])
    parts = s.split()
    if parts and parts[0] in _TENS:
        total = _TENS[parts[0]]
        if len(parts) == 2 and parts[1] in _ONES:
            total += _ONES[parts[1]]
        elif len(parts) > 1:
            return None
        return float(total)
    return None


def en_ordinal(s: str) -> int | None:
    s = s.strip().lower().replace("-", " ")
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", s)
    if m:
        return int(m.group(1))
    if s in _ORD:
        return _ORD[s]
    parts = s.split()
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _ORD:
        return _TENS[parts[0]] + _ORD[parts[1]]
    return None


def _daynum(m: re.Match[str], g1: int, g2: int) -> int | None:
    if m.group(g1):
        return int(m.group(g1))
    if m.group(g2):
        return en_ordinal(m.group(g2))
    return None


MONTHS: dict[str, int] = load("en", "months")
MONTH_RE = alternation(MONTHS) + r"\.?"
_WD = load("en", "weekdays")
WEEKDAYS: dict[str, int] = {**_WD["words"], **{k.lower(): v for k, v in _WD["case_sensitive"].items()}}
WEEKDAY_RE = (alternation(_WD["words"]) + r"\b\.?|\b(?-i:" + "|".join(_WD["case_sensitive"]) + r")\b\.?")
UNIT_RE = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?|months?|years?|yrs?)"


def month_num(s: str) -> int:
    return MONTHS[s.lower().rstrip(".")]


def unit_name(s: str) -> str:
    s = s.lower()
    if s.startswith("sec"):
        return "second"
    if s.startswith("min"):
        return "minute"
    if s.startswith("h"):
        return "hour"
    if s.startswith("d"):
        return "day"
    if s.startswith("w"):
        return "week"
    if s.startswith("mo"):
        return "month"
    return "year"


# --------------------------------------------------------------------------------------------- rules
RULES: list[Rule] = []
rule = rule_adder(RULES, re.IGNORECASE)
_day = day_ref
_dp = date_pieces


def _either(m: re.Match[str], first: tuple[int, ...], second: tuple[int, ...]) -> tuple[str, ...]:
    """The groups of whichever alternative of a two-way pattern matched: ``first`` when its leading group did."""
    return tuple(m.group(g) for g in (first if m.group(first[0]) else second))


_MODIFIERS = load("en", "modifiers")


def _shift(word: str | None) -> int:
    w = (word or "this").lower().strip()
    return _MODIFIERS["shift"].get(w, 0)


rule(r"\b(?:right now|now|at the moment|currently)\b")(now_pieces)


_REL: dict[str, int] = load("en", "relative_days")


@rule(r"\b" + alternation(_REL).replace(r"\ ", r"\s+") + r"\b")
def _rel_day(m, ctx):
    return _dp(m, _day(ctx, _REL[m.group(0).lower()]))


@rule(r"\btonight\b|\btonite\b")
def _tonight(m, ctx):
    return [Piece("date", m.start(), m.end(), _day(ctx, 0)), Piece("pod", m.end(), m.end(), "night")]


_WEEKDAY_READINGS: dict[str, WeekdayReading] = {
    "this": (0, "week"), "next": (1, "week"), "the following": (1, "week"), "following": (1, "week"),
    "last": (-1, "week"), "previous": (-1, "week"), "past": (None, "last"), "this past": (None, "last"),
    "coming": (None, "strict-next"), "upcoming": (None, "strict-next"), "the coming": (None, "strict-next"),
}


@rule(rf"\b(?:(this past|past|this|next|last|previous|coming|upcoming|the coming|the following|following)\s+)?({WEEKDAY_RE})"
      rf"(?:,?\s+(?:the\s+)?{DAYNUM_RE}(?!h\d|h\b|\s*(?::|am\b|pm\b|a\.m|p\.m|a\b|p\b|-|–|/|\.\d|to\b|o'?clock|of\b|{MONTH_RE})))?")
def _weekday(m, ctx):
    wd = WEEKDAYS[m.group(2).lower().rstrip(".")]
    mod = (m.group(1) or "").lower()
    day = _daynum(m, 3, 4) if (m.group(3) or m.group(4)) else None
    if day is not None and 1 <= day <= 31:
        return _dp(m, DateRef(weekday=wd, day=day))
    return _dp(m, weekday_ref(wd, _WEEKDAY_READINGS.get(mod)))





_PERIOD_MOD = r"(this|next|last|previous|past|current|coming|upcoming|the following|following|the)"


@rule(rf"\b(?:the\s+)?week\s+after\s+next\b|\b{_PERIOD_MOD}\s+(?:calendar\s+)?(week|month|year)\b(?!\s*(?:'s|’s)|\s+(?:19|20)\d{{2}}\b)")
def _period(m, ctx):
    if m.group(0).lower().endswith("next") and "after" in m.group(0).lower():
        return _dp(m, DateRef(span=week_span(ctx, 2)))
    shift = _shift(m.group(1))
    unit = m.group(2).lower()
    if unit == "week":
        span = week_span(ctx, shift)
    elif unit == "month":
        span = month_span(ctx, shift)
    else:
        span = year_span(ctx.today.year + shift)
    return _dp(m, DateRef(span=span))


@rule(r"\b(?:(this|next|last|the)\s+)?week-?end\b")
def _weekend(m, ctx):
    shift = _shift(m.group(1))
    s = week_start(ctx.today) + timedelta(weeks=shift, days=5)
    return _dp(m, DateRef(span=Span(s, s + timedelta(days=2), "day")))


_PART_WORD: dict[str, str] = _MODIFIERS["period_parts"]


@rule(r"\b(?:the\s+)?(beginning|start|middle|end)\s+of\s+(?:(?:the|this)\s+)?(?:(next|last|previous|this|current|coming|upcoming|following)\s+)?(week|month|year)\b"
      r"|\b(early|earlier|mid|late|later)[\s-]+(?:in\s+)?(?:(the|this|next|last|previous)\s+)?(week|month|year)\b")
def _period_part_rule(m, ctx):
    part = _PART_WORD[(m.group(1) or m.group(4)).lower()]
    shift = _shift(m.group(2) or m.group(5))
    unit = (m.group(3) or m.group(6)).lower()
    base = week_span(ctx, shift) if unit == "week" else month_span(ctx, shift) if unit == "month" else year_span(ctx.today.year + shift)
    span = period_part(base, part)
    if ctx.convention == "recognizers" and m.group(4) and shift == 0:
        span = clip_to_today(span, part, ctx.today)
    return _dp(m, DateRef(span=span, edge=(base, part)))


@rule(rf"\b(?:the\s+)?(beginning|start|middle|end)\s+of\s+({MONTH_RE})(?:\s+(\d{{4}}))?\b|\b(early|mid|late)[\s-]+({MONTH_RE})(?:\s+(\d{{4}}))?\b")
def _month_part(m, ctx):
    part = _PART_WORD[(m.group(1) or m.group(4)).lower()]
    mo = month_num(m.group(2) or m.group(5))
    y = m.group(3) or m.group(6)
    span = resolve_date_ref(DateRef(month=mo, year=int(y) if y else None), ctx.today)
    assert span is not None
    return _dp(m, DateRef(span=period_part(span, part), edge=(span, part)))


@rule(r"\b(?:at\s+|by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?(day|today|tomorrow|(?:this\s+|next\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b|\bend of day\b")
def _end_of_day(m, ctx):
    word = (m.group(1) or "today").lower()
    if word in ("day", "today"):
        ref = _day(ctx, 0)
    elif word == "tomorrow":
        ref = _day(ctx, 1)
    else:
        pieces = _weekday(RULES_BY_NAME["weekday"].match(word), ctx)  # type: ignore[arg-type]
        ref = pieces[0].value
    return [Piece("date", m.start(), m.end(), ref), Piece("conn", m.end(), m.end(), "before-incl")]


# "May" is a month only next to a day number / year or after a preposition.
_MAY_OK = r"(?<!\bit )(?<!\byou )(?<!\bi )(?<!\bwe )(?<!\bthey )(?<!\bhe )(?<!\bshe )(?<!\bthis )"


@rule(rf"\b(?:(?:on\s+)?({WEEKDAY_RE})[\s,]*)?({MONTH_RE})(?:[\s/-]*|\s+the\s+){DAYNUM_RE}(?![\d:])(?:(?:\s*,\s*|\s+)(?:(?:of|in)\s+)?(\d{{4}}))?\b")
def _month_day(m, ctx):
    mo = month_num(m.group(2))
    d = _daynum(m, 3, 4)
    if d is None or not valid_date(2000, mo, d):
        return []
    if m.group(5):
        dd = valid_date(int(m.group(5)), mo, d)
        return _dp(m, DateRef(span=Span(dd, dd + timedelta(days=1), "day"), year=dd.year)) if dd else []
    if m.group(1):  # "Fri, Jul 18": the weekday may fix the year (tools.time.core.combine_dates)
        wd = WEEKDAYS[m.group(1).lower().rstrip(".")]
        return [Piece("date", m.start(1), m.end(1), DateRef(weekday=wd)),
                Piece("date", m.start(2), m.end(), DateRef(month=mo, day=d))]
    return _dp(m, DateRef(month=mo, day=d))


@rule(rf"\b(?:the\s+)?{DAYNUM_RE}\s+(?:of\s+)?({MONTH_RE})(?:(?:\s*,\s*|\s+)(?:(?:of|in)\s+)?(\d{{4}}))?\b")
def _day_month(m, ctx):
    if re.search(r"[$€£]\s?$", m.string[: m.start()]):
        return []  # "$12 December 27": an amount
    d = _daynum(m, 1, 2)
    mo = month_num(m.group(3))
    if d is None or not valid_date(2000, mo, d):
        return []
    if m.group(4):
        dd = valid_date(int(m.group(4)), mo, d)
        return _dp(m, DateRef(span=Span(dd, dd + timedelta(days=1), "day"), year=dd.year)) if dd else []
    return _dp(m, DateRef(month=mo, day=d))


@rule(rf"\b({MONTH_RE})(?:\s*,?\s*(?:(?:of|in)\s+)?(\d{{4}}))?\b|\b(\d{{4}})\s+({MONTH_RE})\b")
def _month(m, ctx):
    word = m.group(1) or m.group(4)
    if m.start() > 0 and m.string[m.start() - 1] in "$#@":
        return []  # "$DEC": a ticker or tag
    if word.lower().rstrip(".") == "may":
        before = m.string[: m.start()].lower()
        if not (m.group(2) or m.group(3) or re.search(r"\b(in|of|next|last|since|until|by|after|before|during|from|through|to|early|mid|late|end of)\s+$", before)):
            return []
    if word.lower().rstrip(".") in ("march", "mar", "jan", "jun", "jul", "aug", "oct", "dec", "nov", "feb", "apr", "sep", "sept") and word[0].islower() and not (m.group(2) or m.group(3)):
        before = m.string[: m.start()].lower()
        if not re.search(r"\b(in|of|this|next|last|since|until|by|after|before|during|from|through|to)\s+$", before):
            return []
    mo = month_num(word)
    y = m.group(2) or m.group(3)
    prefix = m.string[max(0, m.start() - 5): m.start()].lower()
    year = int(y) if y else (ctx.today.year if prefix.endswith("this ") else None)
    return _dp(m, DateRef(month=mo, year=year))


@rule(r"(?<![\d/.:])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/:]|\.\d)")
def _slash_date(m, ctx):
    a, b = int(m.group(1)), int(m.group(2))
    mo, d = (a, b) if a <= 12 else (b, a)
    if not valid_date(2000, mo, d):
        return []
    if m.group(3):
        y = int(m.group(3))
        y = y + 2000 if y < 100 else y
        dd = valid_date(y, mo, d)
        return _dp(m, DateRef(span=Span(dd, dd + timedelta(days=1), "day"), year=y)) if dd else []
    return _dp(m, DateRef(month=mo, day=d))


@rule(r"(?<![\d/-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])|(?<![\d/-])(\d{4})/(\d{1,2})/(\d{1,2})(?![\d/])")
def _iso(m, ctx):
    y, mo, d = _either(m, (1, 2, 3), (4, 5, 6))
    dd = valid_date(int(y), int(mo), int(d))
    return _dp(m, DateRef(span=Span(dd, dd + timedelta(days=1), "day"))) if dd else []


@rule(r"(?<![\d/-])(\d{4})-(\d{1,2})(?![\d-])")
def _year_month_num(m, ctx):
    mo = int(m.group(2))
    if not 1 <= mo <= 12:
        return []
    return _dp(m, DateRef(month=mo, year=int(m.group(1))))


@rule(r"(?<![\d/.:$-])(?:the\s+)?(?:year\s+)?((?:19|20)\d{2})(?![\d/:%-])(?:\s*'?s\b)?")
def _year_num(m, ctx):
    y = int(m.group(1))
    if re.search(r"\d\s*[-–]\s*$", m.string[: m.start()]) or re.match(r"\s*[-–]\s*\d(?!\d{3})", m.string[m.end():]):
        return []  # "32 - 2015", "2015 - 32": a number joined to another, not a year
    if re.search(r"\d\s*'?s$", m.group(0)):
        return _dp(m, DateRef(span=Span(date(y, 1, 1), date(y + 10, 1, 1), "year")))
    return _dp(m, DateRef(span=year_span(y)))


@rule(r"\bthe\s+(?:day|month|year|week)\b")
def _the_period(m, ctx):
    unit = m.group(0).split()[-1].lower()
    if unit == "day":
        return _dp(m, _day(ctx, 0))
    span = week_span(ctx, 0) if unit == "week" else month_span(ctx, 0) if unit == "month" else year_span(ctx.today.year)
    return _dp(m, DateRef(span=span))


@rule(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:" + MONTH_RE + r"))(?!\s+(?:week|month|year|quarter|half|time|round|place|floor|step|version|item|point|anniversary|birthday|century|grade|edition|day)s?\b)")
def _dom(m, ctx):
    d = int(m.group(1))
    return _dp(m, DateRef(day=d)) if 1 <= d <= 31 else []


# ------------------------------------------------------------------------------------- offsets
@rule(rf"\b(?:in|within|after)\s+(?:(?:the\s+)?next\s+)?({NUM_RE})(?:\s+and\s+a\s+half)?(?:\s+|(?<=\d))({UNIT_RE})\b(?:\s+and\s+a\s+half)?(?:\s+(?:from\s+now|from\s+today|later|time))?"
      rf"|\b({NUM_RE})\s+({UNIT_RE})\s+(from\s+now|later|hence|from\s+today|after\s+today|ago|before\s+today|earlier)\b")
def _offset(m, ctx):
    num, unit = _either(m, (1, 2), (3, 4))
    n = en_number(num)
    if n is None:
        return []
    if "and a half" in m.group(0).lower():
        n += 0.5
    if re.match(r"in\s+(?:the\s+)?next\s", m.group(0), re.IGNORECASE) and unit_name(unit) in ("day", "week", "month", "year"):
        return _next_n_pieces(m, ctx, n, unit_name(unit), False)  # "in the next two days": the span
    tail = (m.group(5) or "").lower()
    sign = -1 if tail in ("ago", "before today", "earlier") else 1
    within = m.group(0).lower().startswith("within")
    if within and (ctx.convention == "recognizers" or unit_name(unit) in ("second", "minute", "hour")):
        # "within 2 hours": the span from now (product: for clock units; a day-unit deadline stays a day)
        return [Piece("moment", m.start(), m.end(), within_window(ctx, n, unit_name(unit)))]
    return [Piece("moment", m.start(), m.end(), offset_window(ctx, n, unit_name(unit), sign))]


@rule(rf"\b(?:(in|within|after)\s+)?({NUM_RE})\s*(?:hours?|hrs?|h)\s*,?\s*(?:and\s+)?(\d{{1,2}}|{WORDNUM_RE})\s*(?:minutes?|mins?|m)\b"
      rf"(?:\s+(from\s+now|later|ago))?")
def _clock_offset(m, ctx):
    """"in 1 hour and 30 minutes", "within 2 hours 15 minutes", "1 hour 30 minutes ago": now plus both."""
    if not (m.group(1) or m.group(4)):
        return []
    h, mi = en_number(m.group(2)), en_number(m.group(3))
    if h is None or mi is None or mi >= 60:
        return []
    minutes = h * 60 + mi
    if (m.group(1) or "").lower() == "within":
        return [Piece("moment", m.start(), m.end(), within_window(ctx, minutes, "minute"))]
    sign = -1 if (m.group(4) or "").lower() == "ago" else 1
    return [Piece("moment", m.start(), m.end(), offset_window(ctx, minutes, "minute", sign))]


@rule(rf"\b(in|within|after)\s+({NUM_RE})\s+(?:business|working|work)\s+days?\b")
def _in_business_days(m, ctx):
    """"in 3 business days": the third working day from today (skipping the zone's public holidays);
    "within 3 business days": the span up to it."""
    n = en_number(m.group(2))
    if n is None or n < 1 or n != int(n):
        return []
    if m.group(1).lower() == "within":
        return _dp(m, DateRef(span=business_days_span(ctx.today, int(n), 1, ctx.country)))
    return _dp(m, DateRef(span=business_day_after(ctx.today, int(n), 1, ctx.country)))


_UNIT_ATOM = rf"({NUM_RE})\s+(years?|yrs?|months?|weeks?|wks?|days?)"


@rule(rf"\b{_UNIT_ATOM}(?:\s*,?\s*(?:and\s+)?{_UNIT_ATOM}){{1,3}}\s+(from\s+now|later|hence|from\s+today|after\s+today|ago|before\s+today|earlier)\b")
def _compound_offset(m, ctx):
    """"2 years 1 month 21 days later", "1 week and 3 days ago": the calendar units added in turn."""
    atoms = re.findall(_UNIT_ATOM, m.group(0)[: m.start(m.lastindex) - m.start()], re.IGNORECASE)
    sign = -1 if m.group(m.lastindex).lower() in ("ago", "before today", "earlier") else 1
    d = ctx.today
    for num, unit in atoms:
        n = en_number(num)
        if n is None or n != int(n):
            return []
        d = shift_date(d, n, unit_name(unit), sign)
    s0 = datetime.combine(d, time())
    return [Piece("moment", m.start(), m.end(), Window("instant", s0, s0 + timedelta(days=1), "day"))]


@rule(r"\b(?:the\s+)?day\s+(after|before)(?=\s+(?!tomorrow\b|yesterday\b)\w)")
def _day_after(m, ctx):
    """"the day after Christmas", "the day before the deadline on Friday": one day from the anchor."""
    return [Piece("shift", m.start(), m.end(), Shift(1, "day", 1 if m.group(1).lower() == "after" else -1, "at", "after"))]


_SHIFT_MODE = {"more than": "more", "over": "more", "less than": "less", "within": "less"}


@rule(rf"\b(?:(more than|over|less than|within)\s+)?({NUM_RE})\s+({UNIT_RE})\s+(from|after|before|prior to|later than|earlier than)\b")
def _shift_rule(m, ctx):
    """"3 days after January 12th", "2 weeks before Christmas", "more than 2 weeks before today"."""
    n = en_number(m.group(2))
    if n is None:
        return []
    sign = -1 if m.group(4).lower() in ("before", "prior to", "earlier than") else 1
    mode = _SHIFT_MODE.get((m.group(1) or "").lower(), "at")
    return [Piece("shift", m.start(), m.end(), Shift(n, unit_name(m.group(3)), sign, mode, "after"))]


@rule(rf"\b(?:the\s+)?(next|past|last|previous|coming|upcoming)\s+({NUM_RE})\s+(minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b"
      rf"|\b(?:the\s+)?({NUM_RE})\s+(next|past|last|previous|coming|upcoming)\s+(minutes|mins|hours|hrs|days|weeks|months|years)\b")
def _next_n(m, ctx):
    direction, num, unit_s = _either(m, (1, 2, 3), (5, 4, 6))
    n = en_number(num)
    if n is None:
        return []
    return _next_n_pieces(m, ctx, n, unit_name(unit_s), direction.lower() in ("past", "last", "previous"))


@rule(r"(?<!\bthe )(?<!\ba )\b(next|past|last|previous|this)\s+(hour|minute)\b(?!-)")
def _next_hour(m, ctx):
    """"next hour" = the coming 60 minutes, "last minute" = the one just past."""
    if m.group(1).lower() == "this":
        return []
    return _next_n_pieces(m, ctx, 1, m.group(2).lower(), m.group(1).lower() != "next")


def _next_n_pieces(m: re.Match[str], ctx: Context, n: float, unit: str, past: bool) -> list[Piece]:
    """"the next 3 days" = tomorrow .. +3 days; "the past 2 hours" = the 2 hours up to now."""
    return [Piece("moment", m.start(), m.end(), next_n_window(ctx, n, unit, past))]


# --------------------------------------------------------------------------------- parts of day
_POD_LEX = load("en", "parts_of_day")
_PODS: dict[str, str] = _POD_LEX["parts"]


_MEAL_VERB = re.compile(r"\b(?:have|has|having|had|eat|eats|eating|ate|grab|grabbing|get|getting|got|bring|brought|buy"
                        r"|bought|make|made|cook|cooking|order|ordered|skip|skipped|serve|served|enjoy|enjoyed)"
                        r"(?:\s+(?:a|an|some|our|my|the|their|your|his|her))?\s+$", re.IGNORECASE)


@rule(r"(?<!good )\b(?:(early|late|later|earlier)\s+(?:in\s+the\s+)?)?(?:(this|tomorrow|yesterday|next|last|previous)\s+)?("
      + alternation([k for k in _PODS if k != "early morning"]).replace(r"\ ", r"\s?") + r")s?\b")
def _pod(m, ctx):
    word = re.sub(r"\s+", " ", m.group(3).lower())
    out: list[Piece] = []
    if word.startswith("lunch") and not m.group(2) and _MEAL_VERB.search(m.string[: m.start()]):
        return []  # "we will have lunch together": a meal, not a time
    if word == "dawn" and re.match(r"\s+of\b", m.string[m.end():]):
        return []  # "the dawn of a new era"
    if m.group(2):
        off = {"this": 0, "tomorrow": 1, "yesterday": -1, "next": 1, "last": -1, "previous": -1}[m.group(2).lower()]
        out.append(Piece("date", m.start(2), m.end(2), _day(ctx, off)))
    pod = _PODS[word]
    if m.group(1) and pod in ("morning", "afternoon", "evening"):
        pod += ":early" if m.group(1).lower().startswith("early") else ":late"
    out.append(Piece("pod", m.start(1) if (m.group(1) and not m.group(2)) else m.start(3), m.end(), pod))
    return out


# --------------------------------------------------------------------------------------- clocks
_MER = r"(a\.?\s?m\.?|p\.?\s?m\.?|am|pm|a|p)(?![a-z0-9])"
HOUR_WORD_RE = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
CLOCK_RE = rf"(?:(\d{{1,2}})(?:[:.](\d{{2}}))?(?::(\d{{2}}))?\s*{_MER}|(\d{{1,2}}):(\d{{2}})(?::(\d{{2}}))?)"


def _mer(s: str | None) -> str | None:
    if not s:
        return None
    return "am" if s.lower().startswith("a") else "pm"


def _clock_from(m: re.Match[str], base: int = 0) -> Clock | None:
    g = lambda i: m.group(base + i)  # noqa: E731
    if g(1):
        h, mi, se, mer = int(g(1)), int(g(2) or 0), int(g(3) or 0), _mer(g(4))
        explicit = False
    elif g(5):
        h, mi, se, mer = int(g(5)), int(g(6)), int(g(7) or 0), None
        explicit = len(g(5)) == 2 and (g(5).startswith("0") or h >= 13)
    else:
        return None
    if h > 24 or mi > 59 or se > 59 or (mer and not 1 <= h <= 12 and h != 0):
        return None
    return Clock(h, mi, se, mer, explicit_24h=explicit)


@rule(rf"(?<![\d:/.])(?:at\s+|@\s*)?{CLOCK_RE}(?:\s*(?:o'?\s?clock|sharp|ish))?")
def _clock(m, ctx):
    c = _clock_from(m, 0)
    return [Piece("clock", m.start(), m.end(), c)] if c else []


@rule(r"(?<![\w:.])(?:at\s+|@\s*)?([01]?\d|2[0-4])h([0-5]\d)(?![\w:])(?!\s*(?:m|min|mins|minutes)\b)")
def _clock_h(m, ctx):
    """"15h30", "8h00": the French / European 24-hour notation."""
    return [Piece("clock", m.start(), m.end(), Clock(int(m.group(1)), int(m.group(2)), 0, None, explicit_24h=True))]


@rule(r"(?:(?<=\btonight )|(?<=\btonite )|(?<=\btoday )|(?<=\btomorrow )|(?<=\bat )|(?<=\bby )|(?<=@))\s*(\d{3,4})(?![\d:/.%,]|\s*(?:{0})\b|\s*(?:people|percent|dollars|units|am|pm|a\.m|p\.m)\b)".replace("{0}", UNIT_RE))
def _clock_digits(m, ctx):
    """"tonight 815", "at 1530": three or four digits as hours and minutes."""
    digits = m.group(1)
    h, mi = int(digits[:-2]), int(digits[-2:])
    if h > 24 or mi > 59:
        return []
    return [Piece("clock", m.start(1), m.end(), Clock(h, mi, 0, None, explicit_24h=len(digits) == 4 and h != 0 and h >= 13 or digits.startswith("0")))]


@rule(rf"(?<![\d:/.$])\b(\d{{1,2}}|{HOUR_WORD_RE})(?::([0-5]\d))?(?=\s+(?:tonight|tonite|this\s+evening)\b)")
def _hour_before_tonight(m, ctx):
    """"8 tonight", "9:30 this evening": an hour said right before the evening it is in."""
    h = en_number(m.group(1))
    if h is None or not 1 <= h <= 12:
        return []
    return [Piece("clock", m.start(), m.end(), Clock(int(h), int(m.group(2) or 0)))]


@rule(rf"(?<![\d:/.])(\d{{3,4}})\s*{_MER}")
def _clock_compact(m, ctx):
    s = m.group(1)
    h, mi = int(s[:-2]), int(s[-2:])
    if not 1 <= h <= 12 or mi > 59:
        return []
    return [Piece("clock", m.start(), m.end(), Clock(h, mi, 0, _mer(m.group(2))))]


@rule(rf"\b(?:at\s+)?(\d{{1,2}}|{HOUR_WORD_RE})\s*(?:o'?\s?clock|oclock)|\bat\s+(\d{{1,2}}|{HOUR_WORD_RE})\b(?![:/\d%-]|\.\d|\s*(?:{UNIT_RE}|percent|people|of)\b)|(?<![\d:])(\d{{1,2}})ish\b")
def _clock_bare(m, ctx):
    s = m.group(1) or m.group(2) or m.group(3)
    h = en_number(s)
    if h is None or not 0 <= h <= 24:
        return []
    return [Piece("clock", m.start(), m.end(), Clock(int(h)))]


_DAY_WORD_BEFORE = re.compile(rf"(?:day|tomorrow|today|tonight|tonite|morning|afternoon|evening|night|\d(?:st|nd|rd|th)|{WEEKDAY_RE})$",
                              re.IGNORECASE)


@rule(rf"\b(?:at\s+)?(?:around|about|approximately|roughly)\s+(\d{{1,2}}|{HOUR_WORD_RE})(?=\s*(?:[.,;!?)]|$)|\s+(?:and|or|on|at|in|for|with|then|but|so|tonight|today|tomorrow|o'?clock)\b)")
def _clock_around(m, ctx):
    """"tonight around 7", "friday the 26th around 4": a bare hour right after a day or part of day."""
    if not _DAY_WORD_BEFORE.search(m.string[: m.start()].rstrip(" ,")):
        return []
    h = en_number(m.group(1))
    if h is None or not 0 <= h <= 24:
        return []
    return [Piece("clock", m.start(), m.end(), Clock(int(h)))]


@rule(r"\bon\s+the\s+(\d{1,2})(?=\s+(?:from|between|at)\s)")
def _on_the_day(m, ctx):
    """"on the 17 from 2pm to 4pm": a bare day of the month before its time."""
    d = int(m.group(1))
    return [Piece("date", m.start(), m.end(), DateRef(day=d))] if 1 <= d <= 31 else []


@rule(rf"\b(?:at\s+)?(half|a quarter|quarter|(\d{{1,2}}|{WORDNUM_RE})\s*(?:min(?:ute)?s?)?)\s+(past|after|to|before)\s+(\d{{1,2}}|{HOUR_WORD_RE}|noon|midnight)(?:\s*o'?\s?clock)?(?:\s*{_MER})?")
def _clock_past(m, ctx):
    q = m.group(1).lower()
    if m.group(3).lower() in ("to", "before") and not re.search(r"half|quarter|min", q):
        return []  # "5 to 6pm" is a range, not 6:55
    mins = 30 if q == "half" else 15 if "quarter" in q else en_number(m.group(2) or "")
    if m.group(4).lower() in ("noon", "midnight") and mins is not None:  # "a quarter to noon": 11:45
        base = 12 * 60 if m.group(4).lower() == "noon" else 24 * 60
        total = base + (int(mins) if m.group(3).lower() in ("past", "after") else -int(mins))
        hh, mm = divmod(total % (24 * 60), 60)
        return [Piece("clock", m.start(), m.end(), Clock(hh, mm, 0, None, explicit_24h=True))]
    h = en_number(m.group(4))
    if mins is None or h is None or not 1 <= h <= 12:
        return []
    total = int(h) * 60 + (int(mins) if m.group(3).lower() in ("past", "after") else -int(mins))
    hh, mm = divmod(total % (24 * 60), 60)
    return [Piece("clock", m.start(), m.end(), Clock(hh or 12, mm, 0, _mer(m.group(5))))]


rule(r"\b(?:12\s+)?(noon|mid-?day)(?:ish)?\b")(noon_pieces)
rule(r"\b(?:12\s+)?mid\s?night\b")(midnight_pieces)


# time ranges with bare numbers: "from 2 to 4pm", "between 1 and 3", "5-6 pm", "Monday 12-4"
_T = rf"(\d{{1,2}}|{HOUR_WORD_RE})(?:[:.](\d{{2}}))?(?:\s*{_MER})?"


@rule(rf"\b(from|between)\s+{_T}\s*(?:-|–|to|till|until|and|through)\s*{_T}(?:\s*o'?\s?clock)?"
      rf"|(?<![\d/:.-]){_T}\s*(?:-|–|to|till|until)\s*{_T}(?:\s*o'?\s?clock)?(?![\d/:-]|\.\d)")
def _clock_range(m, ctx):
    if re.match(r"[-/]\d", m.string[m.end():]):
        return []  # "from 10-1-2018": a numeric date
    if not re.search(r"[ap]\.?\s?m|:|o'?\s?clock", m.group(0), re.IGNORECASE) and re.match(rf"\s*(?:st|nd|rd|th)?\s+(?:(?:of|in)\s+(?:the\s+)?)?(?:{MONTH_RE}|(?:this|next|last)\s+month)",
                m.string[m.end():], re.IGNORECASE):
        return []  # "from 4-23 in next month", "between 3 and 12 of Sept": days of a month
    if m.group(1):
        g = [m.group(i) for i in range(2, 8)]
    else:
        g = [m.group(i) for i in range(8, 14)]
    h1, m1, mer1, h2, m2, mer2 = g
    a, b = en_number(h1), en_number(h2)
    if a is None or b is None or a > 24 or b > 24:
        return []
    if not (m.group(1) or mer1 or mer2 or m1 or m2 or "clock" in m.group(0).lower()):
        # bare "12-4": only right after a date word (checked by the caller's grouping) - mark weak
        before = m.string[: m.start()].rstrip().lower()
        after = m.string[m.end():].lower()
        if not (re.search(r"(day|tomorrow|today|tonight|morning|afternoon|evening|\d(?:st|nd|rd|th))$", before)
                or re.match(rf"\s*(?:on\s+)?(?:next|this|today|tomorrow|tonight|in the|{WEEKDAY_RE})", after)):
            return []
    c1 = Clock(int(a), int(m1 or 0), 0, _mer(mer1))
    c2 = Clock(int(b), int(m2 or 0), 0, _mer(mer2))
    mid = m.start(5) if m.group(1) else m.start(11)
    return [Piece("clock", m.start(), mid - 1, c1), Piece("conn", mid - 1, mid, "to"), Piece("clock", mid, m.end(), c2)]


# --------------------------------------------------------------------------------------- connectors
_CONNS: dict[str, str] = load("en", "connectors")


@rule(r"\b(?:(?:or|and)\s+(?:later|after|greater|beyond|earlier|before)|onwards?)\b(?![ \t]+(?:\d|than\b))|[>＞]\s*=|[<＜]\s*=|\bbeginning(?:\s+on)?\b(?!\s+of\b)|\b(?:greater than|as early as|as late as|no later than|not later than|later than|earlier than|prior to|up to|starting from|starting|as of|by|until|till|til|before|after|since|from|to|through|thru|between|and)\b|(?<=\d)\s*[-–]\s*(?=\d|[a-z])")
def _conn(m, ctx):
    word = re.sub(r"\s+", " ", m.group(0).strip().lower())
    if word[0] in "<>＜＞":
        return [Piece("conn", m.start(), m.end(), "since" if word[0] in ">＞" else "before-incl")]
    if word.startswith("beginning"):
        return [Piece("conn", m.start(), m.end(), "after-start")]
    return [Piece("conn", m.start(), m.end(), _CONNS[word])]


@rule(r"\blast\s+night\b")
def _last_night(m, ctx):
    return [Piece("date", m.start(), m.start() + 4, _day(ctx, -1)), Piece("pod", m.start() + 5, m.end(), "night")]


@rule(r"\b(today|tomorrow|tmrw|yesterday)\s+(am|pm|a\.m\.|p\.m\.)(?![a-z])")
def _day_ampm(m, ctx):
    pod = "morning" if m.group(2).lower().startswith("a") else "afternoon"
    return [Piece("date", m.start(), m.end(1), _day(ctx, _REL[m.group(1).lower()])),
            Piece("pod", m.start(2), m.end(), pod)]


@rule(rf"(?<![\d.,])\b(?:at\s+)?(\d{{1,2}}|{HOUR_WORD_RE})(?::(\d{{2}}))?\s+(?:o'?clock\s+)?(?:in\s+the|this)\s+(morning|afternoon|evening|night)\b")
def _clock_in_pod(m, ctx):
    h = en_number(m.group(1))
    if h is None or not 0 <= h <= 12:
        return []
    return [Piece("clock", m.start(), m.start(3) - 1, Clock(int(h), int(m.group(2) or 0))),
            Piece("pod", m.start(3), m.end(), m.group(3).lower())]


@rule(r"(?<![\d/.:$-])((?:19|20)\d{2})\s*(-|–|~|to|till|until|through|thru|and)\s*((?:19|20)\d{2})(?![\d/:%-])")
def _year_range(m, ctx):
    a, b = int(m.group(1)), int(m.group(3))
    if b <= a:
        return []
    return [Piece("date", m.start(1), m.end(1), DateRef(span=year_span(a))),
            Piece("conn", m.start(2), m.end(2), "to"),
            Piece("date", m.start(3), m.end(3), DateRef(span=year_span(b)))]


rule(r"\b(\d{1,2})(?:st|nd|rd|th)\s+century\b")(century_pieces)


@rule(rf"\bfor\s+({NUM_RE})\s+(hours?|hrs?|minutes?|mins?|days?|weeks?|nights?)\b(?:\s+(?:and\s+)?(\d+)\s+(?:minutes?|mins?))?,?"
      rf"|\b({NUM_RE})\s+(days?|weeks?)\s+(?=starting|beginning)")
def _for_duration(m, ctx):
    num, unit = _either(m, (1, 2), (4, 5))
    n = en_number(num)
    if n is None:
        return []
    u = unit.lower()
    per = 3600 if u.startswith("h") else 60 if u.startswith("m") else 7 * 86400 if u.startswith("w") else 86400
    secs = n * per + (int(m.group(3)) * 60 if m.group(3) else 0)
    return [Piece("dur", m.start(), m.end(), timedelta(seconds=secs))]


@rule(r"\b(?:the\s+)?week\s+(?:of|beginning|starting(?:\s+on)?|commencing)\b|\bw/c\b")
def _week_of(m, ctx):
    return [Piece("conn", m.start(), m.end(), "weekof")]


_NTH = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5}


@rule(rf"\b(?:the\s+)?((?:(?:second|2nd|third|3rd)[\s-]+(?:to[\s-]+)?)?last|first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|penultimate)\s+(week|{WEEKDAY_RE})\s+(?:of|in)\s+(?:(this|next|last)\s+(month|year)|({MONTH_RE})(?:\s*,?\s*(\d{{4}}))?|(\d{{4}}))")
def _nth_in(m, ctx):
    nth = re.sub(r"[\s-]+", " ", m.group(1).lower())
    back = 1 if nth == "penultimate" else 2 if nth.endswith("last") and nth.split()[0] in ("third", "3rd") else \
        1 if nth.endswith("last") and nth != "last" else 0
    n = None if nth.endswith("last") or nth == "penultimate" else _NTH[nth]
    if m.group(3):
        shift = _shift(m.group(3))
        span = month_span(ctx, shift) if m.group(4).lower() == "month" else year_span(ctx.today.year + shift)
    elif m.group(5):
        span = resolve_date_ref(DateRef(month=month_num(m.group(5)), year=int(m.group(6)) if m.group(6) else None), ctx.today)
    else:
        span = year_span(int(m.group(7)))
    assert span is not None
    first, last = span.start, span.end - timedelta(days=1)
    unit = m.group(2).lower()
    if unit == "week":
        s = nth_week(first, last, n) - timedelta(weeks=back)
        return _dp(m, DateRef(span=Span(s, s + timedelta(days=7), "week")))
    wd = WEEKDAYS[unit.rstrip(".")]
    if n is None:
        d = last - timedelta(days=(last.weekday() - wd) % 7 + 7 * back)
    else:
        d = first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (n - 1))
    if d >= span.end:
        return []
    return _dp(m, DateRef(span=Span(d, d + timedelta(days=1), "day")))


@rule(r"\b(?:the\s+)?week\s+(\d{1,2})(?!\d)(?:\s+of\s+(?:(\d{4})|(?:the\s+)?(this|next|last|previous)\s+year))?")
def _iso_week(m, ctx):
    n = int(m.group(1))
    y = int(m.group(2)) if m.group(2) else ctx.today.year + (_shift(m.group(3)) if m.group(3) else 0)
    try:
        s0 = date.fromisocalendar(y, n, 1)
    except ValueError:
        return []
    return _dp(m, DateRef(span=Span(s0, s0 + timedelta(days=7), "week")))


RULES_BY_NAME = {"weekday": next(p for p, h in RULES if h is _weekday)}
POSTFIX = False


@rule(r"\b(?:(this|next|last|the)\s+|(?:the\s+)?(current|coming|following|upcoming|previous|past)\s+)quarter\b|\b(?:q([1-4])|([1-4])(?:st|nd|rd|th)\s+(?:quarter|qtr\.?|qr\.?))(?:\s+(?:of\s+)?(?:fy\s?)?(\d{4}))?(?!\w)|\b(\d{4})[\s-]*(q[1-4]|h[12])\b|\b(h[12])\s+(\d{4})\b")
def _quarter(m, ctx):
    def qspan(y: int, q: int, months: int = 3) -> Span:
        s0 = date(y, (q - 1) * months + 1, 1)
        return Span(s0, add_months(s0, months), "month")
    if m.group(1) or m.group(2):
        shift = _shift(m.group(1) or m.group(2))
        q0 = (ctx.today.month - 1) // 3
        idx = q0 + shift
        y, q = ctx.today.year + idx // 4, idx % 4 + 1
        return _dp(m, DateRef(span=qspan(y, q)))
    if m.group(3) or m.group(4):
        q = int(m.group(3) or m.group(4))
        y = int(m.group(5)) if m.group(5) else ctx.today.year
        return _dp(m, DateRef(span=qspan(y, q)))
    code = (m.group(7) or m.group(8)).lower()
    y = int(m.group(6) or m.group(9))
    if code[0] == "q":
        return _dp(m, DateRef(span=qspan(y, int(code[1]))))
    return _dp(m, DateRef(span=qspan(y, int(code[1]), 6)))


_ZONES: dict[str, str] = load("", "zones")
_ZONE_LONG = [k for k in _ZONES if " " in k]


_ZONE_WORDLIKE = {"et", "pt", "ist", "mst", "sgt", "hkt", "bst"}  # also English words or ambiguous: capitals only


@rule(r"(?<![\w+-])(?:(?-i:" + "|".join(k.upper() for k in _ZONES if k in _ZONE_WORDLIKE) + r")|"
      + alternation([k for k in _ZONES if " " not in k and k not in _ZONE_WORDLIKE]) + "|" + alternation(_ZONE_LONG)
      + r")(?![\w+-])|\b(?:UTC|GMT)\s*([+-−])\s*(\d{1,2})(?::?([0-5]\d))?(?!\d)|(?<!\w)\((?:UTC|GMT)\s*([+-])\s*(\d{1,2})\)")
def _zone(m, ctx):
    """An explicit zone next to a time: "8h00 PST", "3pm KST", "10am UTC+9", "9am Eastern Time"."""
    sign, hours, minutes = (m.group(1) or m.group(4)), (m.group(2) or m.group(5)), m.group(3)
    if hours is not None:
        off = int(hours) * 60 + int(minutes or 0)
        if off > 14 * 60:
            return []
        return [Piece("zone", m.start(), m.end(), timezone(timedelta(minutes=-off if sign in "-−" else off)))]
    return [Piece("zone", m.start(), m.end(), _ZONES[m.group(0).lower()])]


GLUE = re.compile(r"(?:[\s,@()]|\b(?:on|at|in|of|the|for|around|about|this)\b)*", re.IGNORECASE)


def lex(text: str, ctx: Context) -> list[Piece]:
    return run_rules(RULES, text, ctx)


# ------------------------------------------------------------------------------------- holidays
_HOLIDAY_NAMES: list[tuple[str, str]] = list(load("en", "holidays").items())
_HOLIDAY_RE = "|".join(f"(?P<h{i}>{p})" for i, (p, _) in enumerate(_HOLIDAY_NAMES))


@rule(rf"\b(?:(next|last|previous|following|this|coming|the coming|upcoming)\s+)?(?:{_HOLIDAY_RE})"
      rf"(?:\s+(?:of\s+)?(?:(this|next|last)\s+year|(\d{{4}}))\b)?(?:\s+(holidays|break))?(?![\w'])")
def _holiday(m, ctx):
    name = next(key for i, (_, key) in enumerate(_HOLIDAY_NAMES) if m.group(f"h{i}"))
    mod = (m.group(1) or "").lower()
    ymod, ynum = m.group(len(_HOLIDAY_NAMES) + 2), m.group(len(_HOLIDAY_NAMES) + 3)
    year = int(ynum) if ynum else (ctx.today.year + _shift(ymod) if ymod else None)
    shift = None if not mod else {"this": 0, "last": -1, "previous": -1}.get(mod, 1)
    span = holiday_span(name, ctx.today, year=year, shift=shift)
    if span and m.group(len(_HOLIDAY_NAMES) + 4):  # "the Chuseok holidays": the days off around it
        span = holiday_break(span.start, holiday_country(name) or ctx.country or "US")
    return _dp(m, DateRef(span=span)) if span else []


@rule(rf"\b(?:the\s+)?(next|following|coming|upcoming|previous|last|past)\s+({NUM_RE})\s+(?:business|working|work)\s+days?\b")
def _business_days(m, ctx):
    n = en_number(m.group(2))
    if n is None or n < 1:
        return []
    sign = -1 if m.group(1).lower() in ("previous", "last", "past") else 1
    return _dp(m, DateRef(span=business_days_span(ctx.today, int(n), sign, ctx.country)))


@rule(r"\b(?:the\s+)?(year|month|week)\s+to\s+date\b|\b(ytd|mtd)\b")
def _to_date(m, ctx):
    unit = (m.group(1) or {"ytd": "year", "mtd": "month"}[m.group(2).lower()]).lower()
    start = {"year": ctx.today.replace(month=1, day=1), "month": ctx.today.replace(day=1),
             "week": week_start(ctx.today)}[unit]
    if start >= ctx.today:
        return []
    return _dp(m, DateRef(span=Span(start, ctx.today, "day")))


@rule(r"\bbefore\s+(?:the\s+)?end\s+of\b|\bafter\s+(?:the\s+)?(?:beginning|start)\s+of\b")
def _before_end_of(m, ctx):
    """"before the end of December" = by the end of it; "after the beginning of March" = from its start."""
    kind = "before-incl" if m.group(0).lower().startswith("before") else "after-start"
    return [Piece("conn", m.start(), m.end(), kind)]


@rule(rf"\b(early|mid|later?)\s+(?:in\s+)?(?:the\s+day\s+)?(today|tomorrow|tmrw|yesterday)\b|\b(early|late)\s+in\s+the\s+day(?:\s+(?:on\s+)?({WEEKDAY_RE}))?")
def _day_part(m, ctx):
    """"later in today" 12-24, "mid today" 10-14, "early in the day Wednesday" 0-12."""
    word = (m.group(1) or m.group(3)).lower()
    out: list[Piece] = []
    if m.group(2):
        out.append(Piece("date", m.start(2), m.end(2), _day(ctx, _REL[m.group(2).lower()])))
    elif m.group(4):
        out.extend(_weekday(RULES_BY_NAME["weekday"].match(m.group(4)), ctx))  # type: ignore[arg-type]
        out[-1].start, out[-1].end = m.start(4), m.end(4)
    pod = "earlymorning" if word == "early" else "midday-wide" if word == "mid" else "laterday"
    out.insert(0, Piece("pod", m.start(), m.start() + len(word), pod))
    return out


@rule(r"(?<![\d:/.])(?:at|@)\s*(\d{1,2})\.(\d{2})(?![\d.]|\s*(?:%|percent))")
def _clock_dot(m, ctx):
    h, mi = int(m.group(1)), int(m.group(2))
    if h > 23 or mi > 59:
        return []
    return [Piece("clock", m.start(), m.end(), Clock(h, mi, explicit_24h=h >= 13))]


@rule(rf"\b(?:at\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s*(,|and|&|or)\s*(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH_RE})(?:\s*,?\s*(\d{{4}}))?\b")
def _days_list_month(m, ctx):
    """"18 and 19 June": the first day shares the month (and year) written after the second."""
    mo = month_num(m.group(4))
    y = int(m.group(5)) if m.group(5) else None
    out: list[Piece] = []
    for g in (1, 3):
        d = int(m.group(g))
        if not valid_date(2000, mo, d):
            return []
        ref = DateRef(month=mo, day=d, year=y)
        if y is not None:
            dd = valid_date(y, mo, d)
            if dd is None:
                return []
            ref = DateRef(span=Span(dd, dd + timedelta(days=1), "day"), year=y)
        start = m.start() if g == 1 else m.start(3)
        end = m.end(1) if g == 1 else m.end()
        out.append(Piece("date", start, end, ref))
    out.insert(1, Piece("conn", m.start(2), m.end(2), "and"))
    return out



RULES.insert(0, RULES.pop(next(i for i, (_, h) in enumerate(RULES) if h is _days_list_month)))  # before single dates

# ------------------------------------------------------------------------------- more date forms
def _one_day(d: date | None) -> DateRef | None:
    return DateRef(span=Span(d, d + timedelta(days=1), "day"), year=d.year) if d else None


_TOK = rf"(\d{{1,4}}|{MONTH_RE[3:-4]})"


@rule(rf"(?<![\w/.-]){_TOK}([-/. ])(?:\(?(?:{WEEKDAY_RE})\)?\2?)?{_TOK}\2{_TOK}(?![\w/-])")
def _mixed_date(m, ctx):
    """Three parts with a month name in any order: 05-Aug-2016, 2019/aug/01, Sep-23-2020, 23-2020-September."""
    parts = [m.group(1), m.group(3), m.group(4)]
    names = [i for i, p in enumerate(parts) if not p.isdigit()]
    if len(names) != 1:
        return []
    mo = month_num(parts[names[0]])
    nums = [int(p) for i, p in enumerate(parts) if i != names[0]]
    years = [n for n, p in zip(nums, [p for i, p in enumerate(parts) if i != names[0]]) if len(p) == 4]
    if len(years) != 1:
        return []
    y = years[0]
    d = next(n for n in nums if n != y) if nums.count(y) == 1 else y
    return _dp(m, _one_day(valid_date(y, mo, d)))


@rule(r"(?<![\d])((?:19|20)\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])(?!\d)")
def _compact_date(m, ctx):
    """20161016."""
    return _dp(m, _one_day(valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))


@rule(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")
def _dotted_date(m, ctx):
    """23.04.2022 (day.month.year)."""
    return _dp(m, _one_day(valid_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))))


@rule(r"(?<![\d/-])(\d{1,2})-(\d{1,2})-(\d{4})(?![\d/])")
def _dashed_date(m, ctx):
    """10-1-2018 / 02-02-2020 (month-day-year, US)."""
    a, b = int(m.group(1)), int(m.group(2))
    mo, d = (a, b) if a <= 12 else (b, a)
    return _dp(m, _one_day(valid_date(int(m.group(3)), mo, d)))


@rule(rf"\b({MONTH_RE[3:-4]})(?:/(\d{{4}}))?\s*[-–]\s*({MONTH_RE[3:-4]})(?:/(\d{{4}}))?\b")
def _month_month(m, ctx):
    """"Jan-Feb 2017", "Dec/2018-May/2019": two months joined by a dash."""
    a, b = month_num(m.group(1)), month_num(m.group(3))
    ya = int(m.group(2)) if m.group(2) else None
    yb = int(m.group(4)) if m.group(4) else None
    return [Piece("date", m.start(1), m.end(2) if m.group(2) else m.end(1), DateRef(month=a, year=ya)),
            Piece("conn", m.end(2) if m.group(2) else m.end(1), m.start(3), "to"),
            Piece("date", m.start(3), m.end(), DateRef(month=b, year=yb))]


@rule(r"\bthe\s+day\s+(before|after)\b(?!\s+(?:tomorrow|yesterday|today|\w+day\b|\d|the\b|next|last|this))")
def _the_day_before(m, ctx):
    return _dp(m, _day(ctx, -1 if m.group(1).lower() == "before" else 1))


@rule(r"\b(?:the\s+)?same\s+(day|week|month|year)\b")
def _same_period(m, ctx):
    unit = m.group(1).lower()
    if unit == "day":
        return _dp(m, _day(ctx, 0))
    span = week_span(ctx, 0) if unit == "week" else month_span(ctx, 0) if unit == "month" else year_span(ctx.today.year)
    return _dp(m, DateRef(span=span))


@rule(r"\b(?:(?:an?\s+)?fortnight\s+(later|ago|from\s+now)|(?:in\s+)?an?\s+fortnight(?:'s|’s)?(?:\s+time)?)|\b(the|this|next|past|last|previous|coming)\s+fortnight\b")
def _fortnight(m, ctx):
    if m.group(2):
        shift = {"the": 0, "this": 0, "next": 1, "coming": 1}.get(m.group(2).lower(), -1)
        s0 = week_start(ctx.today) + timedelta(weeks=2 * shift)
        return _dp(m, DateRef(span=Span(s0, s0 + timedelta(days=14), "day")))
    sign = -1 if (m.group(1) or "").lower() == "ago" else 1
    return [Piece("moment", m.start(), m.end(), offset_window(ctx, 2, "week", sign))]


@rule(r"\b(?:at\s+present|at\s+the\s+present\s+time|at\s+this\s+time|at\s+the\s+minute|at\s+the\s+moment)\b")
def _at_present(m, ctx):
    w = Window("instant", ctx.now, ctx.now + timedelta(minutes=1), "minute", absolute=True)
    return [Piece("moment", m.start(), m.end(), w)]


@rule(rf"\b(?:the\s+)?{DAYNUM_RE}\s+day\s+of\s+(?:(the|this|next|last|previous)\s+month|({MONTH_RE})(?:\s*,?\s*(\d{{4}}))?)")
def _nth_day_of(m, ctx):
    """"the 15th day of next month", "the twenty third day of September"."""
    d = _daynum(m, 1, 2)
    if d is None or not 1 <= d <= 31:
        return []
    if m.group(3):
        base = month_span(ctx, _shift(m.group(3)) if m.group(3).lower() != "the" else 0).start
        return _dp(m, _one_day(valid_date(base.year, base.month, d)))
    mo = month_num(m.group(4))
    if m.group(5):
        return _dp(m, _one_day(valid_date(int(m.group(5)), mo, d)))
    return _dp(m, DateRef(month=mo, day=d)) if valid_date(2000, mo, d) else []


@rule(r"\b(this|next|last|previous|the)\s+(?:working\s+week|work\s?week|business\s+week)\b")
def _work_week(m, ctx):
    span = week_span(ctx, _shift(m.group(1)))
    return _dp(m, DateRef(span=Span(span.start, span.start + timedelta(days=5), "day")))


@rule(rf"\b(?:the\s+)?(next|following|coming|upcoming|previous|last|past)\s+({NUM_RE})\s+quarters?\b")
def _n_quarters(m, ctx):
    n = en_number(m.group(2))
    if n is None or n < 1:
        return []
    q0 = date(ctx.today.year, 3 * ((ctx.today.month - 1) // 3) + 1, 1)
    if m.group(1).lower() in ("previous", "last", "past"):
        return _dp(m, DateRef(span=Span(add_months(q0, -3 * int(n)), q0, "month")))
    s0 = add_months(q0, 3)
    return _dp(m, DateRef(span=Span(s0, add_months(s0, 3 * int(n)), "month")))


@rule(r"\b(?:(?:the\s+)?(beginning|start|middle|end)\s+of\s+(?:the\s+year\s+)?|(early|mid|late)[\s-]+)((?:19|20)\d{2})\b")
def _year_part(m, ctx):
    """"end of 2000", "mid 1989": product halves as documented; recognizers thirds (Jan-Apr, May-Aug, Sep-Dec)."""
    word = (m.group(1) or m.group(2)).lower()
    y = int(m.group(3))
    third = {"beginning": 0, "start": 0, "early": 0, "middle": 1, "mid": 1, "end": 2, "late": 2}[word]
    if ctx.convention == "recognizers":
        s0 = date(y, 1 + 4 * third, 1)
        return _dp(m, DateRef(span=Span(s0, add_months(s0, 4), "month"), edge=(year_span(y), _PART_WORD[word])))
    return _dp(m, DateRef(span=period_part(year_span(y), _PART_WORD[word]), edge=(year_span(y), _PART_WORD[word])))


# ------------------------------------------------------------------------- spelled-out numbers
_ONE_TO_NINE = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEENS_RE = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS_ALL = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
             "ninety": 90}
_TENS_RE = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_UNDER100_RE = rf"(?:{_TENS_RE}(?:[\s-]{_ONE_TO_NINE})?|{_TEENS_RE}|{_ONE_TO_NINE})"
_CENTURY_RE = r"(?:eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)"
YEAR_WORDS_RE = (rf"(?:{_CENTURY_RE}\s+(?:hundred\s+(?:and\s+)?)?(?:{_TENS_RE}(?:[\s-]{_ONE_TO_NINE})?|{_TEENS_RE}"
                 rf"|oh\s+{_ONE_TO_NINE})|{_CENTURY_RE}\s+hundred|two\s+thousand(?:(?:\s+and)?\s+{_UNDER100_RE})?)")


def under_100(s: str) -> int | None:
    """"forty-three" -> 43, "fifteen" -> 15, "oh five" -> 5 (spelled numbers below 100)."""
    words = s.lower().replace("-", " ").split()
    if words and words[0] == "oh":
        words = words[1:]
    if len(words) == 1 and words[0] in _ONES:
        return _ONES[words[0]]
    if words and words[0] in _TENS_ALL and len(words) <= 2:
        if len(words) == 1:
            return _TENS_ALL[words[0]]
        if words[1] in _ONES and _ONES[words[1]] < 10:
            return _TENS_ALL[words[0]] + _ONES[words[1]]
    return None


def year_words(s: str) -> int | None:
    """A spelled-out year: "nineteen ninety six", "two thousand and fifteen", "seventeen hundred thirty three"."""
    w = re.sub(r"\s+", " ", s.lower().replace("-", " ")).strip()
    if w.startswith("two thousand"):
        rest = w[len("two thousand"):].strip()
        rest = rest[4:] if rest.startswith("and ") else rest
        n = under_100(rest) if rest else 0
        return None if n is None else 2000 + n
    head, _, rest = w.partition(" ")
    century = _ONES.get(head) or _TENS_ALL.get(head)
    if century is None:
        return None
    rest = re.sub(r"^hundred\s*(?:and\s*)?", "", rest)
    n = under_100(rest) if rest else 0
    return None if n is None else century * 100 + n


_YEAR_CTX = re.compile(rf"(?:\b(?:in|of|since|until|till|by|from|to|through|before|after|during|year)|{MONTH_RE}"
                       rf"|\d(?:st|nd|rd|th)?|{ORD_WORD_RE}|{_UNDER100_RE})\s*,?\s*$", re.IGNORECASE)


@rule(rf"\b({YEAR_WORDS_RE})\b")
def _year_words(m, ctx):
    """A spelled-out year after a preposition or a date: "in nineteen ninety six", "May 5 two thousand"."""
    if not _YEAR_CTX.search(m.string[: m.start()]):
        return []
    y = year_words(m.group(1))
    if y is None or not 1000 <= y <= 2999:
        return []
    return _dp(m, DateRef(span=year_span(y)))


_CARD_DAY_RE = rf"(?:(?:twenty)(?:[\s-]{_ONE_TO_NINE})?|thirty(?:[\s-]one)?|{_TEENS_RE})"


@rule(rf"{_MAY_OK}\b({MONTH_RE})\s+(?:the\s+)?({_CARD_DAY_RE})\b(?![\s-]+(?:{UNIT_RE}|percent|people|persons|times)\b)"
      rf"|\b({_CARD_DAY_RE})\s+(?:of\s+)?({MONTH_RE})(?!\w)")
def _month_card_day(m, ctx):
    """A day of month as a spelled cardinal: "May twenty nine", "fifteen August"."""
    mo = month_num(m.group(1) or m.group(4))
    d = under_100(m.group(2) or m.group(3))
    if d is None or not valid_date(2000, mo, d):
        return []
    return _dp(m, DateRef(month=mo, day=d))


_MIN_WORD_RE = rf"(?:oh[\s-]{_ONE_TO_NINE}|{_TEENS_RE}|(?:twenty|thirty|forty|fifty)(?:[\s-]?{_ONE_TO_NINE})?)"
_WORD_MER = r"(a\s*\.?\s*m\b\s*\.?|p\s*\.?\s*m\b\s*\.?)"
_WORD_CLOCK_CTX = re.compile(
    rf"(?:\b(?:at|from|to|till|until|between|and|by|around|about|tomorrow|today|tonight|morning|afternoon|evening"
    rf"|night)|\d(?:st|nd|rd|th)|{ORD_WORD_RE}|{WEEKDAY_RE})\s*,?\s*$", re.IGNORECASE)


@rule(rf"\b(?:at\s+)?({HOUR_WORD_RE})(?:[\s-]+({_MIN_WORD_RE})(?:\s+minutes?)?)?(?:\s*{_WORD_MER})?(?![\w-])")
def _word_clock(m, ctx):
    """A spelled clock time: "one thirty p m", "nine a m", "seven twenty-seven", "five-thirty"."""
    if not (m.group(2) or m.group(3)):
        return []
    if not m.group(3) and not m.group(0).lower().startswith("at") and not _WORD_CLOCK_CTX.search(m.string[: m.start()]):
        return []
    h = int(en_number(m.group(1)) or 0)
    mi = under_100(m.group(2)) if m.group(2) else 0
    if mi is None or mi > 59:
        return []
    return [Piece("clock", m.start(), m.end(), Clock(h, mi, 0, _mer(m.group(3).replace(" ", "")) if m.group(3) else None))]


# ------------------------------------------------------------------------- day ranges in one month
_RANGE_SEP = r"(-|–|to|through|thru|till|until|and)"
_NOT_CLOCK = r"(?!\s*(?::|\.\d|am\b|pm\b|a\.m|p\.m|a\b|p\b|o'?clock|hours?\b|hrs?\b|minutes?\b|mins?\b))"


def _day_range_pieces(m: re.Match[str], lead: int, d1: int | None, d2: int | None, sep: int,
                      frame: tuple[int, int | None] | Span) -> list[Piece]:
    """Pieces for "<d1> to <d2>" inside one month frame (a month [+ year] or a concrete month span)."""
    if d1 is None or d2 is None or not (1 <= d1 <= 31 and 1 <= d2 <= 31):
        return []
    if isinstance(frame, Span):
        y, mo = frame.start.year, frame.start.month
        a, b = valid_date(y, mo, d1), valid_date(y, mo, d2)
        if a is None or b is None or b < a:
            return []
        left, right = _one_day(a), _one_day(b)
    else:
        mo, y = frame
        if not valid_date(2000, mo, d1):
            return []
        mo2, y2 = (mo, y) if d2 >= d1 else (mo % 12 + 1, (y + 1 if y and mo == 12 else y))
        if not valid_date(2000, mo2, d2):
            return []
        left = DateRef(month=mo, day=d1, year=y) if y is None else _one_day(valid_date(y, mo, d1))
        right = DateRef(month=mo2, day=d2, year=y2) if y2 is None else _one_day(valid_date(y2, mo2, d2))
        if left is None or right is None:
            return []
    out: list[Piece] = []
    start = m.start()
    if lead and m.group(lead):
        out.append(Piece("conn", m.start(lead), m.end(lead), "from"))
        start = m.start(lead) + len(m.group(lead)) + 1
    out += [Piece("date", start, m.start(sep), left), Piece("conn", m.start(sep), m.end(sep), "to"),
            Piece("date", m.end(sep), m.end(), right)]
    return out


@rule(rf"\b(?:(from|between)\s+)?(?:the\s+)?{DAYNUM_RE}\s*{_RANGE_SEP}\s*(?:the\s+)?{DAYNUM_RE}\s+"
      rf"(?:(?:of\s+)?({MONTH_RE})(?:\s*,?\s*(\d{{4}}))?(?!\w)|(?:of|in)\s+(?:the\s+)?(this|next|last|previous|coming)\s+month\b)")
def _days_of_month(m, ctx):
    """"between 3 and 12 of Sept", "from ninth till seventeenth of april", "from 4-23 in next month"."""
    if m.group(9):
        frame: tuple[int, int | None] | Span = month_span(ctx, _shift(m.group(9)))
    else:
        frame = (month_num(m.group(7)), int(m.group(8)) if m.group(8) else None)
    return _day_range_pieces(m, 1, _daynum(m, 2, 3), _daynum(m, 5, 6), 4, frame)


@rule(rf"\b({MONTH_RE})\s+(?:the\s+)?{DAYNUM_RE}\s*{_RANGE_SEP}\s*(?:the\s+)?{DAYNUM_RE}{_NOT_CLOCK}"
      rf"(?!\s*(?:of\s+)?{MONTH_RE})(?:\s*,?\s*(\d{{4}}))?\b")
def _month_days(m, ctx):
    """"april ninth through seventeenth", "april twenty-seventh to the third" (the next month's third)."""
    if m.group(4).lower() == "and":
        return []
    frame = (month_num(m.group(1)), int(m.group(7)) if m.group(7) else None)
    return _day_range_pieces(m, 0, _daynum(m, 2, 3), _daynum(m, 5, 6), 4, frame)


# ------------------------------------------------------------------------------- more numeric forms
@rule(r"(?<![\d/])(\d{1,2})-(\d{1,2})-(\d{4})\s*[-–]\s*(\d{1,2})-(\d{1,2})-(\d{4})(?![\d/])")
def _dashed_date_range(m, ctx):
    """10-1-2018-10-7-2018: two US month-day-year dates joined by a dash."""
    a = valid_date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    b = valid_date(int(m.group(6)), int(m.group(4)), int(m.group(5)))
    if a is None or b is None:
        return []
    return [Piece("date", m.start(1), m.end(3), _one_day(a)), Piece("conn", m.end(3), m.start(4), "to"),
            Piece("date", m.start(4), m.end(), _one_day(b))]


@rule(r"(?<![\d/.:-])((?:19|20)\d{2})\s+(\d{1,2})\s+(\d{1,2})(?![\d/:.])")
def _spaced_ymd(m, ctx):
    """2016 10 16."""
    return _dp(m, _one_day(valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))


@rule(r"(?<![\d/.:-])(\d{1,2})[-/]((?:19|20)\d{2})(?![\d/:.-])")
def _month_year_num(m, ctx):
    """12-2015, 3/2019: a month and a year."""
    mo = int(m.group(1))
    return _dp(m, DateRef(month=mo, year=int(m.group(2)))) if 1 <= mo <= 12 else []


@rule(r"(?<![\d/])(?<!\d-)(\d{4})-(\d{2})-(\d{2})(?!\d)(?!-\d)")
def _iso_in_token(m, ctx):
    """A dashed ISO date inside a file name or path: archive-2018-09-23-page-01, -2020-07-01-."""
    return _dp(m, _one_day(valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))


# ------------------------------------------------------------------------- decades, parts of periods
_DECADE_WORDS = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
                 "eighties": 80, "nineties": 90}


@rule(r"\b(?:the\s+)?(twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b"
      r"|\b(?:(?<=\bthe\s)|(?<=\bin\s))'?([1-9]0)\s?'?s\b")
def _decade(m, ctx):
    """"the nineties", "in the 90s", "in 90 s": that decade of the 1900s."""
    n = _DECADE_WORDS[m.group(1).lower()] if m.group(1) else int(m.group(2))
    return _dp(m, DateRef(span=Span(date(1900 + n, 1, 1), date(1910 + n, 1, 1), "year")))


@rule(rf"\b(?:the\s+)?(this|current|next|coming|last|previous|past)\s+(?:({NUM_RE})\s+)?decades?\b")
def _decade_shift(m, ctx):
    """"the next decade" (the decade after the current one), "the next two decades", "last decade"."""
    n = en_number(m.group(2)) if m.group(2) else 1
    if n is None or n < 1 or n != int(n):
        return []
    d0 = ctx.today.year // 10 * 10
    shift = _shift(m.group(1))
    if shift == 0:
        return _dp(m, DateRef(span=Span(date(d0, 1, 1), date(d0 + 10, 1, 1), "year")))
    a, b = (d0 + 10, d0 + 10 + 10 * int(n)) if shift > 0 else (d0 - 10 * int(n), d0)
    return _dp(m, DateRef(span=Span(date(a, 1, 1), date(b, 1, 1), "year")))


def _holiday_weekend(day: date) -> Span:
    """The long weekend around a holiday: Sat..Mon for a Monday holiday, Thu/Fri..Sun for a Thursday or
    Friday one, else the Saturday and Sunday of (or after) its week."""
    wd = day.weekday()
    if wd == 0:
        return Span(day - timedelta(days=2), day + timedelta(days=1), "day")
    if wd in (3, 4):
        return Span(day, day + timedelta(days=7 - wd), "day")
    sat = day - timedelta(days=wd - 5) if wd >= 5 else day + timedelta(days=5 - wd)
    return Span(sat, sat + timedelta(days=2), "day")


_HOL_W = "|".join(f"(?P<w{i}>{p})" for i, (p, _) in enumerate(_HOLIDAY_NAMES))


@rule(rf"\b(?:the\s+)?(?:long\s+)?weekend\s+of\s+(?:{_HOL_W})(?:\s+(?P<ya>\d{{4}}))?\b"
      rf"|\b(?:{_HOL_W.replace('?P<w', '?P<v')})(?:\s+(?P<yb>\d{{4}}))?\s+(?:long\s+)?weekend(?:\s+(?P<yc>\d{{4}}))?\b")
def _holiday_weekend_rule(m, ctx):
    """"labor day weekend", "the weekend of halloween", "weekend of thanksgiving 2023"."""
    gd = m.groupdict()
    name = next(key for i, (_, key) in enumerate(_HOLIDAY_NAMES) if gd.get(f"w{i}") or gd.get(f"v{i}"))
    y = gd.get("ya") or gd.get("yb") or gd.get("yc")
    # [recognizers: this year's]; product: the coming one
    shift = 0 if ctx.convention == "recognizers" else None
    span = holiday_span(name, ctx.today, year=int(y) if y else None, shift=None if y else shift)
    return _dp(m, DateRef(span=_holiday_weekend(span.start))) if span else []


_FRAME_RE = (rf"(?:(?:the\s+)?(this|next|last|previous|current)\s+(year|month)|the\s+(year|month)"
             rf"|({MONTH_RE})(?:\s*,?\s*(\d{{4}}))?|(?:the\s+year\s+)?((?:19|20)\d{{2}}))")


def _frame(m: re.Match[str], g: int, ctx: Context) -> Span | None:
    """The period named by the ``_FRAME_RE`` groups starting at group ``g``."""
    if m.group(g):
        shift = _shift(m.group(g))
        return month_span(ctx, shift) if m.group(g + 1).lower() == "month" else year_span(ctx.today.year + shift)
    if m.group(g + 2):
        return month_span(ctx, 0) if m.group(g + 2).lower() == "month" else year_span(ctx.today.year)
    if m.group(g + 3):
        return resolve_date_ref(DateRef(month=month_num(m.group(g + 3)),
                                        year=int(m.group(g + 4)) if m.group(g + 4) else None), ctx.today)
    return year_span(int(m.group(g + 5)))


@rule(rf"\b(?:the\s+)?(first|last|final)\s+({NUM_RE})\s+(days?|weeks?|months?)\s+(?:of|in)\s+{_FRAME_RE}")
def _first_n_of(m, ctx):
    """"the first 2 weeks of 2021", "the last 3 weeks of this year", "first ten days of last year"."""
    n = en_number(m.group(2))
    frame = _frame(m, 4, ctx)
    if n is None or n < 1 or n != int(n) or frame is None:
        return []
    n, unit, first = int(n), unit_name(m.group(3)), m.group(1).lower() == "first"
    last_day = frame.end - timedelta(days=1)
    if unit == "day":
        s0, e0 = (frame.start, frame.start + timedelta(days=n)) if first else (frame.end - timedelta(days=n), frame.end)
    elif unit == "week":
        if first:
            s0 = nth_week(frame.start, last_day, 1)
            e0 = s0 + timedelta(weeks=n)
        else:
            e0 = nth_week(frame.start, last_day, None) + timedelta(weeks=1)
            s0 = e0 - timedelta(weeks=n)
    else:
        s0, e0 = (frame.start, add_months(frame.start, n)) if first else (add_months(frame.end, -n), frame.end)
    if s0 < frame.start - timedelta(days=6) or e0 > frame.end + timedelta(days=6) or s0 >= e0:
        return []
    return _dp(m, DateRef(span=Span(s0, e0, "day" if unit != "month" else "month")))


@rule(rf"\b(?:the\s+)?(last|final|first)\s+day\s+(?:of|in)\s+{_FRAME_RE}")
def _edge_day_of(m, ctx):
    """"the last day of December", "the first day of next month", "the last day of the year"."""
    frame = _frame(m, 2, ctx)
    if frame is None:
        return []
    return _dp(m, DateRef(span=period_part(frame, "첫날" if m.group(1).lower() == "first" else "말일")))


@rule(r"\b(?:the\s+)?(last|first)\s+day\s+of\s+(?:the\s+)?(this|next|last|coming|previous)?\s*week\b")
def _edge_day_of_week(m, ctx):
    """"the last day of next week" (its Sunday), "the first day of the week" (Monday)."""
    base = week_span(ctx, _shift(m.group(2)))
    return _dp(m, DateRef(span=period_part(base, "첫날" if m.group(1).lower() == "first" else "말일")))


@rule(rf"\b(?:the\s+)?{DAYNUM_RE}\s+(month|week)\s+(?:of|in)\s+{_FRAME_RE}")
def _nth_unit_of(m, ctx):
    """"the third month of 2021", "the 9th month of next year", "the second week of March"."""
    n = _daynum(m, 1, 2)
    frame = _frame(m, 4, ctx)
    if n is None or frame is None or n < 1:
        return []
    if m.group(3).lower() == "month":
        if frame.grain != "year" or n > 12:
            return []
        s0 = add_months(frame.start, n - 1)
        return _dp(m, DateRef(span=Span(s0, add_months(s0, 1), "month")))
    if n > 5 and frame.grain != "year":
        return []
    s0 = nth_week(frame.start, frame.end - timedelta(days=1), n)
    return _dp(m, DateRef(span=Span(s0, s0 + timedelta(days=7), "week")))


# ------------------------------------------------------------------------------- more small forms
@rule(r"(?<!\bup )(?<!\bequal )(?<!\bequals )\b(till|until|to)\s+(?:the\s+)?(?:current\s+|present\s+)?date\b(?!\s*\d)")
def _to_date_conn(m, ctx):
    """"till date", "from March to date": up to today."""
    return [Piece("conn", m.start(), m.end(1), "until"), Piece("date", m.end(1) + 1, m.end(), _day(ctx, 0))]


@rule(r"\b(?:(at|by|before|until|till)\s+)?(?:the\s+)?(eoy|eom|eow|eod|cob|eob)\b|\b(otd)\b")
def _abbrev_period(m, ctx):
    """EOD/COB, EOW, EOM, EOY: a deadline at the end of this day / week / month / year, from now
    ("by EOM" said on the 26th = now .. the 1st); OTD: on this day."""
    if m.group(3):
        return _dp(m, _day(ctx, 0))
    word = m.group(2).lower()
    if word in ("eod", "cob", "eob"):
        end = ctx.today + timedelta(days=1)
    else:
        end = (year_span(ctx.today.year) if word == "eoy" else month_span(ctx, 0) if word == "eom" else week_span(ctx, 0)).end
    if ctx.convention == "recognizers" and word != "eod":
        base = year_span(ctx.today.year) if word == "eoy" else month_span(ctx, 0) if word == "eom" else week_span(ctx, 0)
        return _dp(m, DateRef(span=period_part(base, "말")))
    return [Piece("moment", m.start(), m.end(), until_end(ctx, end))]


@rule(r"(?<![\d-])\b(?:(from|between)\s+)?([01]\d|2[0-3])([0-5]\d)\s*[-–]\s*([01]\d|2[0-3])([0-5]\d)\b(?!\s*(?:hrs|hours|h)\b|-\d)")
def _military_range(m, ctx):
    """"between 0730-0930": a range of four-digit 24-hour clock times (not years such as 2014-2018)."""
    if any(1900 <= int(m.group(g) + m.group(g + 1)) <= 2099 for g in (2, 4)):
        return []
    c1 = Clock(int(m.group(2)), int(m.group(3)), explicit_24h=True)
    c2 = Clock(int(m.group(4)), int(m.group(5)), explicit_24h=True)
    if (c2.hour, c2.minute) <= (c1.hour, c1.minute):
        return []
    mid = m.start(4)
    return [Piece("clock", m.start(), m.end(3), c1), Piece("conn", m.end(3), mid, "to"), Piece("clock", mid, m.end(), c2)]


_MEALS: dict[str, str] = _POD_LEX["meals"]


@rule(r"\b(after|before|around|about|at|during|by|until|till|over)\s+(breakfast|brunch|dinner\s?time|dinner|supper\s?time|supper)\b")
def _meal(m, ctx):
    """"after breakfast" (from the end of the morning), "around dinner" (the evening)."""
    pod = _MEALS[re.sub(r"\s+", "", m.group(2).lower())]
    return [Piece("pod", m.start(2), m.end(), pod)]


@rule(r"\b(?:the\s+)?(first|second|third|fourth|last)\s+quarter\s+of\s+(?:(the|this|next|last)\s+year|((?:19|20)\d{2}))\b")
def _quarter_of_year(m, ctx):
    """"the first quarter of the year", "the last quarter of next year"."""
    q = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4}[m.group(1).lower()]
    y = int(m.group(3)) if m.group(3) else ctx.today.year + _shift(m.group(2))
    s0 = date(y, 3 * q - 2, 1)
    return _dp(m, DateRef(span=Span(s0, add_months(s0, 3), "month")))

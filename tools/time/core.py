"""Language-independent pieces of the time resolver: calendar arithmetic and the combination rules.

The language lexers (``tools.time.ko``, ``tools.time.en``) turn text into :class:`Piece` objects (a date
reference, a part of day, a clock time, a computed moment, or a connector such as "from"/"until"). This
module groups adjacent pieces and turns each group into a :class:`Window`: naive local wall-clock times
that ``tools.time.resolver`` makes zone-aware.

Product semantics (one set, documented here; the ``recognizers`` convention changes only the two points
marked below, for the Recognizers-Text eval):

* Weeks start on Monday. "this week" = Monday..Sunday containing today.
* A bare weekday ("금요일", "Friday") = the next occurrence, today included.
* "next <weekday>" / "다음 (주) X요일" = that weekday in next calendar week; "this <weekday>" = in the
  current week (may be past); "last <weekday>" / "지난 X요일" = the most recent past occurrence;
  "지난 주 X요일" / "last week <weekday>" = that weekday of the previous week. "다가오는/오는/coming X" =
  the next occurrence strictly after today.
* A month/day without a year = the next occurrence (this year if not yet past, else next year); a day of
  month alone ("3일") = this month if not past, else next month; a month alone = this year if not past.
* A clock hour without am/pm or part of day: 1-6 -> afternoon (13-18h), 7-11 -> morning, 12 -> noon
  (business-hours reading). A clock time without a date = today.
* Parts of day (product): 새벽/early morning 00-06, 아침/오전/morning 08-12, 점심/lunch 12-13,
  낮/midday 11-15, 오후/afternoon 12-18, 저녁/evening 18-21, 밤/night/tonight 20-24.
  [recognizers: afternoon 12-16, evening 16-20 (their TAF/TEV).]
* Date ranges "A부터 B까지" / "from A to B" include B: end = the day after B.
  [recognizers: end = the start of B, as their specs write it; an edge of a period bounding a range is a
  point: "to the end of 2008" ends 2009-01-01, "from the middle of 2007" starts July 2.]
* "다음 주 월요일이나 화요일", "다음 5일 또는 40일": the second item shares the first one's modifier.
  [recognizers: a second weekday stands alone, as their specs read it.]
* [recognizers only: ``find_all`` also lists the split readings of a combined phrase (range sides, the
  date part and the time-of-day part, the anchor of a shift), as their specs list both.]
* "까지"/"by"/"until" X (open-before, inclusive): end = end of X for a date, X itself for a clock time.
  "before/이전/전" X: end = start of X. "after/이후" X: start = end of X for a date, X for a clock time.
  "since/부터/이래" X: start = start of X.
* "within N minutes/hours" / "N시간 안에·내·이내" = the span [now, now + N); with days or longer it stays
  the day N days ahead (a deadline). [recognizers: the span for every unit, as before.]
* "by EOD/COB", "by EOW", "by EOM", "by EOY" = from now to the end of that day / week / month / year.
  [recognizers: EOW/EOM/EOY are the late part of the period, as their specs write it.]
* A phrase naming a zone ("Thursday 8h00 PST", "3pm KST", "10am UTC+9", "미국 동부 시간 오전 9시") is read
  with "now" in that zone (a region's zone: PST in July is Pacific daylight time) and converted to the
  meeting's zone. [recognizers: the zone is ignored.]
* A month/day with a weekday it does not fall on this time ("Jul 18, Fri", "7월 18일 금요일") is the
  nearest year's in which it does. [recognizers: the upcoming month/day.]
* "the last day of X" / "X 말일", "the first day of X" / "X 첫날" = that one day; "through X" (no left
  side) = until the end of X, inclusive. "the second last week of X" = the week before X's last one.
* Named holidays come from the ``holidays`` package (tools.time.holiday); "N business days" / "영업일"
  skip weekends and the public holidays of the zone's country.
* Late/early parts of a period: "end of the month/월말" = 16th..end of month, "end of the year/연말" =
  July..December, "later this week/이번 주 후반" = Thursday..Sunday, beginnings symmetric.
  (``due_date`` narrows deadlines: end of week -> Friday, end of month/year -> its last day.)
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

Grain = Literal["minute", "hour", "day", "week", "month", "year"]
Kind = Literal["instant", "interval", "open-before", "open-after"]
Convention = Literal["product", "recognizers"]

GRAIN_ORDER: dict[str, int] = {"second": -1, "minute": 0, "hour": 1, "day": 2, "week": 3, "month": 4, "year": 5}

# Parts of day as (start hour, end hour) on the date, per convention.
PARTS_OF_DAY: dict[str, dict[str, tuple[float, float]]] = {
    "product": {
        "dawn": (0, 6), "morning": (8, 12), "lunch": (12, 13), "midday": (11, 15),
        "afternoon": (12, 18), "evening": (18, 21), "night": (20, 24), "earlymorning": (0, 12),
        "daytime": (8, 18), "businesshours": (8, 18), "midday-wide": (10, 14), "laterday": (12, 24),
    },
    "recognizers": {
        "dawn": (0, 6), "morning": (8, 12), "lunch": (11, 13), "midday": (11, 13),
        "afternoon": (12, 16), "evening": (16, 20), "night": (20, 24), "earlymorning": (0, 12),
        "daytime": (8, 18), "businesshours": (8, 18), "midday-wide": (10, 14), "laterday": (12, 24),
    },
}
# How a bare clock hour is read next to a part of day: +12 when the part is in the afternoon or later.
PM_PARTS = {"afternoon", "evening", "night", "afternoon:early", "afternoon:late", "evening:early", "evening:late"}


# ----------------------------------------------------------------------------------------- calendar math
def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def nth_week(first: date, last: date, n: int | None) -> date:
    """Monday of the n-th week (None: the last) of a period, counting weeks whose Thursday falls inside it."""
    if n is None:
        ws = week_start(last)
        return ws - timedelta(days=7) if ws + timedelta(days=3) > last else ws
    ws = week_start(first)
    if ws + timedelta(days=3) < first:
        ws += timedelta(days=7)
    return ws + timedelta(weeks=n - 1)


def last_day_of_month(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def valid_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------------ pieces
@dataclass(frozen=True)
class Span:
    """A calendar span [start, end) of whole days with its grain."""

    start: date
    end: date
    grain: Grain


@dataclass
class DateRef:
    """A date reference. Either ``span`` is known, or a partial: weekday / day of month / month (+year)."""

    span: Span | None = None
    weekday: int | None = None  # 0 = Monday
    week_shift: int | None = None  # with weekday: weeks from this week; None = next occurrence
    weekday_mode: str = "next"  # next | strict-next | last | week
    day: int | None = None
    month: int | None = None
    year: int | None = None
    prefer_past: bool = False  # "since Monday", "since March 3": the latest occurrence not after today
    edge: tuple[Span, str] | None = None  # "end of 2008": (the period, "초"/"중순"/"말") behind ``span``


@dataclass
class Clock:
    hour: int
    minute: int = 0
    second: int = 0
    meridiem: str | None = None  # "am" | "pm" | None
    explicit_24h: bool = False  # written as 15:00 / 0-23 with minutes on a 24-hour clock
    day_offset: int = 0  # 자정/midnight -> 24:00 == next day 00:00


@dataclass
class Piece:
    kind: str  # date | pod | clock | moment | conn | duration_window
    start: int
    end: int
    value: Any = None


@dataclass
class Window:
    """A resolved window in naive local wall-clock time."""

    kind: Kind
    start: datetime | None
    end: datetime | None
    grain: Grain
    text_start: int = 0
    text_end: int = 0
    absolute: bool = False  # start/end computed from now by elapsed time (keep through DST)
    zone: Any = None  # a tzinfo when the phrase named its own zone ("3pm PST"): the times are wall times there


@dataclass
class Context:
    now: datetime  # naive local wall-clock time
    convention: Convention = "product"
    past_since: bool = False  # English "since X" looks back; Korean "X부터" looks forward
    country: str | None = None  # ISO 3166 code whose public holidays working-day arithmetic skips

    @property
    def today(self) -> date:
        return self.now.date()


# ------------------------------------------------------------------------------ shared by the lexers
Handler = Callable[[re.Match[str], Context], list[Piece]]
Rule = tuple[re.Pattern[str], Handler]


def rule_adder(rules: list[Rule], flags: int = 0) -> Callable[[str], Callable[[Handler], Handler]]:
    """A lexer's ``@rule(pattern)`` decorator: appends ``(re.compile(pattern, flags), handler)`` to ``rules``."""

    def rule(pattern: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            rules.append((re.compile(pattern, flags), fn))
            return fn

        return deco

    return rule


def run_rules(rules: list[Rule], text: str, ctx: Context) -> list[Piece]:
    """Every piece the ``rules`` find in ``text``, rule by rule in their order."""
    out: list[Piece] = []
    for pattern, handler in rules:
        for m in pattern.finditer(text):
            out.extend(handler(m, ctx))
    return out


WeekdayReading = tuple[int | None, str]  # a weekday modifier's (week shift, DateRef.weekday_mode)


def weekday_ref(weekday: int, reading: WeekdayReading | None) -> DateRef:
    """``weekday`` as its modifier reads it ("next Friday": (1, "week")); None, the next occurrence."""
    if reading is None:
        return DateRef(weekday=weekday)
    shift, mode = reading
    return DateRef(weekday=weekday, week_shift=shift, weekday_mode=mode)


def day_ref(ctx: Context, offset: int) -> DateRef:
    """The whole day ``offset`` days from today."""
    d = ctx.today + timedelta(days=offset)
    return DateRef(span=Span(d, d + timedelta(days=1), "day"))


def date_pieces(m: re.Match[str], ref: DateRef | None, group: int = 0) -> list[Piece]:
    """One date piece over the match (or its ``group``), none when ``ref`` is None."""
    return [Piece("date", m.start(group), m.end(group), ref)] if ref is not None else []


def now_pieces(m: re.Match[str], ctx: Context) -> list[Piece]:
    """"now": the current minute, an absolute moment."""
    now = ctx.now.replace(microsecond=0)
    w = Window("instant", now, now + timedelta(minutes=1), "minute", absolute=True)
    return [Piece("moment", m.start(), m.end(), w)]


def noon_pieces(m: re.Match[str], ctx: Context) -> list[Piece]:
    """Noon: 12:00 pm."""
    return [Piece("clock", m.start(), m.end(), Clock(12, 0, meridiem="pm"))]


def midnight_pieces(m: re.Match[str], ctx: Context) -> list[Piece]:
    """Midnight: 24:00, the start of the next day."""
    return [Piece("clock", m.start(), m.end(), Clock(0, 0, meridiem="am", day_offset=1))]


def century_pieces(m: re.Match[str], ctx: Context) -> list[Piece]:
    """The century numbered by group 1 (1 to 30): its hundred years, the first starting in year 1."""
    n = int(m.group(1))
    if not 1 <= n <= 30:
        return []
    return date_pieces(m, DateRef(span=Span(date((n - 1) * 100 or 1, 1, 1), date(n * 100, 1, 1), "year")))


# ----------------------------------------------------------------------------------- resolving pieces
def resolve_weekday(ref: DateRef, today: date) -> date:
    wd = ref.weekday
    assert wd is not None
    if ref.weekday_mode == "week":
        return week_start(today) + timedelta(weeks=ref.week_shift or 0, days=wd)
    if ref.weekday_mode == "last":
        delta = (today.weekday() - wd) % 7 or 7
        return today - timedelta(days=delta)
    if ref.weekday_mode == "strict-next":
        delta = (wd - today.weekday()) % 7 or 7
        return today + timedelta(days=delta)
    delta = (wd - today.weekday()) % 7
    return today + timedelta(days=delta)


def resolve_date_ref(ref: DateRef, today: date) -> Span | None:
    """Turn a (possibly partial) date reference into a span, preferring the upcoming reading."""
    if ref.span is not None:
        return ref.span
    if ref.prefer_past:
        future = resolve_date_ref(replace(ref, prefer_past=False), today)
        if future is not None and future.start > today and ref.year is None:
            if ref.month is not None:
                s0 = _shift_year(datetime.combine(future.start, time()), -1).date()
                return Span(s0, s0 + (future.end - future.start) if ref.day else add_months(s0, 1), future.grain)
            if ref.day is not None:
                d = add_months(future.start, -1)
                return Span(d, d + timedelta(days=1), "day") if d.day == ref.day else future
            if ref.weekday is not None and ref.weekday_mode == "next":
                d = future.start - timedelta(days=7)
                return Span(d, d + timedelta(days=1), "day")
        return future
    if ref.month is not None and ref.day is not None:
        if ref.year is not None:
            d = valid_date(ref.year, ref.month, ref.day)
        else:
            d = valid_date(today.year, ref.month, ref.day)
            if d is None or d < today:
                d = valid_date(today.year + 1, ref.month, ref.day) or d
        return Span(d, d + timedelta(days=1), "day") if d else None
    if ref.day is not None and ref.weekday is not None:
        # "21일 월요일": the nearest month (forward first) whose day falls on that weekday.
        for k in list(range(0, 13)) + list(range(-1, -13, -1)):
            m = add_months(today.replace(day=1), k)
            d = valid_date(m.year, m.month, ref.day)
            if d and d.weekday() == ref.weekday and not (k == 0 and d < today):
                return Span(d, d + timedelta(days=1), "day")
        return None
    if ref.day is not None:
        d = valid_date(today.year, today.month, ref.day)
        if d is None or d < today:
            nm = add_months(today.replace(day=1), 1)
            d = valid_date(nm.year, nm.month, ref.day)
        return Span(d, d + timedelta(days=1), "day") if d else None
    if ref.month is not None:
        y = ref.year if ref.year is not None else (today.year if ref.month >= today.month else today.year + 1)
        s = date(y, ref.month, 1)
        return Span(s, add_months(s, 1), "month")
    if ref.weekday is not None:
        d = resolve_weekday(ref, today)
        return Span(d, d + timedelta(days=1), "day")
    return None


def year_by_weekday(month: int, day: int, weekday: int, today: date) -> date | None:
    """"Jul 18, Fri": the 18 July nearest to today (the later one on a tie) that falls on a Friday."""
    found = [d for y in range(today.year - 14, today.year + 15)
             if (d := valid_date(y, month, day)) is not None and d.weekday() == weekday]
    return min(found, key=lambda d: (abs((d - today).days), d < today)) if found else None


def combine_dates(refs: list[DateRef], today: date, *, weekday_fixes_year: bool = False) -> Span | None:
    """Combine several date references of one phrase ("다음 주" + "화요일", "다음 달" + "4일").

    With ``weekday_fixes_year`` (product), a month/day with a weekday it does not fall on this time
    ("Jul 18, Fri", "7월 18일 금요일") is the nearest year's where it does. [recognizers: the upcoming one.]"""
    if not refs:
        return None
    md = [r for r in refs if r.span is None and r.month is not None and r.day is not None and r.year is None]
    wd = [r for r in refs if r.span is None and r.weekday is not None and r.day is None and r.week_shift is None
          and r.weekday_mode == "next"]
    if weekday_fixes_year and len(md) == 1 and len(wd) == 1 and len(refs) == 2:
        d = valid_date(today.year, md[0].month, md[0].day)  # type: ignore[arg-type]
        upcoming = resolve_date_ref(md[0], today)
        if upcoming is not None and upcoming.start.weekday() != wd[0].weekday:
            fixed = year_by_weekday(md[0].month, md[0].day, wd[0].weekday, today)  # type: ignore[arg-type]
            if fixed is not None and d is not None:
                return Span(fixed, fixed + timedelta(days=1), "day")
    spans = [(r, resolve_date_ref(r, today)) for r in refs]
    spans = [(r, s) for r, s in spans if s is not None]
    if not spans:
        return None
    # The coarsest explicit span frames the finer partial references.
    base: Span | None = None
    for r, s in spans:
        if r.span is not None and (base is None or GRAIN_ORDER[s.grain] > GRAIN_ORDER[base.grain]):
            base = s
    finest = min((s for _, s in spans), key=lambda s: GRAIN_ORDER[s.grain])
    if base is None or base == finest:
        # several partials: an explicit month/day wins over a weekday ("friday 5/12", "5월 9일 화요일").
        for r, s in spans:
            if r.month is not None and r.day is not None:
                return s
        return finest
    for r, s in spans:
        if r.span is not None:
            continue
        if r.weekday is not None and r.day is None and base.grain in ("week",):
            d = base.start + timedelta(days=(r.weekday - base.start.weekday()) % 7)
            return Span(d, d + timedelta(days=1), "day")
        if r.weekday is not None and r.day is None and base.grain in ("month",):
            d = base.start + timedelta(days=(r.weekday - base.start.weekday()) % 7)
            return Span(d, d + timedelta(days=1), "day")
        if r.day is not None and r.month is None and base.grain in ("month",):
            d = valid_date(base.start.year, base.start.month, r.day)
            return Span(d, d + timedelta(days=1), "day") if d else base
        if r.month is not None and r.year is None and base.grain == "year":
            if r.day is not None:
                d = valid_date(base.start.year, r.month, r.day)
                return Span(d, d + timedelta(days=1), "day") if d else base
            s = date(base.start.year, r.month, 1)
            return Span(s, add_months(s, 1), "month")
    return finest


def clock_hour(c: Clock, pod: str | None, *, default_rule: bool = True) -> tuple[int, int]:
    """The 24-hour hour for a clock given a part of day; returns (hour, day_offset)."""
    h = c.hour
    if c.meridiem == "pm":
        return (h % 12) + 12, c.day_offset
    if c.meridiem == "am":
        return h % 12, c.day_offset
    if c.explicit_24h or h > 12 or h == 0:
        return h % 24, c.day_offset + (1 if h == 24 else 0)
    if pod in PM_PARTS:
        if pod == "night" and h == 12:
            return 0, c.day_offset + 1
        if pod == "night" and h < 5:
            return h, c.day_offset + 1
        return (h % 12) + 12, c.day_offset
    if pod in ("morning", "morning:early", "morning:late") and h == 12:
        return 12, c.day_offset  # "this morning at 12": noon, the end of the morning
    if pod in ("morning", "dawn", "earlymorning", "morning:early", "morning:late"):
        return h % 12, c.day_offset
    if pod in ("lunch", "midday"):
        return (h + 12 if h < 6 else h), c.day_offset
    if default_rule and 1 <= h <= 6:
        return h + 12, c.day_offset
    return h, c.day_offset


@dataclass
class Part:
    """One side of a phrase: the date, part of day, clock time and/or moment it mentions."""

    dates: list[DateRef] = field(default_factory=list)
    pod: str | None = None
    clock: Clock | None = None
    moment: Window | None = None
    start: int = 10**9
    end: int = -1

    def empty(self) -> bool:
        return not self.dates and self.pod is None and self.clock is None and self.moment is None


def _pod_window(day: date, pod: str, ctx: Context) -> tuple[datetime, datetime]:
    name, _, half = pod.partition(":")
    a, b = PARTS_OF_DAY[ctx.convention][name]
    if half == "early":
        b = (a + b) / 2
    elif half == "late":
        a = (a + b) / 2
    base = datetime.combine(day, time())
    return base + timedelta(hours=a), base + timedelta(hours=b)


def resolve_part(
    part: Part, ctx: Context, *, default_span: Span | None = None, today: date | None = None
) -> Window | None:
    if part.moment is not None and not part.dates and part.clock is None:
        w = part.moment
        if part.pod is not None and w.grain in ("day",):
            s, e = _pod_window(w.start.date(), part.pod, ctx)
            return Window("interval", s, e, "hour")
        return w
    span = combine_dates(part.dates, today or ctx.today, weekday_fixes_year=ctx.convention == "product") if part.dates else None
    if (part.moment is not None and part.moment.grain == "day" and part.moment.start is not None and part.dates
            and all(r.weekday is not None and r.span is None and r.day is None for r in part.dates)):
        # "Monday two weeks from now": that weekday in the week of the moment
        d = week_start(part.moment.start.date()) + timedelta(days=part.dates[0].weekday or 0)
        span = Span(d, d + timedelta(days=1), "day")
    if span is None and part.moment is not None:
        d = part.moment.start.date()
        span = Span(d, d + timedelta(days=1), "day")
    if span is None:
        span = default_span
    if part.clock is not None:
        day = span.start if span is not None else ctx.today
        h, off = clock_hour(part.clock, part.pod, default_rule=ctx.convention != "recognizers")
        start = datetime.combine(day, time()) + timedelta(
            days=off, hours=h, minutes=part.clock.minute, seconds=part.clock.second
        )
        grain: Grain = "minute" if (part.clock.minute or part.clock.second) else "hour"
        return Window("instant", start, start + _grain_delta(grain), grain)
    if part.pod is not None:
        day = span.start if span is not None else ctx.today
        s, e = _pod_window(day, part.pod, ctx)
        return Window("interval", s, e, "hour")
    if span is not None:
        s = datetime.combine(span.start, time())
        e = datetime.combine(span.end, time())
        one = {"day": add_months(span.start, 0) + timedelta(days=1), "week": span.start + timedelta(days=7),
               "month": add_months(span.start, 1), "year": add_months(span.start, 12)}.get(span.grain)
        kind: Kind = "instant" if one == span.end else "interval"
        return Window(kind, s, e, span.grain)
    return None


def _grain_delta(grain: str) -> timedelta:
    return {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
            "week": timedelta(weeks=1)}.get(grain, timedelta(days=1))


def finer(a: str, b: str) -> Grain:
    return a if GRAIN_ORDER[a] <= GRAIN_ORDER[b] else b  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------- grouping
def select_pieces(candidates: list[Piece]) -> list[Piece]:
    """Leftmost-longest, non-overlapping selection."""
    chosen: list[Piece] = []
    pos = -1
    for p in sorted(candidates, key=lambda p: (p.start, -(p.end - p.start))):
        if p.start >= pos and (p.end > p.start or p.kind != "date"):
            chosen.append(p)
            pos = p.end
    return chosen


def group_pieces(text: str, pieces: list[Piece], glue: re.Pattern[str], *,
                 leading_conns: bool = False) -> list[list[Piece]]:
    """Group adjacent pieces into phrases. With ``leading_conns`` (English), a connector that ends one
    phrase but cannot join the next piece to it ("next month after 3pm") moves to that next phrase."""
    groups: list[list[Piece]] = []
    for p in pieces:
        if p.kind == "conn" and p.value == "and" and groups and not any(
                q.kind == "conn" and q.value == "between" for q in groups[-1]):
            groups.append([p])
            continue
        last_conn = bool(groups) and groups[-1][-1].kind == "conn"
        same_class = p.kind == "date" and groups and not last_conn and any(
            q.kind == "date" and _date_class(q.value) == _date_class(p.value) for q in groups[-1])
        day_level = groups and any(q.kind in ("date", "moment") and not (q.kind == "date" and is_coarse(q.value))
                                   for q in groups[-1])
        coarse = groups and not day_level and (
            (p.kind in ("clock", "pod") and any(q.kind == "date" and is_coarse(q.value) for q in groups[-1]))
            or (p.kind == "date" and is_coarse(p.value) and any(q.kind in ("clock", "pod") for q in groups[-1])))
        clash = p.kind in ("clock", "pod") and groups and any(
            q.kind == p.kind for q in groups[-1]) and not any(q.kind == "conn" for q in groups[-1])
        if groups and not same_class and not clash and not coarse and glue.fullmatch(text[groups[-1][-1].end : p.start]):
            groups[-1].append(p)
        elif (leading_conns and groups and len(groups[-1]) > 1 and groups[-1][-1].kind == "conn"
              and groups[-1][-1].end > groups[-1][-1].start and not str(groups[-1][-1].value).endswith("-post")
              and p.kind != "conn" and glue.fullmatch(text[groups[-1][-1].end : p.start])):
            groups.append([groups[-1].pop(), p])
        else:
            groups.append([p])
    return groups


def is_coarse(ref: DateRef) -> bool:
    """A date reference wider than one day (a week, month, year, or part of one)."""
    if ref.span is not None:
        return (ref.span.end - ref.span.start).days > 1
    return ref.month is not None and ref.day is None


def _date_class(ref: DateRef) -> str:
    if ref.span is not None:
        return "span-" + ref.span.grain
    if ref.month is not None and ref.day is not None:
        return "md"
    if ref.weekday is not None and ref.day is None:
        return "wd"
    if ref.day is not None:
        return "dom"
    return "m"


def shift_date(d: date, n: float, unit: str, sign: int) -> date:
    """The date n days / weeks / months / years after (sign 1) or before (sign -1) ``d``."""
    if unit == "day":
        return d + timedelta(days=round(n * sign))
    if unit == "week":
        return d + timedelta(days=round(7 * n * sign))
    if unit == "month":
        return add_months(d, round(n * sign))
    return add_months(d, round(12 * n * sign))


@dataclass(frozen=True)
class Shift:
    """"3 days after", "2 weeks before", "부터 3분 후": n units from an anchor named on ``anchor_side``.

    ``mode``: "at" (the shifted moment), "more" (beyond it: open range), "less"/"within" (between the
    anchor and it)."""

    n: float
    unit: str  # second | minute | hour | day | week | month | year
    sign: int
    mode: str = "at"
    anchor_side: str = "after"  # the anchor follows ("3 days after X") or precedes ("X부터 3일 후")


def _shifted(group: list[Piece], i: int, ctx: Context) -> Window | None:
    sh: Shift = group[i].value
    anchor = group[i + 1:] if sh.anchor_side == "after" else group[:i]
    other = group[:i] if sh.anchor_side == "after" else group[i + 1:]
    if not any(p.kind != "conn" for p in anchor):
        return None
    base = interpret_group(anchor, ctx)
    if base is None or base.start is None or base.kind not in ("instant", "interval"):
        return None
    if sh.unit in ("second", "minute", "hour"):
        delta = timedelta(**{sh.unit + "s": sh.n}) * sh.sign
        a = base.start
        b = a + delta
        grain: Grain = "minute"
        one = timedelta(minutes=1)
    else:
        a = datetime.combine(base.start.date(), time())
        b = datetime.combine(shift_date(base.start.date(), sh.n, sh.unit, sh.sign), time())
        wds = [p.value.weekday for p in other if p.kind == "date" and p.value.weekday is not None
               and p.value.day is None and p.value.span is None]
        if wds:  # "Monday two weeks from now": that weekday in the week of the shifted date
            b = datetime.combine(week_start(b.date()) + timedelta(days=wds[0]), time())
        grain = "day"
        one = timedelta(days=1)
    if sh.mode == "more":
        w = Window("open-before", None, b, grain) if sh.sign < 0 else Window("open-after", b, None, grain)
    elif sh.mode in ("less", "within"):
        w = Window("interval", min(a, b), max(a, b), grain)
    else:
        w = Window("instant", b, b + one, grain)
    w.absolute = base.absolute
    w.text_start, w.text_end = group[0].start, group[-1].end
    return w


def interpret_or_none(group: list[Piece], ctx: Context) -> Window | None:
    """``interpret_group``, with a date the calendar cannot hold ("February 30", year 99999) read as no time."""
    try:
        return interpret_group(group, ctx)
    except (ValueError, OverflowError):
        return None


def interpret_group(group: list[Piece], ctx: Context) -> Window | None:
    """Turn one group of adjacent pieces into a window (instant, interval or open range)."""
    for i, p in enumerate(group):
        if p.kind == "shift":
            return _shifted(group, i, ctx)
    values = [p for p in group if p.kind != "conn"]
    if not values:
        return None
    conns = [p for p in group if p.kind == "conn"]
    # The split point of a range: an infix "to" connector, or a postfix "from" (Korean 부터/에서) followed by
    # more values (see _range_split).
    split = _range_split(group)
    is_range = split is not None
    if is_range and split is not None:
        left = _part(group[:split])
        right = _part(group[split + 1 :])
        if left.empty() or right.empty():
            is_range = False
        else:
            w = _range(left, right, ctx)
            if w is None:
                return None
            # a trailing "after"/"before" on a range is ignored (rare).
            w.text_start = group[0].start
            w.text_end = group[-1].end
            return w
    part = _part(group)
    if part.empty():
        return None
    if any(p.kind == "conn" and p.value == "since" and p.end > p.start for p in group) and getattr(ctx, "past_since", False):
        part.dates = [replace(r, prefer_past=True) for r in part.dates]
    w = resolve_part(part, ctx)
    if w is None:
        return None
    durations = [p.value for p in group if p.kind == "dur"]
    if any(p.kind == "conn" and p.value in ("after-excl", "before-excl", "before-incl", "until") for p in group):
        durations = []  # "오후 1시 이후에 15분간 미팅": after 1pm; the 15 minutes are the meeting's length
    if durations and w.start is not None and GRAIN_ORDER[w.grain] >= GRAIN_ORDER["day"] and part.clock is None \
            and durations[0] >= timedelta(days=1) and part.moment is None:
        # "for 3 days from today", "a week starting tomorrow", "다음 주 월요일부터 3일간"
        w = Window("interval", w.start, w.start + durations[0], "day")
        w.text_start, w.text_end = group[0].start, group[-1].end
        return w
    if durations and w.start is not None and (part.clock is not None or part.moment is not None) \
            and durations[0] < timedelta(days=1):
        # "from 2pm for 2 hours", "14th Feb for 7 hours from 9:30am", "3시부터 2시간 동안"
        w = Window("interval", w.start, w.start + durations[0], w.grain)
        w.text_start, w.text_end = group[0].start, group[-1].end
        return w
    if any(p.kind == "conn" and p.value == "weekof" for p in group) and w.start is not None:
        ws = datetime.combine(week_start(w.start.date()), time())
        w = Window("instant", ws, ws + timedelta(days=7), "week")
    open_kind = None
    for p in conns:
        if p.value in ("before-incl", "before-excl", "after-excl", "since"):
            open_kind = p.value
        elif p.value in ("since-post", "before-post"):
            open_kind = {"since-post": "since", "before-post": "before-incl"}[p.value]
        elif p.value == "from-post" and open_kind is None:
            open_kind = "since"
        elif p.value == "from" and open_kind is None:
            open_kind = "since"
        elif p.value == "until":
            open_kind = "until"
        elif p.value == "after-start":
            open_kind = "since"  # "after the beginning of March": from its start, the coming one
    date_level = part.clock is None and w.kind == "instant" and GRAIN_ORDER[w.grain] >= GRAIN_ORDER["day"]
    if open_kind == "since" and ctx.convention == "recognizers" and part.clock is None and w.start is not None \
            and GRAIN_ORDER[w.grain] >= GRAIN_ORDER["day"] and all(
            p.value == "from" for p in conns):
        open_kind = None  # [recognizers: a lone "from <date>" is just that date]
    # [recognizers: "until/no later than <day>" ends at the start of that day, "after <day>" starts on it]
    one_day = (ctx.convention == "recognizers" and date_level and w.grain == "day" and w.start is not None
               and w.end is not None and w.end - w.start == timedelta(days=1))
    if open_kind == "until":
        open_kind = "before-excl" if one_day else "before-incl"
    if open_kind == "before-incl":
        end = w.end if (date_level or w.kind == "interval") else w.start
        w = Window("open-before", None, end, w.grain, absolute=w.absolute)
    elif open_kind == "before-excl":
        w = Window("open-before", None, w.start, w.grain, absolute=w.absolute)
    elif open_kind == "after-excl":
        start = w.end if ((date_level or w.kind == "interval") and not one_day) else w.start
        w = Window("open-after", start, None, w.grain, absolute=w.absolute)
    elif open_kind == "since":
        w = Window("open-after", w.start, None, w.grain, absolute=w.absolute)
    w.text_start = group[0].start
    w.text_end = group[-1].end
    return w


_PIECE_CLASS = {"date": "date", "moment": "date", "clock": "time", "pod": "time", "dur": "dur"}


def _range_split(group: list[Piece]) -> int | None:
    """The index of the connector splitting a range group ("A to B", "between A and B", "A부터 B까지")."""
    for i, p in enumerate(group):
        if p.kind != "conn":
            continue
        has_before = any(q.kind != "conn" for q in group[:i])
        has_after = any(q.kind != "conn" for q in group[i + 1:])
        earlier = {q.value for q in group[:i] if q.kind == "conn"}
        if has_before and has_after and (
                p.value in ("to", "from-post") or (p.value == "and" and "between" in earlier)
                or (p.value in ("before-incl", "until") and earlier & {"from", "since"})):
            return i
    return None


def _class_runs(group: list[Piece], leading_conns: bool) -> list[list[Piece]]:
    """Split a group where it passes from date pieces to time-of-day pieces (or a duration); connectors go
    with the piece they lead (English) or trail (Korean)."""
    runs: list[list[Piece]] = []
    pending: list[Piece] = []
    cls_of_run: list[str] = []
    for p in group:
        if p.kind == "conn":
            if leading_conns or not runs:
                pending.append(p)
            else:
                runs[-1].append(p)
            continue
        c = _PIECE_CLASS.get(p.kind, p.kind)
        if runs and cls_of_run[-1] == c:
            runs[-1].extend(pending + [p])
        else:
            runs.append(pending + [p])
            cls_of_run.append(c)
        pending = []
    if pending and runs:
        runs[-1].extend(pending)
    return runs


def _strip_conns(pieces: list[Piece]) -> list[Piece]:
    """A range side without the connectors at its ends ("from", "까지"): they belong to the range."""
    kept = [j for j, p in enumerate(pieces) if p.kind != "conn"]
    return pieces[kept[0]: kept[-1] + 1] if kept else []


def split_readings(group: list[Piece], ctx: Context, *, leading_conns: bool) -> list[Window]:
    """The readings of the parts of a combined phrase: each side of a range, and the date part apart from
    the time-of-day part. Used only for the recognizers convention (their specs list both readings)."""
    shifts = [i for i, p in enumerate(group) if p.kind == "shift"]
    if shifts:  # "오늘부터 3분 있다", "3 days after Christmas": the anchor on its own
        i, sh = shifts[0], group[shifts[0]].value
        anchor = group[i + 1:] if sh.anchor_side == "after" else group[:i]
        w = interpret_or_none(anchor, ctx) if any(p.kind != "conn" for p in anchor) else None
        return [w] if w is not None else []
    if sum(p.kind != "conn" for p in group) < 2:
        return []
    parts: list[list[Piece]] = []
    i = _range_split(group)
    sides = [_strip_conns(group[:i]), _strip_conns(group[i + 1:])] if i is not None else [group]
    for side in sides:
        runs = _class_runs(side, leading_conns)
        if i is not None:
            parts.append(side)
        if len(runs) > 1:
            parts.extend(runs)
    out: list[Window] = []
    for sub in parts:
        if not any(p.kind in ("date", "moment", "clock", "pod") for p in sub):
            continue
        w = interpret_or_none(sub, ctx)
        if w is not None:
            out.append(w)
    return out


def _part(pieces: list[Piece]) -> Part:
    part = Part()
    for p in pieces:
        if p.kind == "conn":
            continue
        part.start = min(part.start, p.start)
        part.end = max(part.end, p.end)
        if p.kind == "date":
            part.dates.append(p.value)
        elif p.kind == "pod":
            part.pod = p.value
        elif p.kind == "clock":
            part.clock = p.value
        elif p.kind == "moment":
            part.moment = p.value
    return part


def _range(left: Part, right: Part, ctx: Context) -> Window | None:
    # Share what one side leaves out: the date, and the part of day / meridiem.
    inherited_right = False
    if not left.dates and left.moment is None and (right.dates or right.moment is not None):
        left = replace(left, dates=list(right.dates), moment=right.moment)
    if not right.dates and right.moment is None and left.dates:
        right = replace(right, dates=list(left.dates))
        inherited_right = True
    if left.clock is not None and right.clock is not None:
        lc, rc = left.clock, right.clock
        lpod, rpod = left.pod, right.pod
        if lpod is None and lc.meridiem is None and (rc.meridiem or rpod):
            # "5 to 6pm": the left side takes the right's meridiem when that keeps start < end.
            trial = replace(lc, meridiem=rc.meridiem)
            h_left, _ = clock_hour(trial, rpod)
            h_right, _ = clock_hour(rc, rpod)
            if not lc.explicit_24h and (h_left, lc.minute) < (h_right, rc.minute):
                left = replace(left, clock=trial, pod=rpod)
        if rpod is None and rc.meridiem is None and (lc.meridiem or lpod):
            right = replace(right, pod=lpod)
            if lc.meridiem == "pm" and rc.hour < 12:
                right = replace(right, clock=replace(rc, meridiem="pm"))
    if left.dates and right.dates and not inherited_right:
        left, right = _share_frame(left, right, ctx)
    lw = resolve_part(left, ctx)
    if lw is None or lw.start is None:
        return None
    own_partial = not inherited_right and right.dates and all(
        r.span is None and (r.weekday is None or r.weekday_mode == "next") for r in right.dates)
    rw = resolve_part(right, ctx, today=lw.start.date() if own_partial else None)
    if rw is None or rw.start is None:
        return None
    if left.clock is not None and right.clock is not None:
        start, end = lw.start, rw.start
        if end <= start and right.clock.meridiem == "am" and right.clock.hour == 12:
            end += timedelta(hours=12)  # "10am-12am": read as noon
        if end <= start and right.clock.meridiem is None and not right.clock.explicit_24h:
            end += timedelta(hours=12)
            if end <= start:
                end += timedelta(hours=12)
        return Window("interval", start, end, finer(lw.grain, rw.grain))
    if right.clock is not None or right.pod is not None:
        end = rw.start if right.clock is not None else rw.end
        if right.clock is not None and end <= lw.start and right.clock.meridiem is None and not right.clock.explicit_24h:
            end += timedelta(hours=12)  # "between now and eight o'clock" said at 10:20: 20:00
        return Window("interval", lw.start, end, finer(lw.grain, rw.grain))
    def _now_like(p: Part) -> bool:
        return p.moment is not None and not p.dates and GRAIN_ORDER[p.moment.grain] <= GRAIN_ORDER["minute"]

    if left.clock is None and right.clock is None and (
            (_now_like(left) and right.dates) or (_now_like(right) and left.dates)):
        # "between now and November 15th", "between Jan 22 and now"
        lstart, rstart = lw.start, rw.start
        if left.dates and not right.dates and lstart > rstart and all(
                r.span is None and r.year is None for r in left.dates):
            lstart = _shift_year(lstart, -1)
        if ctx.convention == "recognizers":  # [recognizers: a date range; "now" stands for today]
            lstart = datetime.combine(lstart.date(), time())
            rstart = datetime.combine(rstart.date(), time())
        if rstart <= lstart:
            return None
        return Window("interval", lstart, rstart, "day" if ctx.convention == "recognizers" else "minute")
    # date-level ranges
    start = lw.start
    end = rw.start if ctx.convention == "recognizers" else rw.end
    if ctx.convention == "recognizers":
        # [recognizers: an edge of a period bounding a range is a point: "to the end of 2008" ends on
        # 2009-01-01, "from the middle of 2007" starts on July 2, "from the end of March" on April 1]
        start = _edge_point(left, start)
        end = _edge_point(right, end)
    if end <= start and start.year > ctx.today.year and all(
            r.span is None and r.year is None and r.month is not None for r in left.dates):
        start = _shift_year(start, -1)  # "from March to date": the March before
    if end <= start:
        return None
    # A partial left date read as next year ("10월 1일부터 11월 7일까지" said on Oct 24) is this year's
    # when the range still reaches today.
    if (start.year > ctx.today.year and all(r.span is None and r.year is None and r.month is not None for r in left.dates)
            and all(r.span is None and r.year is None for r in right.dates)):
        s2, e2 = _shift_year(start, -1), _shift_year(end, -1)
        if s2 < e2 and e2 > datetime.combine(ctx.today, time()):
            start, end = s2, e2
    return Window("interval", start, end, finer(lw.grain, rw.grain))


def _edge_point(side: Part, default: datetime) -> datetime:
    """The point an "end/middle/beginning of <period>" side stands for; ``default`` for any other side."""
    if len(side.dates) != 1 or side.dates[0].edge is None:
        return default
    base, part = side.dates[0].edge
    if part in ("말", "후반"):
        d = base.end
    elif part in ("중순", "중반"):
        d = base.start + timedelta(days=(base.end - base.start).days // 2)
    else:
        d = base.start
    return datetime.combine(d, time())


def _share_frame(left: Part, right: Part, ctx: Context) -> tuple[Part, Part]:
    """The sides of a date range share their frame: "다음 달 4일부터 23일까지", "5월부터 2020년 10월까지"."""
    ld = [replace(r) for r in left.dates]
    rd = [replace(r) for r in right.dates]
    lyear = next((r.year if r.year is not None else r.span.start.year for r in ld
                  if r.year is not None or (r.span is not None and r.span.grain == "year")), None)
    ryear = next((r.year if r.year is not None else r.span.start.year for r in rd
                  if r.year is not None or (r.span is not None and r.span.grain == "year")), None)
    for r in rd:
        if r.span is None and r.month is not None and r.year is None and lyear is not None:
            r.year = lyear
            if (r.month, r.day or 1) < next(((x.month, x.day or 1) for x in ld if x.month), (0, 0)):
                r.year = lyear + 1
    for r in ld:
        if r.span is None and r.month is not None and r.year is None and ryear is not None:
            r.year = ryear
            if (r.month, r.day or 1) > next(((x.month, x.day or 31) for x in rd if x.month), (13, 0)):
                r.year = ryear - 1
    if any(r.day is not None and r.month is None and r.weekday is None for r in rd):
        frame = [r for r in ld if r.span is not None and r.span.grain in ("month", "year")]
        if frame:
            rd = frame + rd
        else:
            span_l = combine_dates(ld, ctx.today)
            if span_l is not None:
                m0 = span_l.start
                rd = [replace(r, month=m0.month, year=m0.year) if r.day is not None and r.month is None
                      and r.weekday is None else r for r in rd]
    return replace(left, dates=ld), replace(right, dates=rd)


def _shift_year(dt: datetime, n: int) -> datetime:
    try:
        return dt.replace(year=dt.year + n)
    except ValueError:
        return dt.replace(year=dt.year + n, day=28)


def week_span(ctx: Context, shift: int) -> Span:
    """This week (shift 0), next week (1), last week (-1)…: Monday to Monday."""
    s = week_start(ctx.today) + timedelta(weeks=shift)
    return Span(s, s + timedelta(days=7), "week")


def month_span(ctx: Context, shift: int) -> Span:
    """This month (shift 0), next month (1)…: the 1st to the 1st."""
    s = add_months(ctx.today.replace(day=1), shift)
    return Span(s, add_months(s, 1), "month")


def year_span(y: int) -> Span:
    return Span(date(y, 1, 1), date(y + 1, 1, 1), "year")

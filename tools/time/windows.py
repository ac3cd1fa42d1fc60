"""Windows shared by the English and Korean lexers: offsets from now, "within N", "the next N units",
parts of a period ("end of the month" / "월말"), working-day spans, and the recognizers' clipping.

Each is written once here; ``tools.time.en`` and ``tools.time.ko`` only read the words.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tools.time.core import Context, Span, Window, add_months
from tools.time.holiday import is_working_day


def period_part(base: Span, part: str) -> Span:
    """초/중순/말/후반 (beginning / middle / end) of a week, month or year (see ``tools.time.core``)."""
    s, e = base.start, base.end
    if part == "말일":
        return last_day(base)
    if part == "첫날":
        return Span(s, s + timedelta(days=1), "day")
    if base.grain == "week":
        cut = {"초": (0, 3), "초반": (0, 3), "중순": (1, 4), "중반": (1, 4), "말": (3, 7), "후반": (3, 7)}[part]
        return Span(s + timedelta(days=cut[0]), s + timedelta(days=cut[1]), "day")
    if base.grain == "month":
        if part in ("초", "초반"):
            return Span(s, s.replace(day=16), "day")
        if part in ("중순", "중반"):
            return Span(s.replace(day=10), s.replace(day=21), "day")
        return Span(s.replace(day=16), e, "day")
    if part in ("초", "초반"):
        return Span(s, s.replace(month=7), "month")
    if part in ("중순", "중반"):
        return Span(s.replace(month=4), s.replace(month=10), "month")
    return Span(s.replace(month=7), e, "month")


def last_day(base: Span) -> Span:
    """The last day of a period ("the last day of December", "12월 말일")."""
    d = base.end - timedelta(days=1)
    return Span(d, base.end, "day")


def until_end(ctx: Context, end: date) -> Window:
    """From now to the end of a period ("by EOD", "by EOW", "by EOM"): the deadline window starts now."""
    now = ctx.now.replace(second=0, microsecond=0)
    return Window("interval", now, datetime.combine(end, datetime.min.time()), "day")


def offset_window(ctx: Context, n: float, unit: str, sign: int) -> Window:
    """The moment n units from now (sign -1: before now). Days and longer give the whole day."""
    if unit in ("second", "minute", "hour"):
        delta = timedelta(**{unit + "s": n}) * sign
        start = ctx.now + delta
        return Window("instant", start, start + timedelta(minutes=1), "minute", absolute=True)
    if unit == "day":
        d = ctx.today + timedelta(days=round(n * sign))
    elif unit == "week":
        d = ctx.today + timedelta(days=round(7 * n * sign))
    elif unit == "month":
        d = add_months(ctx.today, round(n * sign))
    else:
        d = add_months(ctx.today, round(12 * n * sign))
    s = datetime(d.year, d.month, d.day)
    return Window("instant", s, s + timedelta(days=1), "day")


def within_window(ctx: Context, n: float, unit: str) -> Window:
    """"within N units" read as the span from now: [now, now + N) for clock units, else whole days."""
    end = offset_window(ctx, n, unit, 1)
    if unit in ("second", "minute", "hour"):
        now = ctx.now.replace(microsecond=0)
        assert end.start is not None
        return Window("interval", now, end.start, "minute", absolute=True)
    assert end.start is not None
    return Window("interval", datetime.combine(ctx.today, datetime.min.time()), end.start, "day")


def next_n_window(ctx: Context, n: float, unit: str, past: bool) -> Window:
    """"the next 3 days" / "앞으로 3일" = tomorrow .. +3 days; "the past 2 hours" / "최근 2시간" = up to now."""
    if unit in ("second", "minute", "hour"):
        now = ctx.now.replace(microsecond=0)
        delta = timedelta(**{unit + "s": n})
        s0, e0 = (now - delta, now) if past else (now, now + delta)
        return Window("interval", s0, e0, "minute", absolute=True)
    if past:
        start = offset_window(ctx, n, unit, -1).start.date()  # type: ignore[union-attr]
        end = ctx.today
    else:
        start = ctx.today + timedelta(days=1)
        end = offset_window(ctx, n, unit, 1).start.date() + timedelta(days=1)  # type: ignore[union-attr]
    return Window("interval", datetime.combine(start, datetime.min.time()),
                  datetime.combine(end, datetime.min.time()), "day")


def business_days_span(today: date, n: int, sign: int, country: str | None = None) -> Span:
    """The next (sign 1, from tomorrow) or previous (sign -1, up to today) n working days: Monday to Friday
    and, with ``country`` (ISO 3166 code), not a public holiday there."""
    d = today
    count = 0
    while count < n:
        d += timedelta(days=sign)
        if is_working_day(d, country):
            count += 1
    if sign > 0:
        return Span(today + timedelta(days=1), d + timedelta(days=1), "day")
    return Span(d, today, "day")


def business_day_after(today: date, n: int, sign: int, country: str | None = None) -> Span:
    """The n-th working day after (sign 1) or before (sign -1) ``today``, as one day ("in 3 business days")."""
    span = business_days_span(today, n, sign, country)
    d = span.end - timedelta(days=1) if sign > 0 else span.start
    return Span(d, d + timedelta(days=1), "day")


def clip_to_today(span: Span, part: str, today: date) -> Span:
    """Recognizers reading of "earlier/later this <period>" when that part contains today: it stops or
    starts at today ("earlier this year" said on May 28 = Jan 1 .. May 28)."""
    if not span.start <= today < span.end:
        return span
    if part in ("초", "초반"):
        return Span(span.start, today, span.grain) if today > span.start else span
    if part in ("말", "후반"):
        return Span(today, span.end, "day")
    return span

"""Deterministic Korean + English time-expression resolver.

The small local LLM never does date arithmetic: the summarizer and the scheduling agent quote phrases
("다음 주 화요일 오후", "by end of next week", "금요일까지") and hand them here. ``now`` and the IANA time
zone are always passed in. Rules are our own (``tools.time.ko``, ``tools.time.en``); the combination
logic and the product semantics are documented in ``tools.time.core``.

No library was used: dateparser 1.2.0 (tried) reads "오후 3시" as 13:00, returns nothing for "다음 주 화요일
오후", "금요일까지", "모레", "12월 3일", "글피", "next Tuesday", and has no notion of intervals or grains.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from core.dates import zone_info
from core.errors import InputError
from core.jsonl import json_lines
from tools.time import en as time_en
from tools.time import ko as time_ko
from tools.time.core import (
    GRAIN_ORDER,
    Context,
    Convention,
    Window,
    group_pieces,
    interpret_group,
    interpret_or_none,
    is_coarse,
    select_pieces,
    split_readings,
)
from tools.time.holiday import country_of_zone

Lang = Literal["ko", "en"]
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")


@dataclass(frozen=True)
class TimeExpression:
    """One resolved time expression. ``end`` is exclusive; for an instant, ``end = start + one grain``."""

    text: str
    kind: Literal["instant", "interval", "open-before", "open-after"]
    start: datetime | None
    end: datetime | None
    grain: Literal["minute", "hour", "day", "week", "month", "year"]

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "kind": self.kind,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "grain": self.grain,
        }


# ------------------------------------------------------------------------------------------- inputs
def detect_lang(text: str) -> Lang:
    """Korean when the text contains Hangul, else English."""
    return "ko" if _HANGUL.search(text or "") else "en"


def check_lang(lang: str | None, text: str) -> Lang:
    if lang in (None, "auto", ""):
        return detect_lang(text)
    if lang not in ("ko", "en"):
        raise InputError(f"Unsupported language: {lang!r}", hint="Use 'ko', 'en' or leave it out to detect.")
    return lang  # type: ignore[return-value]


def _local_now(now: datetime, zone: ZoneInfo) -> datetime:
    if not isinstance(now, datetime):
        raise InputError("`now` must be a datetime", hint="Pass the reference time, e.g. 2026-11-26T10:00+09:00.")
    if now.tzinfo is None:
        return now
    return now.astimezone(zone).replace(tzinfo=None)


def _aware(naive: datetime, zone: tzinfo) -> datetime:
    """Attach the zone; a wall time that does not exist (spring-forward gap) moves forward by the gap."""
    dt = naive.replace(tzinfo=zone)
    return dt.astimezone(UTC).astimezone(zone)


# ------------------------------------------------------------------------------------------- core
def _zone_value(value: object) -> tzinfo:
    """A zone piece's value (an IANA name or a fixed offset) as a tzinfo."""
    return ZoneInfo(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _windows(text: str, now: datetime, tz: str, lang: str | None, convention: Convention) -> tuple[
        list[tuple[Window, list]], Context, ZoneInfo]:
    """Each phrase's window in local wall-clock time. A phrase naming its own zone ("8h00 PST") is read
    again in that zone; its window then carries ``w.zone`` and is converted to ``tz`` by _to_expression."""
    zone = zone_info(tz)
    if not isinstance(text, str):
        raise InputError("Time text must be a string", hint="Pass the quoted phrase as text.")
    language = check_lang(lang, text)
    ctx = Context(_local_now(now, zone), convention, past_since=language == "en", country=country_of_zone(tz))
    module = time_ko if language == "ko" else time_en
    pieces = select_pieces(module.lex(text, ctx))
    groups = group_pieces(text, pieces, module.GLUE, leading_conns=not module.POSTFIX)
    out = []
    for g in groups:
        # connectors belong on one side of their phrase: English ones lead ("by Friday"), Korean ones
        # trail ("금요일까지"); a stray one on the other side belongs to a neighbouring phrase.
        if module.POSTFIX:
            while g and g[0].kind == "conn":
                g = g[1:]
        else:
            while g and g[-1].kind == "conn" and g[-1].end > g[-1].start and not str(g[-1].value).endswith("-post"):
                g = g[:-1]
        zones = [p for p in g if p.kind == "zone"]
        g = [p for p in g if p.kind != "zone"]
        if (not module.POSTFIX and len(g) > 1 and g[0].kind == "conn" and g[0].value == "to"
                and text[g[0].start:g[0].end].lower() in ("through", "thru") and all(p.kind in ("date", "conn") for p in g)):
            g = [replace(g[0], value="until"), *g[1:]]  # "through 2014", "to Friday": up to and including
        if not g:
            continue
        if zones and convention == "product":
            w = _in_zone(text, g, _zone_value(zones[0].value), now if now.tzinfo else now.replace(tzinfo=zone), ctx, module)
        else:
            w = interpret_or_none(g, ctx)
        if w is not None:
            out.append((w, g))
    return out, ctx, zone


def _in_zone(text: str, g: list, other: tzinfo, now: datetime, ctx: Context, module) -> Window | None:
    """Read one phrase again with "now" in the zone it names; the window remembers that zone."""
    zctx = replace(ctx, now=now.astimezone(other).replace(tzinfo=None))
    start, end = g[0].start, g[-1].end
    sub = text[start:end]
    pieces = [replace(p, start=p.start + start, end=p.end + start) for p in select_pieces(module.lex(sub, zctx))
              if p.kind != "zone"]
    if not pieces:
        return None
    w = interpret_or_none(pieces, zctx)
    if w is None:
        return None
    w.zone = other
    w.absolute = False
    return w


def _to_expression(text: str, w: Window, ctx: Context, zone: ZoneInfo, now: datetime) -> TimeExpression:
    def conv(dt: datetime | None) -> datetime | None:
        if dt is None:
            return None
        if w.zone is not None:
            return _aware(dt, w.zone).astimezone(zone)  # type: ignore[arg-type]
        if w.absolute:
            base = now if now.tzinfo else now.replace(tzinfo=zone)
            return (base.astimezone(UTC) + (dt - ctx.now)).astimezone(zone)
        return _aware(dt, zone)

    phrase = text[w.text_start : w.text_end].strip()
    return TimeExpression(phrase, w.kind, conv(w.start), conv(w.end), w.grain)


def find_all(text: str, now: datetime, tz: str, lang: Lang | None = None, *,
             convention: Convention = "product", splits: bool = True) -> list[TimeExpression]:
    """Every time expression in ``text``, in order of appearance.

    [recognizers: after each combined phrase come also its split readings - the two sides of a range and
    the date part apart from the time-of-day part ("lunch tomorrow" -> also "lunch" and "tomorrow") - as
    their specs list both; ``splits=False`` leaves them out; the product convention returns combined
    phrases only.]
    """
    windows, ctx, zone = _windows(text, now, tz, lang, convention)
    out: list[TimeExpression] = []
    for w, g in windows:
        out.append(_to_expression(text, w, ctx, zone, now))
        if convention == "recognizers" and splits:
            seen = {(w.kind, w.start, w.end)}
            for sw in split_readings(g, ctx, leading_conns=check_lang(lang, text) == "en"):
                if (sw.kind, sw.start, sw.end) not in seen:
                    seen.add((sw.kind, sw.start, sw.end))
                    out.append(_to_expression(text, sw, ctx, zone, now))
    return out


def resolve(text: str, now: datetime, tz: str, lang: Lang | None = None, *,
            convention: Convention = "product") -> TimeExpression | None:
    """The whole time meaning of ``text`` (date + part of day + clock time + range), None when it has none.

    When the text mentions a date and, separately, a time of day ("내일 회의는 오후 3시"), they are combined;
    otherwise the first expression wins.
    """
    windows, ctx, zone = _windows(text, now, tz, lang, convention)
    if not windows:
        return None
    if len(windows) > 1:
        merged = _merge([g for _, g in windows], ctx)
        if merged is not None:
            return _to_expression(text, merged, ctx, zone, now)
    return _to_expression(text, windows[0][0], ctx, zone, now)


def _merge(groups: list[list], ctx: Context) -> Window | None:
    """Combine complementary groups: one names the date, another the part of day / clock time."""
    kinds = [{p.kind for p in g} for g in groups]
    has_date = [bool(k & {"date", "moment"}) for k in kinds]
    has_time = [bool(k & {"clock", "pod"}) for k in kinds]
    if sum(has_date) != 1 or not any(has_time) or any(has_date[i] and has_time[i] for i in range(len(groups))):
        return None
    if sum(has_time) > 1:
        return None
    if any(p.kind == "date" and is_coarse(p.value) for g in groups for p in g):
        return None  # "next week ... 3pm" does not say which day
    flat = [p for g in groups for p in g]
    flat_sorted = sorted(flat, key=lambda p: p.start)
    return interpret_group(flat_sorted, ctx)


# ------------------------------------------------------------------------------------------- durations
_KO_DUR_UNIT = {"초": 1, "분": 60, "시간": 3600, "일": 86400, "주일": 7 * 86400, "주": 7 * 86400,
                "개월": 30 * 86400, "달": 30 * 86400, "년": 365 * 86400}
_KO_DUR = re.compile(rf"(?<![\d.])({time_ko.KNUM_RE}|{time_ko.SINO_RE})\s*(시간|주일|개월|초|분|일|주|달|년)(?:\s*(반))?"
                     rf"|({time_ko.DAY_WORDS_RE})(?:\s*(반))?|(반나절)|(하루\s*종일|온종일)")
_EN_DUR = re.compile(
    rf"\b(?:(half\s+an?|a\s+half|½)\s*({time_en.UNIT_RE})|({time_en.NUM_RE})(\s+and\s+(?:a\s+)?half|\s+and\s+a\s+quarter)?\s*-?\s*({time_en.UNIT_RE})(\s+and\s+(?:a\s+)?half|\s+and\s+a\s+quarter)?)\b"
    rf"|\b(\d+)h(\d{{1,2}})m?\b|\ball\s+(day|week|month|year)\b|\b(another|one more)\s+(day|week|hour)\b"
    rf"|\b({time_en.NUM_RE})\s+(nights?|weekends?)\b|(?<![\w.-])(\d+)([DWMY])\b",
    re.IGNORECASE)
_EN_DUR_EXTRA = {"night": 86400, "weekend": 2 * 86400, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_EN_UNIT_S = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400,
              "year": 365 * 86400}


def _duration_parts(text: str, lang: Lang) -> list[tuple[int, int, float]]:
    """(start, end, seconds) for each duration atom found."""
    out: list[tuple[int, int, float]] = []
    if lang == "ko":
        for m in _KO_DUR.finditer(text):
            if m.group(1):
                if m.group(2) == "분" and re.search(r"시\s*$", text[: m.start()]):
                    continue  # "3시 30분" is a clock time
                if m.group(2) in ("일", "주", "년", "달") and re.fullmatch(r"[일이삼사오육칠팔구]", m.group(1)):
                    continue  # a single Sino syllable before a unit is too ambiguous ("매일", "이주")
                n = time_ko.ko_number(m.group(1))
                if n is None:
                    continue
                secs = n * _KO_DUR_UNIT[m.group(2)]
                if m.group(3):
                    secs += 0.5 * _KO_DUR_UNIT[m.group(2)]
            elif m.group(4):
                secs = time_ko.DAY_WORDS[m.group(4)] * 86400 + (43200 if m.group(5) else 0)
            elif m.group(6):
                secs = 4 * 3600
            else:
                secs = 86400
            out.append((m.start(), m.end(), secs))
    else:
        for m in _EN_DUR.finditer(text):
            if m.group(1):
                secs = 0.5 * _EN_UNIT_S[time_en.unit_name(m.group(2))]
            elif m.group(3):
                n = time_en.en_number(m.group(3))
                if n is None:
                    continue
                unit = m.group(5)
                if unit.lower() == "h" and not re.match(r"\d", m.group(3)):
                    continue
                frac = m.group(4) or m.group(6) or ""
                n += 0.25 if "quarter" in frac else 0.5 if frac else 0
                secs = n * _EN_UNIT_S[time_en.unit_name(unit)]
            elif m.group(7):
                secs = int(m.group(7)) * 3600 + int(m.group(8)) * 60
            elif m.group(9):
                secs = _EN_UNIT_S[m.group(9).lower()]
            elif m.group(11):
                secs = _EN_UNIT_S[m.group(11).lower()]
            elif m.group(12):
                n = time_en.en_number(m.group(12))
                if n is None:
                    continue
                secs = n * _EN_DUR_EXTRA[m.group(13).lower().rstrip("s")]  # "two nights", "three weekends"
            else:
                if m.group(15) == "M" or not m.group(15).isupper() and m.group(15) in "m":
                    continue  # "5m" reads as minutes elsewhere; only D/W/Y codes ("10D", "3Y", "2W")
                secs = int(m.group(14)) * _EN_DUR_EXTRA[m.group(15).lower()]
            out.append((m.start(), m.end(), secs))
    return out


def find_durations(text: str, lang: Lang | None = None) -> list[timedelta]:
    """Every duration in ``text``; adjacent atoms ("1시간 30분", "1 hour and 30 minutes") are summed."""
    language = check_lang(lang, text)
    parts = _duration_parts(text, language)
    joiner = re.compile(r"[\s,]*(?:and)?[\s,]*", re.IGNORECASE)
    out: list[timedelta] = []
    last_end = None
    for s, e, secs in parts:
        if last_end is not None and joiner.fullmatch(text[last_end:s]) and out:
            out[-1] += timedelta(seconds=secs)
        else:
            out.append(timedelta(seconds=secs))
        last_end = e
    return out


def parse_duration(text: str, lang: Lang | None = None) -> timedelta | None:
    """The first duration in ``text``: "한 시간", "30분", "an hour and a half", "90 minutes", "1시간 반".

    Months count as 30 days and years as 365 days. None when the text names no duration.
    """
    found = find_durations(text, lang)
    return found[0] if found else None


# ------------------------------------------------------------------------------------------- deadlines
def due_date(phrase: str, now: datetime, tz: str, lang: Lang | None = None) -> date | None:
    """The absolute date a deadline phrase names.

    "by Friday"/"금요일까지" -> that Friday; "tomorrow"; "12월 3일까지" -> Dec 3; "in two weeks" -> today + 14;
    a week ("next week", "end of next week", "다음 주까지") -> its Friday (last working day);
    a month or year, or its end ("월말", "end of the month", "연말") -> its last day;
    "after/since X" -> the first day after/of X.
    """
    expr = resolve(phrase, now, tz, lang)
    if expr is None:
        return None
    if expr.kind == "open-after":
        return expr.start.date() if expr.start else None
    if expr.kind == "open-before":
        assert expr.end is not None
        end = expr.end
        last = end.date() - timedelta(days=1) if end.time() == datetime.min.time() else end.date()
        start = end - _coarse_length(expr.grain)
        return _working_day(start.date(), last, expr.grain)
    assert expr.start is not None and expr.end is not None
    if GRAIN_ORDER[expr.grain] <= GRAIN_ORDER["day"] and expr.kind == "instant":
        return expr.start.date()
    end = expr.end
    last = end.date() - timedelta(days=1) if end.time() == datetime.min.time() else end.date()
    return _working_day(expr.start.date(), last, expr.grain)


def _coarse_length(grain: str) -> timedelta:
    return {"week": timedelta(days=7), "month": timedelta(days=28), "year": timedelta(days=365)}.get(grain, timedelta(days=1))


def _working_day(first: date, last: date, grain: str) -> date:
    """For a span inside one week, the Friday (last working day) when the span reaches the weekend."""
    if grain in ("month", "year") or (last - first).days > 6:
        return last
    if last.weekday() >= 5:
        friday = last - timedelta(days=last.weekday() - 4)
        if friday >= first:
            return friday
    return last


# ------------------------------------------------------------------------------------------- CLI glue
def when_json(text: str, now_iso: str, tz: str, lang: str | None = None) -> dict | None:
    """``minutes when``: resolve ``text`` at ``now_iso`` (ISO 8601) in zone ``tz``; JSON-ready dict or None."""
    try:
        now = datetime.fromisoformat(now_iso)
    except (TypeError, ValueError):
        raise InputError(f"Invalid reference time: {now_iso!r}", hint="Use ISO 8601, e.g. 2026-11-26T10:00:00+09:00.") from None
    expr = resolve(text, now, tz, check_lang(lang, text or ""))
    return expr.to_json() if expr else None


def when_batch(lines: Iterable[str]) -> Iterator[str]:
    """JSON lines ``{"text","now","timezone","lang"}`` in; one JSON result (or ``null``) per line out, in order.

    Blank lines are skipped. A line that is not a JSON object with "text", "now" and "timezone" raises
    InputError naming its line number.
    """
    not_json = lambda n, msg: InputError(f"Line {n}: not JSON ({msg})", hint='Each line: {"text": ..., "now": ..., "timezone": ...}')
    for number, item in json_lines(lines, not_json):
        if not isinstance(item, dict) or not all(k in item for k in ("text", "now", "timezone")):
            raise InputError(f"Line {number}: needs \"text\", \"now\" and \"timezone\"",
                             hint='Each line: {"text": ..., "now": ..., "timezone": ..., "lang": "ko"|"en"|null}')
        try:
            result = when_json(item["text"], item["now"], item["timezone"], item.get("lang"))
        except InputError as e:
            raise InputError(f"Line {number}: {e.message}", hint=e.hint) from e
        yield json.dumps(result, ensure_ascii=False)

"""Korean lexer for the time resolver: text -> pieces (dates, parts of day, clock times, connectors).

Rules are our own regular expressions; the combination logic lives in ``tools.time.core``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta, timezone

from tools.time.core import (
    Clock,
    Context,
    DateRef,
    Piece,
    Rule,
    Shift,
    Span,
    WeekdayReading,
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
    valid_date,
    week_span,
    week_start,
    weekday_ref,
    year_span,
)
from tools.time.holiday import holiday_break, holiday_span, substitute_holiday
from tools.time.lexicon import alternation, load, squash
from tools.time.windows import business_days_span, clip_to_today, next_n_window, offset_window, period_part, within_window

# ------------------------------------------------------------------------------------------- numbers
_NUMBERS = load("ko", "numbers")
_NATIVE_UNITS: dict[str, int] = _NUMBERS["native_units"]
_NATIVE_TENS: dict[str, int] = _NUMBERS["native_tens"]
_SINO: dict[str, int] = _NUMBERS["sino"]

NATIVE_RE = r"(?:(?:열|스물|스무|서른|마흔|쉰)\s?(?:하나|한|두|세|네|다섯|여섯|일곱|여덟|아홉)|열|스무|스물|서른|마흔|쉰|하나|한|두|세|네|다섯|여섯|일곱|여덟|아홉)"
SINO_RE = r"(?:[이삼사오육칠팔구]?십[일이삼사오육칠팔구]?|[일이삼사오육칠팔구])"
DIGITS_RE = r"\d+(?:\.\d+)?"
KNUM_RE = rf"(?:{DIGITS_RE}|{NATIVE_RE}|몇)"
DAY_WORDS: dict[str, int] = _NUMBERS["day_words"]
DAY_WORDS_RE = "(?:" + "|".join(DAY_WORDS) + ")"


def ko_number(s: str) -> float | None:
    """Digits, native (한, 두, 열두, 스물다섯) or Sino-Korean (삼십, 이십오) numerals; 몇 -> 3."""
    s = s.replace(" ", "")
    if not s:
        return None
    if re.fullmatch(DIGITS_RE, s):
        return float(s)
    if s == "몇":
        return 3.0
    total = 0
    rest = s
    for word, val in _NATIVE_TENS.items():
        if rest.startswith(word):
            total, rest = val, rest[len(word):]
            break
    if rest in _NATIVE_UNITS:
        return float(total + _NATIVE_UNITS[rest])
    if rest == "" and total:
        return float(total)
    m = re.fullmatch(r"([이삼사오육칠팔구])?(십)?([일이삼사오육칠팔구])?", s)
    if m and any(m.groups()):
        tens = (_SINO[m.group(1)] if m.group(1) else 1) * 10 if m.group(2) else 0
        if m.group(1) and not m.group(2):
            return None
        return float(tens + (_SINO[m.group(3)] if m.group(3) else 0))
    return None


SINO_BIG_RE = r"(?:[이삼사오육칠팔구]?천(?:[일이삼사오육칠팔구]?백)?(?:[이삼사오육칠팔구]?십)?[일이삼사오육칠팔구]?)"
SINO_MONTH_RE = r"(?:십[일이]|[일이삼사오유육칠팔구시십])"
SINO_DAY_RE = r"(?:[이삼]?십[일이삼사오육칠팔구]?|[일이삼사오육칠팔구])"
_SINO_MONTH = {"유": 6, "시": 10}


def sino_number(s: str) -> int | None:
    """A Sino-Korean numeral up to 9999 ("이천십삼" = 2013, "십오" = 15, "유"/"시" as months 6/10)."""
    s = s.replace(" ", "")
    if s in _SINO_MONTH:
        return _SINO_MONTH[s]
    total, digit = 0, None
    for ch in s:
        if ch in _SINO:
            if digit is not None:
                return None
            digit = _SINO[ch]
        elif ch in "천백십":
            total += (digit or 1) * {"천": 1000, "백": 100, "십": 10}[ch]
            digit = None
        else:
            return None
    total += digit or 0
    return total or None


def _num(s: str) -> int | None:
    """Digits or a Sino-Korean numeral."""
    return int(s) if s.isdigit() else sino_number(s)


# ------------------------------------------------------------------------------------------- helpers
WEEKDAYS: dict[str, int] = load("ko", "weekdays")
# Where a word may start: after a non-letter, or right after a particle or ending when the text has no
# spaces ("파티는연말에", "우리는주초에", "이것은다음주").
_WORD_START = r"(?:(?<![가-힣])|(?<=[은는이가을를에도의고서로와과들요죠게]))"


_day = day_ref
_dp = date_pieces


def _year_word(word: str | None, ctx: Context) -> int | None:
    if not word:
        return None
    word = word.replace(" ", "")
    m = re.fullmatch(r"(\d{2,4})년", word)
    if m:
        y = int(m.group(1))
        return y + 2000 if y < 100 else y
    m = re.fullmatch(rf"({SINO_BIG_RE})년", word)
    if m:
        return sino_number(m.group(1))
    return ctx.today.year + _MODIFIERS["years"].get(word, 0)


YEAR_WORDS = rf"(?:\d{{4}}\s*년|{SINO_BIG_RE}\s*년|\d{{2}}\s*년(?=\s*\d{{1,2}}\s*월)|올\s?해|금년|내년|명년|작년|지난해|재작년|내후년|이번)"
_MODIFIERS = load("ko", "modifiers")
SHIFT_WORDS: dict[str, int] = _MODIFIERS["shift"]


# --------------------------------------------------------------------------------------------- rules
RULES: list[Rule] = []
rule = rule_adder(RULES)
rule(r"지금|현재 시각|방금|이제")(now_pieces)


_REL_DAYS: dict[str, int] = load("ko", "relative_days")


@rule(alternation(_REL_DAYS, loose=True))
def _rel_day(m, ctx):
    return _dp(m, _day(ctx, _REL_DAYS[squash(m.group(0))]))


@rule(r"어젯\s?밤|간밤|어제\s*저녁")
def _last_night(m, ctx):
    pod = "evening" if "저녁" in m.group(0) else "night"
    return [Piece("date", m.start(), m.start() + 1, _day(ctx, -1)), Piece("pod", m.start() + 1, m.end(), pod)]


@rule(r"그\s*다음\s*날|다음\s*날|이튿날")
def _next_day(m, ctx):
    return _dp(m, _day(ctx, 1))


_WEEKDAY_READINGS: dict[str, WeekdayReading] = {
    "이번주": (0, "week"), "금주": (0, "week"), "이번": (0, "week"), "다음주": (1, "week"), "차주": (1, "week"),
    "다음": (1, "week"), "다다음주": (2, "week"), "지난주": (-1, "week"), "저번주": (-1, "week"), "지지난주": (-2, "week"),
    "지난": (None, "last"), "저번": (None, "last"),
    "다가오는": (None, "strict-next"), "오는": (None, "strict-next"), "돌아오는": (None, "strict-next"),
}


@rule(r"(?:(이번\s*주|금주|다음\s*주|차주|다다음\s*주|지난\s*주|저번\s*주|지지난\s*주|이번|다음|지난|저번|다가오는|오는|돌아오는)\s*)?([월화수목금토일])요일")
def _weekday(m, ctx):
    mod = (m.group(1) or "").replace(" ", "")
    wd = WEEKDAYS[m.group(2)]
    return _dp(m, weekday_ref(wd, _WEEKDAY_READINGS.get(mod)))


@rule(_WORD_START + r"(이번|다음|다다음|지난|저번|지지난|금|차)\s*주(?!\s*[월화수목금토일]요일)(?:\s*(초반|초|중반|후반|말))?(?!년|일(?!정)|간|\s*동안)")
def _week_rel(m, ctx):
    shift = SHIFT_WORDS[m.group(1)]
    span = week_span(ctx, shift)
    if m.group(2):
        if m.group(2) == "말" and m.group(0).replace(" ", "").endswith("주말"):
            s = span.start + timedelta(days=5)
            span = Span(s, s + timedelta(days=2), "day")
        else:
            span = period_part(span, m.group(2))
    return _dp(m, DateRef(span=span))


@rule(_WORD_START + r"주\s*(초반|초|중반|후반)")
def _this_week_part(m, ctx):
    return _dp(m, DateRef(span=period_part(week_span(ctx, 0), m.group(1))))


@rule(_WORD_START + r"(?<!좋은 )(?<!좋은)주말")
def _weekend(m, ctx):
    s = week_start(ctx.today) + timedelta(days=5)
    return _dp(m, DateRef(span=Span(s, s + timedelta(days=2), "day")))


@rule(r"(이번|다음|다다음|지난|저번|이)\s*달(?:\s*(초반|초|중순|중반|후반|말일|말|첫날))?|이달(?:\s*(초반|초|중순|중반|후반|말일|말|첫날))?|" + _WORD_START + r"(월초|월말일|월말|월중|말일)")
def _month_rel(m, ctx):
    if m.group(4):
        return _dp(m, DateRef(span=period_part(month_span(ctx, 0), {"월초": "초", "월말": "말", "월중": "중순", "월말일": "말일",
                                                                     "말일": "말일"}[m.group(4)])))
    word = m.group(1) or "이"
    part = m.group(2) or m.group(3)
    span = month_span(ctx, SHIFT_WORDS[word])
    if part:
        span = period_part(span, part)
        if ctx.convention == "recognizers" and SHIFT_WORDS[word] == 0:
            span = clip_to_today(span, part, ctx.today)
    return _dp(m, DateRef(span=span))


# a Sino month ("삼월", "유월", "시월") only as a word: not "이월된" (carried over)
_SINO_MONTH_WORD = rf"(?<![가-힣]){SINO_MONTH_RE}(?=\s*월(?:$|[\s,.~-]|에|부터|까지|의|말|초|중|\s*{SINO_DAY_RE}\s*일))"


@rule(rf"(?:({YEAR_WORDS})\s*)?(?<!\d)(\d{{1,2}}|{_SINO_MONTH_WORD})\s*월(?:\s*(\d{{1,2}}|{SINO_DAY_RE})\s*일(?!\s*(?:후|뒤|동안|간)))?(?:\s*(초반|초|중순|중반|후반|말일|말|첫날))?")
def _month_day(m, ctx):
    y = _year_word(m.group(1), ctx)
    mo = _num(m.group(2))
    if mo is None or not 1 <= mo <= 12:
        return []
    if m.group(3):
        d = _num(m.group(3))
        if d is None:
            return []
        if y is not None:
            dd = valid_date(y, mo, d)
            return _dp(m, DateRef(span=Span(dd, dd + timedelta(days=1), "day"), year=y)) if dd else []
        return _dp(m, DateRef(month=mo, day=d)) if valid_date(2000, mo, d) else []
    ref = DateRef(month=mo, year=y)
    if m.group(4):
        span = resolve_date_ref(ref, ctx.today)
        assert span is not None
        return _dp(m, DateRef(span=period_part(span, m.group(4))))
    return _dp(m, ref)


@rule(r"(?<!\d)(\d{4})\s*년\s*대|(?<!\d)(\d{4})년대")
def _decade(m, ctx):
    y = int(m.group(1) or m.group(2))
    return _dp(m, DateRef(span=Span(date(y, 1, 1), date(y + 10, 1, 1), "year")))


@rule(rf"(?<![가-힣])({SINO_BIG_RE})\s*년(?!\s*(?:\d{{1,2}}|{SINO_MONTH_RE})\s*월)")
def _sino_year(m, ctx):
    """"이천십삼년": a year in Sino-Korean numerals."""
    y = sino_number(m.group(1))
    return _dp(m, DateRef(span=year_span(y))) if y and 1000 <= y <= 2999 else []


@rule(r"(?<!\d)(\d{4})\s*년(?!\s*\d{1,2}\s*월)(?:\s*(초반|초|중순|중반|후반|말))?|(올\s?해|금년|내년|명년|작년|지난해|재작년|내후년|그\s?해)(?:\s*(초반|초|중반|후반|말))?(?!\s*\d{1,2}\s*월)|" + _WORD_START + r"(연초|연말|연중)")
def _year_rule(m, ctx):
    if m.group(5):
        span = period_part(year_span(ctx.today.year), {"연초": "초", "연말": "말", "연중": "중순"}[m.group(5)])
        return _dp(m, DateRef(span=span))
    y = int(m.group(1)) if m.group(1) else _year_word(m.group(3), ctx)
    assert y is not None
    if not 1000 <= y <= 2999:
        return []
    span = year_span(y)
    part = m.group(2) or m.group(4)
    if part:
        span = period_part(span, part)
        if ctx.convention == "recognizers" and y == ctx.today.year and m.group(3):
            span = clip_to_today(span, part, ctx.today)
    return _dp(m, DateRef(span=span))


@rule(r"(?<!\d)(\d{4})[-./]\s?(\d{1,2})[-./]\s?(\d{1,2})(?!\d)")
def _iso_date(m, ctx):
    d = valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return _dp(m, DateRef(span=Span(d, d + timedelta(days=1), "day"))) if d else []


@rule(r"(?<![\d./-])(\d{1,2})/(\d{1,2})(?![\d/])")
def _slash_date(m, ctx):
    mo, d = int(m.group(1)), int(m.group(2))
    return _dp(m, DateRef(month=mo, day=d)) if valid_date(2000, mo, d) else []


@rule(r"(?<![\d.월])(\d{1,2})\s*일(?!\s*(?:후|뒤|전|안에|이내|내에|동안|간|째|만|마다|에 한))(?:\s*([월화수목금토일])요일)?")
def _dom(m, ctx):
    d = int(m.group(1))
    if not 1 <= d <= 31:
        return []
    wd = WEEKDAYS[m.group(2)] if m.group(2) else None
    return _dp(m, DateRef(day=d, weekday=wd))


_ORD_KO: dict[str, int] = _NUMBERS["ordinals"]


@rule(rf"(?:({YEAR_WORDS})\s*)?(?:(\d{{1,2}})\s*월\s*(?:의\s*)?)?(첫째|둘째|셋째|넷째|다섯째|첫|두|세|네|다섯|\d{{1,2}}|마지막)\s*(?:번째|번 째|째)?\s*주(?![가-힣]*요일|말|일|간)")
def _nth_week(m, ctx):
    if not (m.group(1) or m.group(2)):
        if not m.group(3).isdigit():
            return []
    y = _year_word(m.group(1), ctx)
    n = None if m.group(3) == "마지막" else (int(m.group(3)) if m.group(3).isdigit() else _ORD_KO[m.group(3)])
    if m.group(2):
        mo = int(m.group(2))
        if not 1 <= mo <= 12:
            return []
        span = resolve_date_ref(DateRef(month=mo, year=y), ctx.today)
        assert span is not None
        first, last = span.start, span.end - timedelta(days=1)
    else:
        year = y if y is not None else ctx.today.year
        first, last = date(year, 1, 1), date(year, 12, 31)
    s = nth_week(first, last, n)
    return _dp(m, DateRef(span=Span(s, s + timedelta(days=7), "week")))


# relative offsets: "3일 후", "두 시간 뒤", "2주 안에", "한 달 전"
_UNITS: dict[str, str] = load("ko", "units")


_AFTER_WORDS = r"(후|뒤|있다가?|지나서|만에|안에|이내에?|내에|내로|내(?![가-힣])|전|앞)"
_SINO_TENS_RE = r"(?:[이삼사오육]?십[일이삼사오육칠팔구]?)"  # "삼십 분": Sino numbers with 십 only (not "이분")


@rule(rf"({KNUM_RE}|일(?=\s*주일)|{_SINO_TENS_RE}(?=\s*분)|[삼오육칠팔](?=\s*분)|(?<![가-힣])[이삼사오육칠팔구](?=\s*[일주]\s*(?:후|뒤|전)))"
      rf"\s*(시간|주일|개월|분|초|일|주|달|년|해)\s*(반)?\s*{_AFTER_WORDS}")
def _offset(m, ctx):
    n = ko_number(m.group(1))
    if n is None and len(m.group(1)) == 1 and m.group(1) in _SINO:  # "오분 내", "삼일 후", "이주 후"
        n = float(_SINO[m.group(1)])
    if n is None or (m.group(2) == "해" and m.group(1) in ("이", "삼")):
        return []
    if m.group(3):
        n += 0.5
    sign = -1 if m.group(4) in ("전", "앞") else 1
    unit = _UNITS[m.group(2)]
    within = m.group(4).startswith(("이내", "내", "안에"))
    if within and (ctx.convention == "recognizers" and m.group(4).startswith(("이내", "내에"))
                   or ctx.convention == "product" and unit in ("second", "minute", "hour")):
        # "한 시간 안에", "두 시간 반 내": the span from now (product: clock units; "3일 안에" stays a day)
        return [Piece("moment", m.start(), m.end(), within_window(ctx, n, unit))]
    return [Piece("moment", m.start(), m.end(), offset_window(ctx, n, _UNITS[m.group(2)], sign))]


@rule(rf"(?:으로|로)?부터\s*({KNUM_RE}|일(?=\s*주일)|{DAY_WORDS_RE})\s*(시간|주일|개월|분|초|일|주|달|년)?\s*(반)?\s*"
      rf"(후|뒤|있다가?|지나서|이내에?|안에|내에)")
def _shift_rule(m, ctx):
    """"지금부터 3분 후", "내일로부터 3일 이내": n units from the date or moment just before."""
    word, unit = m.group(1), m.group(2)
    if word in DAY_WORDS and unit is None:
        n, unit_name = float(DAY_WORDS[word]), "day"
    elif unit is None:
        return []
    else:
        num = ko_number(word)
        if num is None:
            return []
        n, unit_name = num, _UNITS[unit]
    if m.group(3):
        n += 0.5
    mode = "within" if m.group(4).startswith(("이내", "안에", "내에")) and ctx.convention == "recognizers" else "at"
    return [Piece("shift", m.start(), m.end(), Shift(n, unit_name, 1, mode, "before"))]


@rule(rf"({DAY_WORDS_RE})\s*{_AFTER_WORDS}")
def _offset_days(m, ctx):
    sign = -1 if m.group(2) in ("전", "앞") else 1
    return [Piece("moment", m.start(), m.end(), offset_window(ctx, DAY_WORDS[m.group(1)], "day", sign))]


@rule(rf"(앞으로|향후|다음|최근|지난|다가오는|이후)\s*({KNUM_RE}|{DAY_WORDS_RE})\s*(시간|분|일|주일|주|개월|달|년)?\s*(?:간|동안|안에|이내에?|내에)?")
def _next_n(m, ctx):
    word = m.group(2)
    n = DAY_WORDS.get(word) or ko_number(word)
    unit = m.group(3)
    if n is None or (unit is None and word not in DAY_WORDS):
        return []
    unit_name = "day" if unit in (None, "일") else _UNITS[unit]
    w = next_n_window(ctx, n, unit_name, m.group(1) in ("최근", "지난"))
    return [Piece("moment", m.start(), m.end(), w)]


# parts of day (before clock rules so "오후 3시" is two pieces: pod + clock)
_PODS: dict[str, str] = load("ko", "parts_of_day")


# 낮/밤 are parts of day only as words of their own, or right after a day ("오늘밤", "금요일밤", "내일낮")
_AFTER_DAY = r"(?:(?<![가-힣])|(?<=오늘|내일|모레|어제|글피|요일|그날)|(?<=다음날))"


@rule(r"(?<!좋은 )(?<!좋은)(?:" + alternation([k for k in _PODS if k not in ("낮", "밤")], loose=True)
      + rf"|{_AFTER_DAY}낮|{_AFTER_DAY}밤(?!새))")
def _pod(m, ctx):
    return [Piece("pod", m.start(), m.end(), _PODS[squash(m.group(0))])]


_HOUR_RE = r"(\d{1,2}|열두|열한|열|한|두|세|네|다섯|여섯|일곱|여덟|아홉)"


@rule(_HOUR_RE + rf"\s*시(?![간즌작장청험계점대민])(?:\s*(\d{{1,2}}|{SINO_RE})\s*분|\s*(반))?(?:\s*(\d{{1,2}})\s*초)?(?:\s*정각)?(?:\s*(?:쯤|경|께))?")
def _clock(m, ctx):
    h = ko_number(m.group(1))
    if h is None or not 0 <= h <= 24:
        return []
    minute = 30 if m.group(3) else int(ko_number(m.group(2)) or 0) if m.group(2) else 0
    sec = int(m.group(4)) if m.group(4) else 0
    if minute > 59 or sec > 59:
        return []
    return [Piece("clock", m.start(), m.end(), Clock(int(h), minute, sec))]


@rule(r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])")
def _hhmm(m, ctx):
    h, mi = int(m.group(1)), int(m.group(2))
    if h > 24 or mi > 59:
        return []
    explicit = len(m.group(1)) == 2 and (m.group(1).startswith("0") or h >= 13)
    return [Piece("clock", m.start(), m.end(), Clock(h, mi, int(m.group(3) or 0), explicit_24h=explicit))]


rule(r"정오|낮\s*12\s*시")(noon_pieces)
rule(r"자정|밤\s*12\s*시")(midnight_pieces)


@rule(r"하루\s*일과를\s*마칠\s*무렵|하루가\s*끝날\s*때|오늘\s*중(?!간)|오늘\s*안에")
def _end_of_today(m, ctx):
    return [Piece("date", m.start(), m.end(), _day(ctx, 0)), Piece("conn", m.end(), m.end(), "before-incl")]


# connectors
_CONNS: dict[str, str] = load("ko", "connectors")


@rule(r"부터|에서(?!는)|전까지|까지|이전|전에|이후|후에|후로|이래로|이래|~|∼|〜|(?<=\d)\s*[-–]\s*(?=\d)|사이")
def _conn(m, ctx):
    key = m.group(0).strip()
    return [Piece("conn", m.start(), m.end(), _CONNS[key])]


@rule(r"(?:그리고|또는|혹은)\s*그\s*(?:이후|후)")
def _and_after(m, ctx):
    return [Piece("conn", m.start(), m.end(), "since")]


rule(r"(?<!\d)(\d{1,2})\s*세기")(century_pieces)


@rule(rf"({KNUM_RE})\s*(시간|분)\s*(반)?\s*(?:동안|간)")
def _for_duration(m, ctx):
    n = ko_number(m.group(1))
    if n is None:
        return []
    secs = n * (3600 if m.group(2) == "시간" else 60) + (1800 if m.group(3) and m.group(2) == "시간" else 0)
    return [Piece("dur", m.start(), m.end(), timedelta(seconds=secs))]


@rule(r"(?<=일)이\s*있는\s*주|(?<=일)\s*(?:이\s*)?포함된\s*주|(?<=일)\s*있는\s*주")
def _week_of(m, ctx):
    return [Piece("conn", m.start(), m.end(), "weekof")]


_OR = r"(?:이나|또는|혹은|아니면|나|,)"


@rule(rf"(?:(이번|다음|다다음|지난|저번|지지난)\s*주|(다음|지난|앞으로|향후|최근))\s*[월화수목금토일]요일\s*{_OR}\s*([월화수목금토일])요일"
      rf"|(앞으로|향후|다음|최근|지난)\s*({KNUM_RE}|{DAY_WORDS_RE})\s*(시간|분|일|주일|주|개월|달|년)?\s*(?:간|동안)?\s*{_OR}\s*"
      rf"(({KNUM_RE}|{DAY_WORDS_RE})\s*(시간|분|일|주일|주|개월|달|년)?\s*(?:간|동안|안에|이내에?|내에)?)")
def _shared_modifier(m, ctx):
    """"다음 주 월요일이나 화요일", "다음 5일 또는 40일 동안": the second item shares the first one's modifier."""
    if m.group(3):
        if ctx.convention == "recognizers":
            return []  # [recognizers: their specs read the second weekday alone ("화요일" = the coming one)]
        mod = (m.group(1) + "주") if m.group(1) else m.group(2)
        second = _weekday(RULES_BY_NAME["weekday"].fullmatch(mod + " " + m.group(3) + "요일"), ctx)
        return [Piece("date", m.start(3), m.end(), second[0].value)] if second else []
    inner = RULES_BY_NAME["next_n"].fullmatch(m.group(4) + " " + m.group(7))
    if inner is None or m.group(9) is None and m.group(8) not in DAY_WORDS:
        return []
    return [replace(p, start=m.start(7), end=m.end(7)) for p in _next_n(inner, ctx)]


RULES_BY_NAME = {"weekday": next(p for p, h in RULES if h is _weekday), "next_n": next(p for p, h in RULES if h is _next_n)}
RULES.insert(0, RULES.pop(next(i for i, (_, h) in enumerate(RULES) if h is _shared_modifier)))  # before the weekday rule


POSTFIX = True
# a time zone named between a date and its time ("화요일 국제 표준시 기준 오후 1시") does not split the phrase
_ZONE_WORDS = r"(?:(?:[가-힣]{1,4}\s*)?표준시|(?:한국|현지|미국\s*동부|미국\s*서부)\s*시간?)\s*(?:기준(?:으로)?)?"
GLUE = re.compile(rf"[\s,]*(?:에는|에|의|인|중|쯤|경|무렵|께)?[\s,]*(?:{_ZONE_WORDS}[\s,]*)?")


def lex(text: str, ctx: Context) -> list[Piece]:
    return run_rules(RULES, text, ctx)


# ------------------------------------------------------------------------------------- holidays
_KO_HOLIDAYS: dict[str, str] = load("ko", "holidays")


# a bare "설" is the holiday only as a word of its own ("설 연휴", "설에"), not in "설명", "설계"
_KO_HOLIDAY_RE = (alternation([k for k in _KO_HOLIDAYS if k != "설"], loose=True)[:-1]
                  + r"|(?<![가-힣])설(?![가-힣])|(?<![가-힣])설(?=에\b|에\s))")


@rule(rf"(?:({YEAR_WORDS}|다음|지난|다가오는|오는)\s*)?({_KO_HOLIDAY_RE})(\s*연휴)?")
def _holiday(m, ctx):
    name = _KO_HOLIDAYS[squash(m.group(2))]
    word = (m.group(1) or "").replace(" ", "")
    shift = {"다음": 1, "다가오는": 1, "오는": 1, "지난": -1}.get(word)
    year = _year_word(word, ctx) if word and shift is None and word != "이번" else None
    if word == "이번":
        shift = 0
    span = holiday_span(name, ctx.today, year=year, shift=shift)
    if span and m.group(3):  # "추석 연휴": the days off around it
        span = holiday_break(span.start, "KR")
    return _dp(m, DateRef(span=span)) if span else []


@rule(r"(?<![가-힣])대체\s*(?:공휴일|휴일)")
def _substitute_holiday(m, ctx):
    """"대체공휴일": the next substitute holiday (KR unless the zone names another country)."""
    span = substitute_holiday(ctx.today, ctx.country or "KR")
    return _dp(m, DateRef(span=span)) if span else []


@rule(rf"(?:영업일|근무일|평일)\s*(?:기준\s*)?(앞으로|향후|다음|지난|최근)\s*({KNUM_RE}|{DAY_WORDS_RE})\s*(?:일)?"
      rf"|(앞으로|향후|다음|지난|최근)\s*({KNUM_RE})\s*(?:영업일|근무일)")
def _business_days(m, ctx):
    word = m.group(2) or m.group(4)
    n = DAY_WORDS.get(word) or ko_number(word)
    if not n:
        return []
    sign = -1 if (m.group(1) or m.group(3)) in ("지난", "최근") else 1
    return _dp(m, DateRef(span=business_days_span(ctx.today, int(n), sign, ctx.country)))


@rule(r"(올\s?해|금년|이번\s*달|이번\s*주)\s*(?:현재|지금)\s*까지|연초\s*(?:부터|대비)\s*(?:현재|지금|오늘)\s*까지")
def _to_date(m, ctx):
    word = re.sub(r"\s+", "", m.group(1) or "올해")
    start = (ctx.today.replace(day=1) if word == "이번달" else week_start(ctx.today) if word == "이번주"
             else ctx.today.replace(month=1, day=1))
    if start >= ctx.today:
        return []
    return _dp(m, DateRef(span=Span(start, ctx.today, "day")))


@rule(r"(오늘|내일|어제)\s*(늦게|중간|일찍)")
def _day_part(m, ctx):
    """"오늘 늦게" 12-24, "오늘 중간" 10-14, "내일 일찍" 0-12."""
    pod = {"늦게": "laterday", "중간": "midday-wide", "일찍": "earlymorning"}[m.group(2)]
    return [Piece("date", m.start(1), m.end(1), _day(ctx, _REL_DAYS[m.group(1)])), Piece("pod", m.start(2), m.end(), pod)]


@rule(r"(?:({YEAR_WORDS})\s*)?(?<!\d)(\d{1,2})\s*월\s*(\d{1,2})\s*일\s*(과|와|및|,|하고|이나|또는)\s*(\d{1,2})\s*일(?!\s*(?:후|뒤|동안|간))".replace("{YEAR_WORDS}", YEAR_WORDS))
def _days_list(m, ctx):
    """"6월 18일과 19일": the second day shares the month (and year) of the first."""
    y = _year_word(m.group(1), ctx)
    mo = int(m.group(2))
    out: list[Piece] = []
    for g, (a, b) in ((3, (m.start(), m.end(3) + 1)), (5, (m.start(5), m.end()))):
        d = int(m.group(g))
        if not 1 <= mo <= 12 or not valid_date(2000, mo, d):
            return []
        if y is not None:
            dd = valid_date(y, mo, d)
            if dd is None:
                return []
            out.append(Piece("date", a, b, DateRef(span=Span(dd, dd + timedelta(days=1), "day"), year=y)))
        else:
            out.append(Piece("date", a, b, DateRef(month=mo, day=d)))
    out.insert(1, Piece("conn", m.start(4), m.end(4), "and"))
    return out


RULES.insert(0, RULES.pop(next(i for i, (_, h) in enumerate(RULES) if h is _days_list)))  # before single dates


@rule(r"(?<![\d:])(\d{1,2})\s*(?=(?:에서|부터|~|-)\s*(?:\d{1,2}|열두|열한|열|한|두|세|네|다섯|여섯|일곱|여덟|아홉)\s*시(?![간즌작장청험계점대민]))")
def _bare_hour_before_range(m, ctx):
    """"오후 5에서 6시까지": the left end of an hour range may leave out 시."""
    h = int(m.group(1))
    return [Piece("clock", m.start(), m.end(), Clock(h))] if 0 <= h <= 24 else []


_KO_ZONES: dict[str, str] = load("ko", "zones")


@rule(rf"(?:{alternation(_KO_ZONES, loose=True)}|(?-i:KST|UTC|GMT|PST|EST|CET|JST))(?:\s*기준(?:으로)?)?"
      r"|(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?([0-5]\d))?(?:\s*기준(?:으로)?)?")
def _zone(m, ctx):
    """"한국 시간 기준 오후 3시", "미국 동부 시간 오전 9시", "UTC+9 기준": the phrase is read in that zone."""
    if m.group(2):
        off = int(m.group(2)) * 60 + int(m.group(3) or 0)
        if off > 14 * 60:
            return []
        return [Piece("zone", m.start(), m.end(), timezone(timedelta(minutes=-off if m.group(1) == "-" else off)))]
    word = re.sub(r"\s*기준(?:으로)?$", "", m.group(0))
    key = squash(word)
    zone = _KO_ZONES.get(key) or load("", "zones").get(key.lower())
    return [Piece("zone", m.start(), m.end(), zone)] if zone else []

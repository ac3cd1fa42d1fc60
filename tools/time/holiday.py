"""Public holidays and named days, from the ``holidays`` package (MIT, offline) plus observance rules in
``lexicons/holidays.json``; the country of an IANA zone from tzdata's ``zone.tab``.

Used three ways: holiday names in the resolver ("추석", "Christmas"), working-day arithmetic ("in 3
business days", "영업일 기준 5일"), and slot finding (``tools.slots`` never offers a public holiday of an
attendee's country).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

import holidays as holidays_lib
from dateutil.easter import easter

from tools.time.core import Span, last_day_of_month, valid_date
from tools.time.lexicon import load

# Zones that name no country (UTC, Etc/GMT+9) or old aliases zone.tab does not list.
_ALIAS_PREFIX = {"US/": "US", "Canada/": "CA", "Australia/": "AU", "Brazil/": "BR", "Mexico/": "MX", "Chile/": "CL"}
_ALIAS = {"ROK": "KR", "Japan": "JP", "PRC": "CN", "ROC": "TW", "Singapore": "SG", "Hongkong": "HK", "GB": "GB",
          "Eire": "IE", "Israel": "IL", "Turkey": "TR", "Egypt": "EG", "Iran": "IR", "Poland": "PL", "Portugal": "PT",
          "NZ": "NZ", "Cuba": "CU", "Jamaica": "JM", "Iceland": "IS", "Libya": "LY", "Navajo": "US"}


@lru_cache(maxsize=1)
def _zone_table() -> dict[str, str]:
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        try:
            with open("/usr/share/zoneinfo/zone.tab", encoding="utf-8") as f:
                text = f.read()
        except OSError:
            return {}
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            cols = line.split("\t")
            if len(cols) >= 3:
                out[cols[2]] = cols[0]
    return out


def country_of_zone(tz: str | None) -> str | None:
    """The ISO 3166 country of an IANA zone ("Asia/Seoul" -> "KR"); None for UTC/Etc zones and unknown ones."""
    if not tz:
        return None
    if tz in _ALIAS:
        return _ALIAS[tz]
    for prefix, code in _ALIAS_PREFIX.items():
        if tz.startswith(prefix):
            return code
    return _zone_table().get(tz)


@lru_cache(maxsize=256)
def public_holidays(country: str, year: int) -> dict[date, tuple[str, ...]]:
    """Public holidays of ``country`` in ``year``: date -> English names (substitute days included)."""
    try:
        cls = holidays_lib.country_holidays(country)
        lang = "en_US" if "en_US" in (cls.supported_languages or ()) else None
        cal = holidays_lib.country_holidays(country, years=year, language=lang) if lang else \
            holidays_lib.country_holidays(country, years=year)
    except (NotImplementedError, KeyError, AttributeError):
        return {}
    return {d: tuple(n.strip() for n in name.split(";")) for d, name in cal.items()}


def is_holiday(d: date, country: str | None) -> bool:
    """Whether ``d`` is a public holiday in ``country`` (always False without a country)."""
    return bool(country) and d in public_holidays(country, d.year)  # type: ignore[arg-type]


def is_working_day(d: date, country: str | None = None) -> bool:
    """Monday to Friday and not a public holiday of ``country``."""
    return d.weekday() < 5 and not is_holiday(d, country)


def next_working_day(d: date, country: str | None = None) -> date:
    """``d`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(d, country):
        d += timedelta(days=1)
    return d


def holiday_date(key: str, year: int) -> date | None:
    """The date of a named day (a key of ``lexicons/holidays.json``) in ``year``; None when it has none then."""
    rule = load("", "holidays").get(key)
    if rule is None:
        return None
    if "country" in rule:
        found = [d for d, names in public_holidays(rule["country"], year).items() if rule["name"] in names]
        return min(found) if found else None
    if "easter" in rule:
        return easter(year) + timedelta(days=rule["easter"])
    if "after" in rule:
        base = holiday_date(rule["after"], year)
        return base + timedelta(days=rule["days"]) if base else None
    if "nth" in rule:
        month, wd, n = rule["month"], rule["weekday"], rule["nth"]
        if n < 0:
            last = last_day_of_month(year, month)
            return last - timedelta(days=(last.weekday() - wd) % 7)
        first = date(year, month, 1)
        return first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (n - 1))
    return valid_date(year, rule["month"], rule["day"])


def holiday_country(key: str) -> str | None:
    """The country whose public holiday a named day is ("추석" -> "KR"); None for an observance."""
    return load("", "holidays").get(key, {}).get("country")


def holiday_span(key: str, today: date, *, year: int | None = None, shift: int | None = None) -> Span | None:
    """A named day as a one-day span: in ``year``; else shift 1 = the next one after today, -1 = the last
    one before today, 0 = this year's; None = this year's unless past, then next year's."""
    if year is not None:
        d = holiday_date(key, year)
    elif shift == 0:
        d = holiday_date(key, today.year)
    elif shift == 1:
        d = holiday_date(key, today.year)
        if d is None or d <= today:
            d = holiday_date(key, today.year + 1)
    elif shift == -1:
        d = holiday_date(key, today.year)
        if d is None or d >= today:
            d = holiday_date(key, today.year - 1)
    else:
        d = holiday_date(key, today.year)
        if d is None or d < today:
            d = holiday_date(key, today.year + 1)
    return Span(d, d + timedelta(days=1), "day") if d else None


def holiday_break(day: date, country: str) -> Span:
    """The run of days off around a holiday ("추석 연휴", "the Chuseok holidays"): the consecutive public
    holidays and weekend days that contain ``day``."""
    def off(d: date) -> bool:
        return d.weekday() >= 5 or is_holiday(d, country)

    start = end = day
    while off(start - timedelta(days=1)):
        start -= timedelta(days=1)
    while off(end + timedelta(days=1)):
        end += timedelta(days=1)
    return Span(start, end + timedelta(days=1), "day")


def substitute_holiday(today: date, country: str | None) -> Span | None:
    """The next substitute (alternative / observed) holiday from today in ``country`` ("대체공휴일")."""
    if not country:
        return None
    for y in (today.year, today.year + 1):
        for d in sorted(public_holidays(country, y)):
            names = public_holidays(country, y)[d]
            if d >= today and any(n.lower().startswith(("alternative holiday", "substitute")) or "(observed)" in n
                                  for n in names):
                return Span(d, d + timedelta(days=1), "day")
    return None

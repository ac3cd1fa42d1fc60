"""The resolver's word lists are data (tools/time/lexicons/): every file loads, every entry maps to a value
the code knows, every named day has a date, and a word added to a file is read without code changes."""

from __future__ import annotations

import json
from datetime import date, datetime
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from tools.time import due_date, resolve
from tools.time.core import PARTS_OF_DAY
from tools.time.holiday import holiday_date
from tools.time.lexicon import alternation, load

NOW = datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Seoul"))


def test_the_lexicon_files_exist_per_language_and_category():
    base = resources.files("tools.time").joinpath("lexicons")
    for lang in ("en", "ko"):
        for category in ("numbers", "weekdays", "relative_days", "parts_of_day", "connectors", "holidays", "modifiers"):
            assert base.joinpath(lang, f"{category}.json").is_file(), (lang, category)
    for path in base.rglob("*.json"):  # type: ignore[attr-defined]
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict) and data, path


def test_parts_of_day_and_connectors_map_to_known_values():
    known_pods = set(PARTS_OF_DAY["product"])
    assert set(load("ko", "parts_of_day").values()) <= known_pods
    assert set(load("en", "parts_of_day")["parts"].values()) <= known_pods
    roles = {"before-incl", "before-excl", "until", "after-excl", "since", "from", "from-post", "to", "between",
             "between-end", "and", "since-post", "before-post"}
    assert set(load("en", "connectors").values()) <= roles
    assert set(load("ko", "connectors").values()) <= roles


def test_every_holiday_name_has_a_date():
    keys = set(load("", "holidays"))
    assert set(load("ko", "holidays").values()) <= keys
    assert set(load("en", "holidays").values()) <= keys
    for key in keys:
        assert isinstance(holiday_date(key, 2026), date), key


def test_zone_words_are_iana_zones():
    for table in (load("", "zones"), load("ko", "zones")):
        for zone in table.values():
            ZoneInfo(zone)


def test_loose_alternation_reads_words_with_or_without_spaces():
    import re

    pattern = re.compile(alternation(["내일모레", "내일"], loose=True))
    assert pattern.fullmatch("내일 모레") and pattern.fullmatch("내일모레") and pattern.match("내일").group(0) == "내일"


def test_a_word_added_to_a_lexicon_is_read(monkeypatch):
    """Adding a line to a data file is enough: reload the lexer with one more relative-day word."""
    import importlib

    import tools.time.en as en
    import tools.time.lexicon as lexicon

    original = lexicon.load

    def patched(lang: str, category: str):
        data = dict(original(lang, category))
        if (lang, category) == ("en", "relative_days"):
            data["overmorrow"] = 2
        return data

    monkeypatch.setattr(lexicon, "load", patched)
    try:
        importlib.reload(en)
        import tools.time.resolver as resolver

        monkeypatch.setattr(resolver, "time_en", en)
        e = resolve("overmorrow", NOW, "Asia/Seoul", "en")
        assert e is not None and e.start.date() == date(2026, 11, 28)
    finally:
        monkeypatch.setattr(lexicon, "load", original)
        importlib.reload(en)


@pytest.mark.parametrize("phrase, due", [
    ("by EOM", date(2026, 11, 30)), ("by EOD", date(2026, 11, 26)), ("by EOW", date(2026, 11, 27)),
    ("한시간내", date(2026, 11, 26)), ("through 2014", date(2014, 12, 31)), ("12월 말일까지", date(2026, 12, 31)),
    ("the last day of December", date(2026, 12, 31)), ("in 3 business days", date(2026, 12, 1)),
    ("추석 연휴 전까지", date(2027, 9, 13)),
])
def test_due_dates_of_the_new_forms(phrase, due):
    assert due_date(phrase, NOW, "Asia/Seoul") == due

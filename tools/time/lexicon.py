"""The resolver's word lists, read from data files: ``lexicons/<lang>/<category>.json``.

A new form of a known kind (a weekday abbreviation, a part of day, a connector, a holiday name) is one
line in a data file. Keys starting with "_" are comments. Files are package data (pyproject.toml).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(lang: str, category: str) -> dict[str, Any]:
    """The mapping in ``lexicons/<lang>/<category>.json`` (``lang`` "" for language-independent files)."""
    base = resources.files("tools.time").joinpath("lexicons")
    path = base.joinpath(lang, f"{category}.json") if lang else base.joinpath(f"{category}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def alternation(words: Iterable[str], *, loose: bool = False) -> str:
    """A regex alternation of ``words``, longest first (so "내일모레" wins over "내일"); with ``loose``
    a space may stand between any two letters of a word, or none ("내일 모레", "새해 첫 날", "이른아침")."""
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        if loose:
            parts.append(r"\s?".join(re.escape(c) for c in w.replace(" ", "")))
        else:
            parts.append(re.escape(w))
    return "(?:" + "|".join(parts) + ")"


def squash(text: str) -> str:
    """A lexicon key for a matched phrase: spaces removed ("내일 모레" -> "내일모레")."""
    return re.sub(r"\s+", "", text)

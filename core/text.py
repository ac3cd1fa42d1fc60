"""Which script a text is written in: the one Hangul check every stage uses to tell Korean from English."""

from __future__ import annotations

import re

HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")  # syllables, jamo, compatibility jamo


def has_hangul(text: str | None) -> bool:
    """Whether ``text`` holds any Hangul."""
    return bool(HANGUL.search(text or ""))


def ends_in_consonant(word: str) -> bool:
    """Whether ``word`` ends in a Hangul syllable with a final consonant (받침): "예산" yes, "회의" no; it picks
    a particle (은/는, 을/를). Not Hangul: no."""
    last = word[-1:]
    return "\uac00" <= last <= "\ud7a3" and (ord(last) - 0xAC00) % 28 != 0


def script_language(text: str | None) -> str:
    """``ko`` when ``text`` holds Hangul, else ``en`` (the two languages Minutes reads)."""
    return "ko" if has_hangul(text) else "en"


def fold(text: str) -> str:
    """``text`` with runs of white space made one space, trimmed and lower-cased: how quotes are compared."""
    return re.sub(r"\s+", " ", text).strip().lower()

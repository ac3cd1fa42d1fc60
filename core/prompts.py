"""Prompt files: ``prompts/<name>.<lang>.md``, versioned like code, filled with ``$placeholders``.

``string.Template`` is used (not ``str.format``) so JSON examples in a prompt need no brace escaping.
A Korean variant is used for Korean meetings when it exists, else the English one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=64)
def _read(name: str, lang: str) -> str:
    for candidate in (PROMPTS_DIR / f"{name}.{lang}.md", PROMPTS_DIR / f"{name}.en.md", PROMPTS_DIR / f"{name}.md"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise FileNotFoundError(f"no prompt file for '{name}' in {PROMPTS_DIR}")


def render(name: str, lang: str = "en", **values: object) -> str:
    """The prompt ``name`` in ``lang`` with ``$placeholders`` filled (unknown ones are left as they are)."""
    return Template(_read(name, lang)).safe_substitute({k: str(v) for k, v in values.items()})

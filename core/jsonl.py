"""JSON lines as people hand them in: one JSON value a line, blank lines skipped, a bad line named by number."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from core.errors import InputError


def json_lines(lines: Iterable[str], not_json: Callable[[int, str], InputError]) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` for each non-blank line (numbered from 1); a line that is not JSON raises
    ``not_json(number, the parser's message)``."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise not_json(number, e.msg) from e
        yield number, value

"""Processed meetings on disk: ``<data dir>/meetings/<meeting id>/minutes.json`` (and the run's thread id).

The one place that knows the layout; the CLI, the API, the web page and the runner read meetings here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from core.settings import Settings


def meeting_dir(settings: Settings, meeting_id: str) -> Path:
    """The folder of one meeting's outputs (not created)."""
    return settings.path("meetings", meeting_id)


def load_meeting(settings: Settings, meeting_id: str) -> dict | None:
    """The meeting JSON last written for ``meeting_id``, or None when there is none (or it is unreadable)."""
    return read_json(meeting_dir(settings, meeting_id) / "minutes.json")


def stored_meetings(settings: Settings) -> Iterator[dict]:
    """Every readable meeting JSON in the data directory, in folder-name order (unreadable ones skipped)."""
    for path in sorted(settings.path("meetings").glob("*/minutes.json")):
        meeting = read_json(path)
        if meeting is not None:
            yield meeting


def remember_thread(settings: Settings, meeting_id: str, thread_id: str) -> None:
    """Record which graph thread holds the meeting's run (so ``minutes approve`` can resume it)."""
    d = meeting_dir(settings, meeting_id)
    d.mkdir(parents=True, exist_ok=True)
    (d / "thread").write_text(thread_id)


def thread_of(settings: Settings, meeting_id: str) -> str | None:
    """The graph thread last recorded for ``meeting_id``, or None."""
    f = meeting_dir(settings, meeting_id) / "thread"
    return f.read_text().strip() if f.is_file() else None


def read_json(path: Path) -> dict | None:
    """The JSON object in ``path``, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError):
        return None

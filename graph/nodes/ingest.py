"""Ingest: check the input before anything runs, and read transcripts.

``prepare_input`` validates a request (file, time zone, date, attendees) and derives the meeting id from
the file's content hash, so a bad request fails with one line before a graph thread exists.
The ``ingest`` node then reads a transcript into segments, or probes an audio file for the transcriber.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from langgraph.runtime import Runtime

from core.dates import check_timezone, parse_datetime
from core.errors import InputError
from core.meeting import Participant
from graph.context import Context
from graph.state import MeetingInput, MeetingState
from tools.transcripts import TRANSCRIPT_SUFFIXES, read_transcript


def parse_attendees(specs: list[str]) -> list[Participant]:
    """``NAME=EMAIL`` strings -> participants."""
    people: list[Participant] = []
    for spec in specs:
        name, sep, email = spec.partition("=")
        if not sep or not name.strip() or "@" not in email:
            raise InputError(f"attendee '{spec}' is not NAME=EMAIL", hint='e.g. --attendee "Alice Kim=alice@example.com"')
        people.append(Participant(name=name.strip(), email=email.strip()))
    return people


def parse_speakers(specs: list[str]) -> dict[str, str]:
    """``LABEL=NAME`` strings (``SPEAKER_1=Alice Kim``) -> {label: name}."""
    mapping = {}
    for spec in specs:
        label, sep, name = spec.partition("=")
        if not sep or not label.strip() or not name.strip():
            raise InputError(f"speaker '{spec}' is not LABEL=NAME", hint='e.g. --speaker "SPEAKER_1=Alice Kim"')
        mapping[label.strip()] = name.strip()
    return mapping


def content_id(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return "m-" + h.hexdigest()[:16]


def source_kind(path: Path) -> str:
    return "transcript" if path.suffix.lower() in TRANSCRIPT_SUFFIXES else "audio"


def prepare_input(source: str | Path, *, meeting_date: str | datetime, timezone: str, language: str = "auto",
                  participants: list[Participant] | None = None, book: str = "ask", max_duration_s: float | None = None,
                  speaker_names: dict[str, str] | None = None) -> MeetingInput:
    """Validate a processing request and return the graph's input. Raises InputError on bad input."""
    path = Path(source).expanduser()
    if not path.exists():
        raise InputError(f"{path}: no such file", hint="check the path")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty", hint="give a recording or a transcript with content")
    tz = check_timezone(timezone)
    when = parse_datetime(meeting_date, tz)
    if language not in ("auto", "ko", "en"):
        raise InputError(f"language '{language}' is not supported", hint="use auto, ko or en")
    if source_kind(path) == "transcript":
        read_transcript(path)  # fails now, with one line, if the transcript is unusable
    else:
        from tools.audio import probe

        probe(path, max_duration_s=max_duration_s)
    return MeetingInput(source=str(path.resolve()), meeting_id=content_id(path), meeting_date=when.isoformat(),
                        timezone=tz, language=language, participants=list(participants or []), book=book,
                        speaker_names=dict(speaker_names or {}))


def ingest(state: MeetingState, runtime: Runtime[Context]) -> dict:
    path = Path(state["source"])
    if source_kind(path) == "audio":
        return {"kind": "audio"}
    parsed = read_transcript(path)
    language = state.get("language", "auto")
    if language == "auto":
        language = parsed.language_hint or runtime.context.settings.asr.default_language
    return {"kind": "transcript", "segments": parsed.segments, "duration_s": parsed.duration_s,
            "language": language, "language_probability": None, "warnings": parsed.warnings}

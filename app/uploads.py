"""Checking a processing request: the uploaded file's type and name, the form fields, and the graph input.

Everything a person must fix is an InputError raised here, before a job exists (the API answers 4xx).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.dates import check_timezone
from core.errors import InputError
from core.meeting import Participant
from core.settings import Settings
from graph.nodes.ingest import parse_attendees, prepare_input
from graph.state import MeetingInput

TRANSCRIPT_EXTENSIONS = frozenset({".txt", ".vtt", ".srt"})
AUDIO_EXTENSIONS = frozenset({".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".webm", ".flac", ".mp4",
                              ".mkv", ".mov", ".wma"})
ACCEPTED_CONTENT_TYPES = ("audio/", "video/", "text/")
ACCEPTED_EXACT_TYPES = frozenset({"", "application/octet-stream", "application/ogg", "application/x-subrip",
                                  "application/mp4", "application/x-matroska"})


class EmptyUploadError(InputError):
    """The uploaded file has no bytes."""


def new_job_id() -> str:
    """A fresh job id (``j-`` and 16 hex digits)."""
    return "j-" + uuid.uuid4().hex[:16]


def check_upload(filename: str | None, content_type: str | None) -> str:
    """The upload's extension if Minutes can read it; InputError otherwise (the API answers 415)."""
    name = Path(filename or "").name
    suffix = Path(name).suffix.lower()
    known = sorted(TRANSCRIPT_EXTENSIONS | AUDIO_EXTENSIONS)
    if suffix not in TRANSCRIPT_EXTENSIONS | AUDIO_EXTENSIONS:
        raise InputError(f"'{name or '(no name)'}' is not a recording or a transcript Minutes reads",
                         hint=f"upload one of: {' '.join(known)}")
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype not in ACCEPTED_EXACT_TYPES and not ctype.startswith(ACCEPTED_CONTENT_TYPES):
        raise InputError(f"content type '{ctype}' is not audio, video or text",
                         hint="send the file as audio/*, video/*, text/* or application/octet-stream")
    return suffix


def safe_filename(filename: str | None, suffix: str) -> str:
    """A file name safe to store: the base name's letters, digits and ``-_.``, keeping the extension."""
    stem = Path(Path(filename or "upload").name).stem
    clean = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem).strip("._")[:80] or "upload"
    return clean + suffix


def parse_attendee_field(values: list[str] | None) -> list[Participant]:
    """Attendees from form fields: repeated ``NAME=EMAIL`` values, or one JSON list of those strings or of
    ``{"name", "email"}`` objects. Raises InputError on anything else."""
    specs: list[str] = []
    for value in values or []:
        value = (value or "").strip()
        if not value:
            continue
        if value.startswith("["):
            try:
                items = json.loads(value)
            except json.JSONDecodeError:
                raise InputError("attendees is not a valid JSON list", hint='e.g. ["Alice Kim=alice@example.com"]') from None
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("email"), str):
                    specs.append(f"{item['name']}={item['email']}")
                elif isinstance(item, str):
                    specs.append(item)
                else:
                    raise InputError(f"attendee {json.dumps(item, ensure_ascii=False)[:60]} is not NAME=EMAIL",
                                     hint='give "NAME=EMAIL" strings or {"name": ..., "email": ...} objects')
        else:
            specs.extend(line for line in value.splitlines() if line.strip())
    return parse_attendees(specs)


def make_input(settings: Settings, source: Path, *, now: datetime, meeting_date: str | None = None,
               timezone: str | None = None, language: str | None = None, attendees: list[str] | None = None,
               book: str | None = None) -> MeetingInput:
    """Validate a processing request for a saved upload and return the graph's ``MeetingInput``.

    Defaults: the zone from the settings, the meeting date = ``now`` (upload time) in that zone, the
    settings' language and booking mode. Raises InputError for anything a person must fix.
    """
    tz = check_timezone((timezone or "").strip() or settings.resolved_timezone())
    book = (book or "").strip() or settings.book
    if book not in ("ask", "auto", "never"):
        raise InputError(f"book '{book}' is not ask, auto or never", hint="ask waits for approval; auto books; never only proposes")
    when = (meeting_date or "").strip() or now.astimezone(ZoneInfo(tz)).replace(microsecond=0).isoformat()
    return prepare_input(source, meeting_date=when, timezone=tz, language=(language or "").strip() or settings.language,
                         participants=parse_attendee_field(attendees), book=book,
                         max_duration_s=settings.asr.max_duration_s)

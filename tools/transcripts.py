"""Read transcripts that already exist: plain text ("Name: text" lines), WebVTT and SubRip.

Speaker names found in the transcript are kept. Plain text has no times, so segment times are
estimated from the amount of speech (``estimated_times`` tells the caller). Unusable input raises
``InputError`` with one line saying what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InputError
from core.meeting import Segment
from core.text import HANGUL as _HANGUL

TRANSCRIPT_SUFFIXES = {".txt", ".vtt", ".srt"}

# "Alice: text", "[00:01:02] Alice: text", "00:01:02 Alice: text". A name is 1–40 chars with no colon.
_LINE = re.compile(r"^\s*(?:\[?(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]?\s+)?(?P<name>[^:：\[\]]{1,40}?)\s*[:：]\s*(?P<text>.+?)\s*$")
_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>\s*(.*)$", re.S)
_TAGS = re.compile(r"</?[^>]+>")


@dataclass
class ParsedTranscript:
    segments: list[Segment]
    estimated_times: bool
    language_hint: str | None
    warnings: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.segments[-1]["end"] if self.segments else 0.0

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(s["speaker"] for s in self.segments))


def _seconds(ts: str) -> float:
    parts = ts.replace(",", ".").split(":")
    value = 0.0
    for p in parts:
        value = value * 60 + float(p)
    return value


def speech_seconds(text: str) -> float:
    """Rough speaking time: ~6 Hangul syllables/s for Korean, ~2.7 words/s otherwise (at least 1 s)."""
    hangul = len(_HANGUL.findall(text))
    words = len(re.findall(r"[A-Za-z0-9']+", text))
    return max(1.0, hangul / 6.0 + words / 2.7)


def language_hint(text: str) -> str | None:
    """'ko' when Hangul dominates the letters, 'en' when Latin letters do, else None."""
    hangul = len(_HANGUL.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if hangul + latin == 0:
        return None
    return "ko" if hangul * 3 >= latin else "en"


def _make_segments(rows: list[tuple[float | None, float | None, str, str]]) -> tuple[list[Segment], bool]:
    """rows: (start, end, speaker, text); missing times are estimated from speech length."""
    segments: list[Segment] = []
    estimated = False
    clock = 0.0
    for i, (start, end, speaker, text) in enumerate(rows):
        if start is None:
            estimated = True
            start = clock
        if end is None or end <= start:
            end = start + speech_seconds(text)
        clock = end
        segments.append(Segment(id=f"s{i + 1:04d}", start=round(start, 2), end=round(end, 2),
                                speaker=speaker.strip(), text=text.strip(), label=None))
    return segments, estimated


def _parse_text(raw: str) -> list[tuple[float | None, float | None, str, str]]:
    rows: list[tuple[float | None, float | None, str, str]] = []
    for line in raw.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if m and not m.group("name").strip().isdigit():
            ts = m.group("ts")
            rows.append((_seconds(ts) if ts else None, None, m.group("name"), m.group("text")))
        elif rows:  # a continuation line belongs to the previous speaker
            start, end, name, text = rows[-1]
            rows[-1] = (start, end, name, f"{text} {line.strip()}")
    # Fill ends from the next row's start when the lines carried timestamps.
    out = []
    for i, (start, end, name, text) in enumerate(rows):
        nxt = rows[i + 1][0] if i + 1 < len(rows) else None
        out.append((start, nxt if (start is not None and nxt is not None and nxt > start) else end, name, text))
    return out


def _speaker_and_text(cue_text: str, raw: str) -> tuple[str | None, str]:
    v = _VOICE.match(raw.strip())
    if v:
        return v.group(1).strip(), _TAGS.sub("", v.group(2)).strip()
    text = _TAGS.sub("", cue_text).strip()
    m = _LINE.match(text.replace("\n", " "))
    if m and not m.group("ts"):
        return m.group("name").strip(), m.group("text").strip()
    return None, text.replace("\n", " ")


def _parse_vtt(raw: str) -> list[tuple[float | None, float | None, str, str]]:
    import webvtt

    try:
        captions = webvtt.from_string(raw)
    except Exception as e:  # webvtt raises its own MalformedFileError
        raise InputError(f"not a valid WebVTT file: {e}", hint="check the WEBVTT header and cue timings") from e
    rows = []
    for cap in captions:
        speaker, text = _speaker_and_text(cap.text, cap.raw_text)
        if text:
            rows.append((_seconds(cap.start), _seconds(cap.end), speaker or "", text))
    return rows


def _parse_srt(raw: str) -> list[tuple[float | None, float | None, str, str]]:
    import srt

    try:
        subs = list(srt.parse(raw))
    except Exception as e:  # srt.SRTParseError and friends
        raise InputError(f"not a valid SRT file: {e}".splitlines()[0], hint="check the cue numbers and timings") from e
    rows = []
    for sub in subs:
        speaker, text = _speaker_and_text(sub.content, sub.content)
        if text:
            rows.append((sub.start.total_seconds(), sub.end.total_seconds(), speaker or "", text))
    return rows


def read_transcript(path: Path) -> ParsedTranscript:
    """Parse a .txt/.vtt/.srt transcript into segments with speakers.

    Raises InputError for an empty file, undecodable text, or a transcript in which no line names a
    speaker (Minutes needs to know who spoke to assign owners).
    """
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path.name}: the file is empty", hint="give a transcript with 'Name: text' lines, or an audio file")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not UTF-8 text", hint="save the transcript as UTF-8") from None
    suffix = path.suffix.lower()
    rows = _parse_vtt(raw) if suffix == ".vtt" else _parse_srt(raw) if suffix == ".srt" else _parse_text(raw)
    if not rows:
        raise InputError(f"{path.name}: no transcript lines found", hint="expected lines like 'Alice: let us start'")
    named = [r for r in rows if r[2].strip()]
    if not named:
        raise InputError(f"{path.name}: the transcript names no speakers",
                         hint="write each line as 'Name: text' (or use <v Name> in WebVTT)")
    warnings = []
    if len(named) < len(rows):
        warnings.append(f"{len(rows) - len(named)} lines had no speaker and were attributed to 'Unknown'")
        rows = [(s, e, n or "Unknown", t) for s, e, n, t in rows]
    segments, estimated = _make_segments(rows)
    if estimated:
        warnings.append("the transcript has no timestamps; segment times are estimated from speech length")
    return ParsedTranscript(segments=segments, estimated_times=estimated,
                            language_hint=language_hint(" ".join(s["text"] for s in segments)), warnings=warnings)

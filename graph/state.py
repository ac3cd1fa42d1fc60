"""The graph's state: one typed object, its reducers all visible here.

Every field is plain JSON-able data (ids and small records, never models or file handles), so the
SQLite checkpointer can save it after each node and an interrupted run resumes where it stopped.
Fields without a reducer are overwritten by the node that produces them; the three with reducers are
written by the parallel branches (summarizer and scheduler) in the same step.
"""

from __future__ import annotations

import operator
from typing import Annotated, Literal

from typing_extensions import TypedDict

from core.meeting import FollowUp, Meeting, MinutesRecord, Participant, Proposal, Segment, StageStats


def merge_stages(left: dict[str, StageStats] | None, right: dict[str, StageStats] | None) -> dict[str, StageStats]:
    """Per-stage stats from different nodes are combined by stage name (later writes win per stage)."""
    return {**(left or {}), **(right or {})}


class MeetingInput(TypedDict, total=False):
    """What a caller gives the graph (see README, "Python API")."""

    source: str  # path of an audio/video file or a .txt/.vtt/.srt transcript
    meeting_id: str  # derived from the content hash when absent
    meeting_date: str  # ISO 8601 datetime with offset; when the meeting took place
    timezone: str  # IANA zone of the meeting
    language: Literal["auto", "ko", "en"]
    participants: list[Participant]  # known names and emails (speakers are added automatically)
    book: Literal["ask", "auto", "never"]
    speaker_names: dict[str, str]  # diarized label -> participant name, e.g. {"SPEAKER_1": "Alice Kim"}
    out_dir: str  # where minutes.md/minutes.json go; default <data dir>/meetings/<meeting id>


class MeetingState(MeetingInput, total=False):
    kind: Literal["audio", "transcript"]
    language_probability: float | None
    duration_s: float
    segments: list[Segment]
    minutes: MinutesRecord
    follow_up: FollowUp
    proposal: Proposal  # the scheduler's proposed slot before approval
    outputs: dict[str, str]  # written files: {"markdown": path, "json": path}
    stages: Annotated[dict[str, StageStats], merge_stages]
    warnings: Annotated[list[str], operator.add]


class MeetingOutput(Meeting, total=False):
    """What the graph returns: the meeting JSON (core/meeting.py ``Meeting``) plus where the files were written."""

    outputs: dict[str, str]

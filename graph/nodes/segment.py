"""Segment: clean speaker turns with stable ids, and the participant list with emails.

Consecutive fragments of one speaker separated by a short pause become one turn (a turn is the unit the
minutes cite). Speakers are matched to the given attendees by name ("Alice" matches "Alice Kim").
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from core.meeting import Participant, Segment
from graph.context import Context
from graph.state import MeetingState

MAX_GAP_S = 1.5
MAX_TURN_CHARS = 400


def merge_turns(segments: list[Segment]) -> list[Segment]:
    """Join same-speaker neighbours (pause <= MAX_GAP_S, text <= MAX_TURN_CHARS) and renumber ids."""
    turns: list[Segment] = []
    for seg in segments:
        text = seg["text"].strip()
        if not text:
            continue
        prev = turns[-1] if turns else None
        if (prev and prev["speaker"] == seg["speaker"] and seg["start"] - prev["end"] <= MAX_GAP_S
                and len(prev["text"]) + len(text) <= MAX_TURN_CHARS):
            prev["text"] = f"{prev['text']} {text}"
            prev["end"] = max(prev["end"], seg["end"])
        else:
            turns.append(Segment(id="", start=seg["start"], end=seg["end"], speaker=seg["speaker"], text=text, label=None))
    for i, t in enumerate(turns, 1):
        t["id"] = f"s{i:04d}"
    return turns


def same_person(a: str, b: str) -> bool:
    """Case-insensitive full-name match, or one name is the other's first/last word ("Bob" ~ "Bob Lee")."""
    a, b = a.strip().lower(), b.strip().lower()
    if not a or not b:
        return False
    return a == b or a in b.split() or b in a.split()


def merge_participants(given: list[Participant], speakers: list[str]) -> list[Participant]:
    """Speakers first (with emails from matching attendees), then attendees who did not speak."""
    people: list[Participant] = []
    used: set[int] = set()
    for name in speakers:
        match = next((i for i, p in enumerate(given) if i not in used and same_person(p["name"], name)), None)
        if match is not None:
            used.add(match)
            people.append(Participant(name=given[match]["name"] if len(given[match]["name"]) > len(name) else name,
                                      email=given[match]["email"]))
        else:
            people.append(Participant(name=name, email=None))
    people += [p for i, p in enumerate(given) if i not in used]
    return people


def segment(state: MeetingState, runtime: Runtime[Context]) -> dict:
    turns = merge_turns(state.get("segments", []))
    speakers = list(dict.fromkeys(t["speaker"] for t in turns))
    participants = merge_participants(state.get("participants", []), speakers)
    # Speakers renamed to the attendees' full names, so owners and invitations agree.
    rename = {s: p["name"] for s in speakers for p in participants if same_person(s, p["name"])}
    for t in turns:
        t["speaker"] = rename.get(t["speaker"], t["speaker"])
    warnings = [] if turns else ["no speech was found: the minutes will be empty"]
    return {"segments": turns, "participants": participants, "warnings": warnings}

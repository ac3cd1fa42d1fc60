"""Segment: clean speaker turns with stable ids, and the participant list with emails.

Consecutive fragments of one speaker separated by a short pause become one turn (a turn is the unit the
minutes cite). Speakers are matched to the given attendees by name ("Alice" matches "Alice Kim").
"""

from __future__ import annotations

import re
from collections import Counter

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


ANONYMOUS = re.compile(r"^(SPEAKER_\d+|Unknown)$")
_SELF_INTRO = re.compile(r"\b(?:I'm|I am|this is|my name is)\s+([A-Z][a-z]+)|저는\s*([가-힣]{2,4})(?:입니다|이에요|예요)")


def name_speakers(turns: list[Segment], people: list[Participant], given: dict[str, str] | None = None) -> dict[str, str]:
    """Guess who the diarizer's anonymous speakers (SPEAKER_1…) are, from how people talk to each other.

    Votes: a turn that opens by addressing someone ("Bob, can you…", "준호 씨, …") votes that the next
    different speaker is that person; a self-introduction ("I'm Alice", "저는 김민지입니다") votes strongly.
    Names are assigned greedily by votes; a single speaker left with a single name gets it. ``given``
    (``--speaker SPEAKER_1="Alice Kim"``) always wins.
    """
    from tools.grounding import match_participant, mentioned_participants

    mapping = dict(given or {})
    anonymous = [s for s in dict.fromkeys(t["speaker"] for t in turns) if ANONYMOUS.match(s) and s not in mapping]
    names = [p for p in people if p["name"] not in mapping.values() and not ANONYMOUS.match(p["name"])]
    if not anonymous or not names:
        return mapping
    votes: Counter[tuple[str, str]] = Counter()
    for i, turn in enumerate(turns):
        head = turn["text"].split(",", 1)[0]
        if "," in turn["text"] and len(head.split()) <= 3:
            for name in mentioned_participants(head, names):
                nxt = next((t for t in turns[i + 1 : i + 3] if t["speaker"] != turn["speaker"]), None)
                if nxt is not None:
                    votes[(nxt["speaker"], name)] += 1
        for m in _SELF_INTRO.finditer(turn["text"]):
            name = match_participant(m.group(1) or m.group(2), names)
            if name:
                votes[(turn["speaker"], name)] += 3
    for (speaker, name), _ in votes.most_common():
        if speaker in anonymous and speaker not in mapping and name not in mapping.values():
            mapping[speaker] = name
    left_speakers = [s for s in anonymous if s not in mapping]
    left_names = [p["name"] for p in names if p["name"] not in mapping.values()]
    if len(left_speakers) == 1 and len(left_names) == 1:
        mapping[left_speakers[0]] = left_names[0]
    return mapping


def segment(state: MeetingState, runtime: Runtime[Context]) -> dict:
    turns = merge_turns(state.get("segments", []))
    given = state.get("participants", [])
    named = name_speakers(turns, given, state.get("speaker_names"))
    for t in turns:
        t["speaker"] = named.get(t["speaker"], t["speaker"])
    turns = merge_turns(turns)  # neighbours may now be the same person
    speakers = list(dict.fromkeys(t["speaker"] for t in turns))
    participants = merge_participants(given, speakers)
    # Speakers renamed to the attendees' full names, so owners and invitations agree.
    rename = {s: p["name"] for s in speakers for p in participants if same_person(s, p["name"])}
    for t in turns:
        t["speaker"] = rename.get(t["speaker"], t["speaker"])
    warnings = [] if turns else ["no speech was found: the minutes will be empty"]
    return {"segments": turns, "participants": participants, "warnings": warnings}

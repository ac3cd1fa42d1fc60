"""Deterministic checks that keep the small model honest: citations, owners, duplicates.

Plain functions over segments and names; the summarizer node applies them to the model's draft.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.meeting import Participant, Segment

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
_STOP = set("""a an the to of and or in on at for by with is are was were be been will would can could should
we i you he she they it this that these those our your their my me us him her them do does did have has had
let lets let's just so then there here about from as not no yes ok okay also all any some get got go going
""".split())
_SELF = {"i", "me", "myself", "나", "저", "제가", "내가", "본인"}
_DONE = re.compile(r"\b(done|finished|completed|fixed|shipped|sent|merged|resolved)\b|완료|끝났|끝냈|마쳤|해결|보냈|고쳤|처리했", re.I)


def content_tokens(text: str) -> set[str]:
    """Lower-case words (no stop words) plus Hangul character bigrams, so Korean matches across endings."""
    low = text.lower()
    tokens = {w for w in _WORD.findall(low) if w not in _STOP and len(w) > 1}
    for run in _HANGUL_RUN.findall(low):
        tokens.update(run[i : i + 2] for i in range(len(run) - 1)) if len(run) > 1 else tokens.add(run)
    return tokens


def support(claim: str, texts: Iterable[str]) -> float:
    """Share of the claim's content tokens found in ``texts`` (0..1)."""
    claim_tokens = content_tokens(claim)
    if not claim_tokens:
        return 0.0
    source = set().union(*(content_tokens(t) for t in texts)) if texts else set()
    return len(claim_tokens & source) / len(claim_tokens)


def best_supporting(claim: str, segments: list[Segment], top: int = 2) -> list[str]:
    """Ids of the segments that best support ``claim`` (those sharing at least 2 content tokens)."""
    claim_tokens = content_tokens(claim)
    scored = sorted(((len(claim_tokens & content_tokens(s["text"])), s["id"]) for s in segments), reverse=True)
    return [sid for score, sid in scored[:top] if score >= 2]


def match_participant(name: str | None, participants: list[Participant]) -> str | None:
    """The participant ``name`` refers to (full name, first or last name, case-insensitive), else None."""
    if not name:
        return None
    n = name.strip().lower().rstrip(".")
    for p in participants:
        full = p["name"].lower()
        if n == full or n in full.split() or (len(n) >= 2 and full.startswith(n)) or full in n.split():
            return p["name"]
    # Korean forms of address: "준호 씨", "민지님" -> 이준호 / 김민지
    stripped = re.sub(r"\s*(씨|님|선생님|팀장님|대리님|과장님)$", "", name.strip())
    for p in participants:
        if len(stripped) >= 2 and (p["name"].endswith(stripped) or p["name"] == stripped):
            return p["name"]
    return None


def mentioned_participants(text: str, participants: list[Participant]) -> list[str]:
    """Participants addressed or named in ``text`` (by any of their name words, or a Korean given name)."""
    found = []
    low = text.lower()
    for p in participants:
        words = [w for w in p["name"].lower().split() if len(w) >= 2]
        given = p["name"][1:] if _HANGUL_RUN.fullmatch(p["name"]) and len(p["name"]) >= 3 else None
        if any(re.search(rf"\b{re.escape(w)}\b", low) for w in words) or (given and given in text):
            found.append(p["name"])
    return found


def resolve_owner(owner: str | None, cited: list[Segment], participants: list[Participant]) -> tuple[str | None, bool]:
    """The action's owner as a participant's name, and whether the model's own choice (if any) stood.

    "I"/"제가" resolve to the speaker of the first cited line. A named owner must speak in, or be named in,
    a cited line; otherwise the owner is taken from who is addressed or who volunteers there, else None.
    """
    if owner and owner.strip().lower() in _SELF and cited:
        return cited[0]["speaker"], True
    name = match_participant(owner, participants)
    speakers = {s["speaker"] for s in cited}
    addressed = [n for s in cited for n in mentioned_participants(s["text"], participants)]
    if name and (name in speakers or name in addressed):
        return name, True
    if addressed:
        return addressed[0], owner is None
    volunteer = next((s["speaker"] for s in cited if re.search(r"\bI'?ll\b|\bI will\b|할게|하겠습니다|할께|해 ?놓을게", s["text"], re.I)), None)
    if volunteer and match_participant(volunteer, participants):
        return volunteer, owner is None
    return None, owner is None


def mentions_done(text: str) -> bool:
    return bool(_DONE.search(text))


def similar(a: str, b: str, threshold: float = 0.6) -> bool:
    """Near-duplicate items: Jaccard overlap of content tokens."""
    ta, tb = content_tokens(a), content_tokens(b)
    if not ta or not tb:
        return a.strip().lower() == b.strip().lower()
    return len(ta & tb) / len(ta | tb) >= threshold

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


_EN_PROMISE = re.compile(r"\bI'?ll\b|\bI will\b|\bI can do\b|\bI'm on it\b|\bleave it (?:to|with) me\b", re.I)


def promises(text: str) -> bool:
    """Whether the speaker commits to doing something: "I'll…", "할게요", "하겠습니다", "고쳐 놓을게요"."""
    if _EN_PROMISE.search(text) or re.search(r"(?<!모르)(?<!좋)(?<!않)(?<!같)(?<!있)(?<!없)(?<!하면 좋)겠(?:습니다|어요)|하겠", text):
        return True
    for i, ch in enumerate(text[1:], 1):  # a verb stem ending in ㄹ before 게(요): 할게, 볼게, 놓을게, 드릴게
        prev = text[i - 1]
        if ch == "게" and "\uac00" <= prev <= "\ud7a3" and (ord(prev) - 0xAC00) % 28 == 8:
            nxt = text[i + 1 : i + 2]
            if nxt in ("", "요", ".", "!", ",", "~", " "):
                return True
    return False


_SECOND_PERSON = re.compile(r"\byou\b|\byour\b", re.I)


def resolve_owner(owner: str | None, cited: list[Segment], participants: list[Participant]) -> tuple[str | None, bool]:
    """The action's owner as a participant's name, and whether the model's own choice (if any) stood.

    Evidence in the cited lines, strongest first: "I"/"제가" from the model means the speaker of the first
    cited line; someone who promises to do it ("I'll…", "할게요"); someone addressed by name ("Bob, can
    you…", "준호 씨, …") — the person asking is not the owner; the one who answers a line said to "you"
    ("you're working on the design" — "Okay."); finally a speaker of a cited line. A model's
    owner with none of this evidence is replaced (or dropped to None).
    """
    if owner and owner.strip().lower() in _SELF and cited:
        return cited[0]["speaker"], True
    name = match_participant(owner, participants)
    known = lambda n: match_participant(n, participants)  # noqa: E731
    volunteers = list(dict.fromkeys(s["speaker"] for s in cited if promises(s["text"]) and known(s["speaker"])))
    addressed = list(dict.fromkeys(n for s in cited for n in mentioned_participants(s["text"], participants)
                                   if n != s["speaker"]))
    # "you're working on the design" — "Okay.": the one who answers a request is who was asked
    answered = list(dict.fromkeys(t["speaker"] for s, t in zip(cited, cited[1:]) if t["speaker"] != s["speaker"]
                                  and known(t["speaker"]) and _SECOND_PERSON.search(s["text"])))
    for evidence in (volunteers, addressed, answered):
        if evidence:
            if name in evidence:
                return name, True
            return known(evidence[0]), owner is None
    if name and name in {s["speaker"] for s in cited}:
        return name, True
    return None, owner is None


def mentions_done(text: str) -> bool:
    return bool(_DONE.search(text))


def similar(a: str, b: str, threshold: float = 0.6) -> bool:
    """Near-duplicate items: Jaccard overlap of content tokens."""
    ta, tb = content_tokens(a), content_tokens(b)
    if not ta or not tb:
        return a.strip().lower() == b.strip().lower()
    return len(ta & tb) / len(ta | tb) >= threshold

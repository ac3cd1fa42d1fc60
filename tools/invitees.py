"""Who a follow-up meeting invites, decided by code from the request line and the participant list.

A follow-up of a meeting invites everyone in it, unless the request line itself limits it: names a
subset ("Bob and Carol, you two should meet", "이준호 님과 박서연 님 두 분이 따로") or lists the people
including the speaker ("Dave, Bob and I should meet", "저랑 준호 씨만"). Names are matched against the
meeting's participants and the configured directory (name -> email); nobody else is ever invited, and
e-mail addresses spoken in the meeting are never invitations.
"""

from __future__ import annotations

import re

from core.meeting import Participant

_EVERYONE = re.compile(r"\b(everyone|everybody|all of us|the whole team|we all|all together)\b|모두|전원|다 같이|다같이|다들|전체", re.I)
_INCLUDES = re.compile(r"\b(also|too|as well|along)\b|도\s*(같이|함께|불러|초대|참석|모시)|도\s+같이", re.I)
_SUBSET = re.compile(r"\b(you two|you both|the two of you|both of you|just|only|between|the two of us|the three of us)\b"
                     r"|두\s*분|세\s*분|둘이|둘만|셋이|따로|끼리|(?<=[가-힣])만\b", re.I)
_WITH_SPEAKER = re.compile(r"\b(and I|and me|me and|with me|of us)\b|저랑|저하고|저와|저까지|나랑|나하고|우리\s*둘|우리\s*셋", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HONORIFIC = re.compile(r"([가-힣]{2,4})\s*(?:님|씨)")
_HANGUL_NAME = re.compile(r"^[가-힣]{3}$")
_KO_PARTICLE = r"(?:\s*(?:님|씨))?(?=$|[\s,.!?]|과|와|랑|이랑|하고|도|은|는|이|가|을|를|에게|한테|께)"


def same_person(a: str, b: str) -> bool:
    """Case-insensitive full-name match, or one name is the other's first/last word ("Bob" ~ "Bob Lee"),
    or a Korean given name against the full name ("준호" ~ "이준호")."""
    a, b = a.strip().lower(), b.strip().lower()
    if not a or not b:
        return False
    if a == b or a in b.split() or b in a.split():
        return True
    return any(_HANGUL_NAME.match(full) and full[1:] == given for full, given in ((a, b), (b, a)))


def _name_forms(name: str) -> list[str]:
    """The ways a person is called in speech: the full name, its words, a Korean given name."""
    name = name.strip()
    forms = [name] + [w for w in name.split() if len(w) > 1]
    if _HANGUL_NAME.match(name):
        forms.append(name[1:])
    return list(dict.fromkeys(forms))


def is_mentioned(name: str, text: str) -> bool:
    """True when ``text`` names the person ``name`` (whole words; Korean names before a particle or 님/씨)."""
    for form in _name_forms(name):
        if re.search(r"[가-힣]", form):
            if re.search(rf"(?<![가-힣]){re.escape(form)}{_KO_PARTICLE}", text):
                return True
        elif re.search(rf"\b{re.escape(form)}\b", text):  # case-sensitive: "Park" the person, not "park" the verb
            return True
    return False


def mentioned_people(text: str, participants: list[Participant], directory: dict[str, str]) -> list[str]:
    """Participants (then directory entries) named in ``text``, by their listed names, in list order."""
    names = [p["name"] for p in participants if is_mentioned(p["name"], text)]
    names += [k for k in directory if is_mentioned(k, text) and not any(same_person(k, n) for n in names)
              and not any(same_person(k, p["name"]) for p in participants)]
    return names


def requested_attendees(text: str, speaker: str, participants: list[Participant],
                        directory: dict[str, str]) -> tuple[list[str], list[str]]:
    """The names to invite for the request line ``text`` said by ``speaker`` ([] = everyone in the meeting),
    and warnings about people or addresses named there who cannot be invited."""
    warnings = [f"'{a}' was named in the request but is not a participant: not invited" for a in _EMAIL.findall(text)]
    named = mentioned_people(text, participants, directory)
    strangers = [n for n in dict.fromkeys(_HONORIFIC.findall(text))
                 if not any(same_person(n, p["name"]) for p in participants) and not any(same_person(n, k) for k in directory)]
    warnings += [f"'{n}' is not a participant of this meeting and was not invited" for n in strangers]
    extra = [n for n in named if not any(same_person(n, p["name"]) for p in participants)]  # directory people
    if not named or _EVERYONE.search(text) or _INCLUDES.search(text) or not (_SUBSET.search(text) or _WITH_SPEAKER.search(text)):
        return ([p["name"] for p in participants] + extra if extra else []), warnings
    chosen = list(named)
    if _WITH_SPEAKER.search(text) and speaker and not any(same_person(speaker, n) for n in chosen):
        chosen.append(speaker)
    return chosen, warnings


def invitees(names: list[str], participants: list[Participant], directory: dict[str, str], *,
             strict: bool = False) -> tuple[list[str], list[str]]:
    """Emails to invite and warnings. Only meeting participants or directory entries can be invited. When
    none of ``names`` is known, everyone in the meeting is invited, unless ``strict`` (then nobody)."""
    warnings, emails = [], []
    chosen = participants
    if names:
        chosen = []
        for n in names:
            p = next((p for p in participants if same_person(p["name"], n)), None)
            if p is None and any(same_person(k, n) for k in directory):
                key = next(k for k in directory if same_person(k, n))
                p = Participant(name=key, email=directory[key])
            if p is None:
                warnings.append(f"'{n}' is not a participant of this meeting and was not invited")
            else:
                chosen.append(p)
        chosen = chosen if strict else chosen or participants
    for p in chosen:
        email = p.get("email") or next((e for k, e in directory.items() if same_person(k, p["name"])), None)
        if email:
            emails.append(email)
        else:
            warnings.append(f"{p['name']} has no email address and was not invited (add --attendee \"{p['name']}=EMAIL\")")
    return list(dict.fromkeys(emails)), warnings

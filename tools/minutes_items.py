"""Decisions and action items from labelled segments: the checkable parts, done by code.

The summarizer asks the model one small thing per candidate (write one statement, or a task, or reject it);
everything that can be checked is decided here, in plain functions over segments and strings:

* :func:`candidates` picks the lines worth asking about (router labels plus cheap cues) with their
  neighbours for context; injection lines are never candidates (:func:`injection_warnings` quotes them);
* :func:`has_agreement` says whether the lines settle something (an explicit "decided / 확정 / we'll go
  with", or a proposal followed by another speaker's assent);
* :func:`find_due_phrase` / :func:`due_phrase_in_lines` take a deadline only from the candidate's own lines,
  one line at a time (no phrase fused from two lines);
* :func:`echoes_prompt` catches items whose words come from the prompt's examples instead of the transcript;
* :func:`well_formed`, :func:`names_its_object`, :func:`in_meeting_act` and :func:`agenda_talk` keep turn
  fragments, "Read that", the meeting's own business ("I'll show you the notes") and its agenda ("let's talk
  about …") out of the items;
* :func:`open_points` finds the lines that say something is not decided or not known yet;
* :func:`check_attribution` and :func:`line_copy_share` keep summary sentences honest (the right speaker
  named, no transcript line pasted as a sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from core.meeting import Participant, Segment
from core.text import ends_in_consonant, has_hangul, script_language
from tools.grounding import content_tokens, mentioned_participants, promises
from tools.injection import looks_like_injection

# ------------------------------------------------------------------------------------------ candidates

_EN_DECIDED = re.compile(
    r"\b(?:decided|agreed|we agree|it'?s agreed|settled|final decision|confirmed|approved|"
    r"(?:we'?ll|we will|let'?s|we'?re going to|we are going to|we should) (?:go|stick) with|"
    r"(?:we'?ll|we will|let'?s|we'?re going to|we are going to) go for (?:the|a|it)\b|it is then|it'?s decided|"
    r"so that'?s (?:settled|decided))",  # not "so that's it": a speaker finishing their turn
    re.I)
# "December tenth it is." / "Blue it is, then.": a short sentence that closes a choice (not "the rest of it is")
_EN_IT_IS = re.compile(r"^\W*(?:(?:ok(?:ay)?|so|right|then|alright|all right|agreed)\W+)*(?:[\w'-]+\s+){1,3}it is(?:,? then)?\W*$", re.I)
_CONDITIONAL = re.compile(r"^\W*(?:(?:so|and|but|well|yeah|um|uh)\W+)*(?:if|whether|unless|in case)\b|^\W*(?:만약|만일)", re.I)
_KO_DECIDED = re.compile(r"결정|확정|하기로|걸로 (?:하|가|정)|으로 (?:하죠|갑시다|가죠|정하)|로 (?:하죠|갑시다|가죠|정하)|합의|정했|채택")
_EN_PROPOSAL = re.compile(
    r"\b(?:let'?s|we should|we could|shall we|should we|how about|what about|why don'?t we|i (?:suggest|propose)|"
    r"i think we (?:should|need|can)|we need to|we'?ll (?:have|use|make|keep|put|do|go)|it (?:will|should) (?:be|have))\b", re.I)
_KO_PROPOSAL = re.compile(r"(?:하죠|합시다|할까요|어때요|어떨까요|하면 좋겠|해야 할 것 같|하는 게 좋|으면 해요|갑시다|보죠|미루|옮기)")
_EN_ASSENT = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|sure|ok(?:ay)?|agreed|right|exactly|absolutely|definitely|fine|good|great|perfect|"
    r"sounds good|that works|works for me|makes sense|i agree|same here|fair enough|of course|deal)\b"
    r"|\b(?:works for me|sounds good|i agree|agreed|fine by me|fine with me|no objection)\b", re.I)
_KO_ASSENT = re.compile(r"^\W*(?:네|예|응|그래요|그러죠|그럽시다|좋아요|좋습니다|좋네요|알겠습니다|알겠어요|맞아요|동의|괜찮)|"
                        r"(?:동의합니다|찬성|괜찮습니다|괜찮아요|좋습니다|충분합니다|그렇게 하죠)")
_EN_DISSENT = re.compile(r"^\W*(?:no\b|nope|not really|i don'?t think|i disagree|but\b|hmm+|well\b)", re.I)
_ASSIGN = re.compile(
    r"\byou(?:'re| are|'ll| will)? (?:going to|gonna|be (?:working|looking|doing|handling|responsible|in charge|taking)|"
    r"looking at|working on|responsible for|in charge of|take care of)"
    r"|\bfor you(?:,)? (?:it'?s|it is)\b|\byour (?:job|task|part|homework) (?:is|will be)\b"
    r"|(?:님|씨)(?:이|가|께서)? (?:맡아|담당)|맡아 주세요|담당해 주세요", re.I)
_REQUEST = re.compile(r"\b(?:can you|could you|would you|please|need you to|will you)\b|주세요|줄 수 있|줄래|주실|부탁", re.I)
_QUESTION = re.compile(r"\?\s*$")
_BACKCHANNEL = re.compile(r"^\W*(?:mm-?hmm|hm-?hmm|mm|uh-?huh|alright|all right|okay|ok|yeah|yep|sure|right|cool)\W*$", re.I)
# a speaker unsure of their own suggestion ("I dunno if we should have a targeted remote"): not a proposal
_HEDGE = re.compile(r"\b(?:i dunno|i don'?t know|i'?m not sure|not sure (?:if|whether)|(?:i'?m |i was |just )wondering|i wonder)\b"
                    r"|(?:잘 모르겠|모르겠지만|글쎄)", re.I)
# what follows an assent word and takes it back or moves on ("Yep. I'm just wondering whether …", "네, 근데 …?")
_ASSENT_THEN_DOUBT = re.compile(r"\?|\b(?:wondering|wonder|but|however|although|what|how)\b|(?:근데|그런데|하지만|다만)", re.I)
# a wh-question, with or without its question mark: "What are your experiences with remote controls"
_EN_WH_QUESTION = re.compile(r"^\W*(?:what|which|who|how|why|where|when)\s+(?:are|is|do|does|did|was|were|can|could|should|would|will)\b", re.I)


def is_explicit_decision(text: str) -> bool:
    """An explicit settling word: "decided", "agreed", "we'll go with", "결정", "확정", "하기로", "…걸로 하죠".
    A question ("have we decided …?") or a condition ("if we go for …") settles nothing."""
    statement = statement_part(text)  # "…로 확정하겠습니다. 다들 괜찮죠?": the statement settles it
    if not statement or _CONDITIONAL.search(statement):
        return False
    if any(_EN_IT_IS.match(part) and not re.match(r"\W*(?:if|as|where|what|how|who|which|of)\b", part.split()[-3], re.I)
           for part in split_sentences(statement)):
        return True
    return bool(_EN_DECIDED.search(statement) or _KO_DECIDED.search(statement))


def is_proposal(text: str) -> bool:
    """A suggestion to the group: "let's …", "we should …", "shall we", "…하죠", "…할까요". A hedged one
    ("I dunno if we should …") is not."""
    if _HEDGE.search(text):
        return False
    return bool(_EN_PROPOSAL.search(text) or _KO_PROPOSAL.search(text) or _QUESTION.search(text))


def is_assent(text: str) -> bool:
    """Another speaker agreeing: "yes", "sounds good", "works for me", "네", "좋아요", "충분합니다". An assent word
    followed by a doubt or a new question ("Yep. I'm just wondering whether …") is not agreement."""
    if _EN_DISSENT.search(text) and not re.search(r"\b(?:agreed|works for me|sounds good)\b", text, re.I):
        return False
    sentences = split_sentences(text)
    if len(sentences) > 1 and _ASSENT_THEN_DOUBT.search(" ".join(sentences[1:])):
        return False
    return bool(_EN_ASSENT.search(text) or _KO_ASSENT.search(text))


def is_request(text: str) -> bool:
    """Someone asked or assigned to do something: "can you …", "please …", "you're working on …",
    "…해 주세요", "…줄 수 있어요?", "…님이 맡아 주세요"."""
    return bool(_REQUEST.search(text) or _ASSIGN.search(text))


def has_agreement(lines: list[Segment]) -> bool:
    """Whether ``lines`` settle something: an explicit settling word in a line, or a proposal in one line
    followed (within the next two lines) by a different speaker's assent. A proposal is a suggestion
    (:func:`is_proposal`) or a substantive line the router labelled ``decision`` ("Twenty five Euro for a
    remote control." — "Yeah, that's the price we want")."""
    if any(is_explicit_decision(s["text"]) for s in lines):
        return True
    for i, s in enumerate(lines):
        if not (is_proposal(s["text"]) or (s.get("label") == "decision" and substantive(s["text"], 3))):
            continue
        if any(t["speaker"] != s["speaker"] and is_assent(t["text"]) for t in lines[i + 1 : i + 3]):
            return True
    return False


@dataclass
class Candidate:
    """One line to ask the model about: its kind, the line itself and its neighbours for context."""

    kind: str  # "decision" | "action"
    segment: Segment
    before: list[Segment] = field(default_factory=list)
    after: list[Segment] = field(default_factory=list)
    replies: list[Segment] = field(default_factory=list)  # the assents that follow a decision ("Agreed. … it is.")

    @property
    def lines(self) -> list[Segment]:
        return [*self.before, self.segment, *self.after]

    def own_lines(self) -> list[Segment]:
        """The line and the direct reply to it (an assent or a promise by another speaker): where a deadline
        or an owner may be read. Other neighbours are context only."""
        own = [self.segment]
        asks = is_request(self.segment["text"]) or bool(_QUESTION.search(self.segment["text"]))
        # a task given to "you" is acknowledged by whoever it was given to ("you're looking at …" — "Mm-hmm.")
        acknowledged = lambda reply: bool(_ASSIGN.search(self.segment["text"]) and _BACKCHANNEL.match(reply))  # noqa: E731
        if asks and self.after and self.after[0]["speaker"] != self.segment["speaker"] and (
                is_assent(self.after[0]["text"]) or promises(self.after[0]["text"]) or acknowledged(self.after[0]["text"])):
            own.append(self.after[0])
        if self.before and self.before[-1]["speaker"] != self.segment["speaker"] and is_request(self.before[-1]["text"]) \
                and (is_assent(self.segment["text"]) or promises(self.segment["text"])):
            own.insert(0, self.before[-1])
        return own

    @property
    def evidence(self) -> str:
        """What in the lines makes this a candidate, firmest first (see :data:`FIRM_EVIDENCE`).

        Decisions: ``explicit`` ("we decided …", "…로 확정"), ``proposal+assent`` (a suggestion another speaker
        agrees to), ``label+assent`` (a line the router calls a decision, then "yeah"), ``label``.
        Actions: ``assigned`` ("you're working on …", "…님이 맡아 주세요"), ``request+reply`` (asked, then
        "Sure, I'll …"), ``promise+due`` ("I'll send it by Friday"), ``group`` ("let's ask the director"),
        ``promise``, ``request``, ``label``."""
        text = self.segment["text"]
        if self.kind == "decision":
            if is_explicit_decision(text):
                return "explicit"
            if self.replies:
                return "proposal+assent" if is_proposal(text) else "label+assent"
            return "label"
        if _ASSIGN.search(text):
            return "assigned"
        own = self.own_lines()
        if len(own) > 1 and (is_request(own[0]["text"]) or _QUESTION.search(own[0]["text"])):
            return "request+reply"
        if promises(text) and any(find_due_phrase(s["text"], "ko" if has_hangul(text) else "en") for s in own):
            return "promise+due"
        if _GROUP_ACTION.search(text):
            return "group"
        if promises(text):
            return "promise"
        return "request" if is_request(text) else "label"

    @property
    def firm(self) -> bool:
        """Whether the lines alone make this an item (the model's yes/no is then not asked to decide)."""
        return self.evidence in FIRM_EVIDENCE

    def shown(self) -> tuple[list[Segment], list[Segment]]:
        """The context lines shown before and after the marked line. A firm candidate shows only its own
        lines and replies (an unrelated neighbour is what the small model restates instead of the line);
        an open one shows its neighbours, which the yes/no needs."""
        if not self.firm:
            return self.before, self.after
        own = self.own_lines()
        keep = {s["id"] for s in own} | {s["id"] for s in self.replies}
        return [s for s in self.before if s["id"] in keep], [s for s in self.after if s["id"] in keep]

    def task_clause(self) -> str:
        """The part of the marked line that states the task: from the group's verb on for "…, so let's keep it
        open and ask the director" ("ask the director"); else the whole line."""
        text = self.segment["text"]
        m = _GROUP_ACTION.search(text) if self.evidence == "group" else None
        if not m:
            return text
        start = m.start("verb") if m.group("verb") else m.start()  # the Korean forms are the verb itself
        return re.split(r"(?<=[.!?])\s", text[start:], maxsplit=1)[0]

    def restated(self, lang: str) -> str:
        """The item in the transcript's own words, when the model wrote none that its lines support: the
        task clause of a group action, the promise that answers a request ("I'll send the designs by
        Wednesday" -> "Send the designs by Wednesday"), a request turned into a task ("Bob, can you fix the
        bug?" -> "Fix the bug"), or the marked line's statement."""
        if self.kind == "action":
            if self.evidence == "group":
                return clean_statement(self.task_clause(), lang)
            forms = [as_task(task_sentence(self.segment["text"]), lang)]
            forms += [as_task(task_sentence(s["text"]), lang) for s in self.own_lines() if s is not self.segment and promises(s["text"])]
            return max(forms, key=lambda f: len(content_tokens(f)))  # "I'll have it done" says less than the request
        text = self.segment["text"]
        return ko_decision(clean_statement(statement_part(text) or proposal_statement(text), lang))


_KO_SETTLED = re.compile(r"(확정|결정|연기|변경|보류|진행|채택|승인)\s?(?:하겠습니다|하겠어요|합니다|했습니다|했어요|해요|하죠|합시다|할게요|하기로 해요|하기로 했습니다)$")


def ko_decision(text: str) -> str:
    """A Korean decision in the noun form minutes use: "베타 출시는 12월 10일로 확정하겠습니다" -> "베타 출시는
    12월 10일로 확정", "…미루는 걸로 결정하죠" -> "…미루는 걸로 결정". Other text comes back unchanged."""
    return _KO_SETTLED.sub(r"\1", text)


def task_sentence(text: str) -> str:
    """The sentence of a line that asks or promises ("Same here. Please send a calendar invite." -> "Please
    send a calendar invite."); the whole line when none does or it is one sentence."""
    parts = split_sentences(text)
    return next((p for p in parts if is_request(p) or promises(p) or _ASSIGN.search(p)), text) if len(parts) > 1 else text


_EN_PROPOSAL_ASK = re.compile(r"^\W*(?:so,?\s+|and\s+|okay,?\s+)?(?:should|shall|can|could|do) we\s+(?:also\s+|just\s+|still\s+)?", re.I)


def proposal_statement(text: str) -> str:
    """A proposal asked as a question, as the statement it settles once someone assents: "Should we also
    update the screenshots before the beta?" -> "Update the screenshots before the beta"; "발표는 목요일로
    미룰까요?" -> "발표는 목요일로 미루기". Other questions come back unchanged."""
    question = next((p for p in split_sentences(text) if p.rstrip().endswith(("?", "？"))), text).rstrip(" ?？")
    if _EN_PROPOSAL_ASK.search(question):
        out = _EN_PROPOSAL_ASK.sub("", question)
        return out[:1].upper() + out[1:]
    m = re.search(r"([\uac00-\ud7a3])까요$", question)
    if m:
        ch, stem = m.group(1), question[: m.start()]
        if ch == "을":  # 넣을까요 -> 넣기
            return stem + "기"
        if _has_rieul(ch):  # 할까요 -> 하기, 미룰까요 -> 미루기
            return stem + _without_rieul(ch) + "기"
    return text


def without_due(task: str, phrase: str | None) -> str:
    """A task without its deadline words, which the item's due field holds: "Fix the login bug by Friday" ->
    "Fix the login bug"; "로그인 버그는 이번 주 금요일까지 고치기" -> "로그인 버그를 고치기". Unchanged when
    the phrase is not in it or too little would be left."""
    if not phrase or phrase not in task:
        return task
    out = " ".join(task.replace(phrase, " ").split()).strip(" ,")
    # the deadline's own small words go with it, misheard ones too ("… designs my next Wednesday": "by")
    out = re.sub(r"(?:\s+(?:by|before|until|on|at|for|to|my|the|this|of))+$", "", out, flags=re.I)
    m = re.search(r"([\uac00-\ud7a3])([은는]) (\S+기)$", out)
    if m:  # the topic of a promise becomes the task's object: 버그는 … 고치기 -> 버그를 고치기
        out = out[: m.start(2)] + ("을" if m.group(2) == "은" else "를") + " " + m.group(3)
    return out if len(content_tokens(out)) >= 2 or (has_hangul(out) and len(out.split()) >= 2) else task


#: Evidence that settles a candidate without the model's judgement: a settling word, a proposal someone
#: assents to, a task given or asked for and accepted, a promise with a deadline, a group's "let's ask …".
FIRM_EVIDENCE = frozenset({"explicit", "proposal+assent", "assigned", "request+reply", "promise+due", "group"})


_FILLER = frozenset("""um uh mm hmm yeah yes yep okay ok so right next well oh ah er like really sure good great fine
alright kay thanks thank mean think know guess actually maybe just now then one two three""".split())


def substantive(text: str, minimum: int = 2) -> bool:
    """Whether a line says something (``minimum`` content words beyond fillers): "Yes." or "So, next." do not."""
    tokens = {t for t in content_tokens(text) if t not in _FILLER}
    return len(tokens) >= minimum


_GROUP_ACTION = re.compile(
    r"\b(?:let'?s|we(?:'ll| will| need to| should| have to)) (?:\w+ ){0,4}?(?P<verb>ask|check|send|email|call|write|prepare|review|"
    r"look into|find out|contact|follow up|update|test|draft)\b|물어보죠|물어봅시다|알아보죠|알아봅시다|확인해 봅시다|확인해 보죠", re.I)


def candidate_kind(segment: Segment, reply: Segment | None = None) -> str | None:
    """"decision", "action" or None for one segment (``reply``: the next line, if any).

    The router's decision/action label, corrected by cues: an explicit settling word makes a decision; a
    suggestion answered by another speaker's assent ("Should we …?" — "Yes, …") makes a decision; a
    promise, a request or a group commitment ("let's ask the director") makes an action, whatever the
    label (short replies such as "네, 금요일까지 고쳐 놓을게요" are often labelled small talk). Scheduling lines
    are the scheduler's; injection lines and fillers are never candidates."""
    text, label = segment["text"], segment.get("label")
    if looks_like_injection(text) or not substantive(text):
        return None
    if is_explicit_decision(text) and label != "scheduling":
        return "decision"
    if _ASSIGN.search(text):  # "you're looking at the technical design": a task given, whatever the label
        return "action"
    if label == "decision":
        return "decision"
    if label == "action" or promises(text) or is_request(text) or _GROUP_ACTION.search(text):
        return "action"
    if label in ("content", None) and reply is not None and reply["speaker"] != segment["speaker"] and \
            (_EN_PROPOSAL.search(text) or _KO_PROPOSAL.search(text)) and is_assent(reply["text"]):
        return "decision"
    return None


def candidates(segments: list[Segment], context: int = 1) -> list[Candidate]:
    """Every decision/action candidate in meeting order, each with ``context`` neighbours on either side
    (injection lines are left out of the context too). A decision candidate whose lines show no
    agreement (:func:`has_agreement`) is left out: it could never become a decision."""
    usable = [s for s in segments if not looks_like_injection(s["text"])]
    out: list[Candidate] = []
    covered: set[str] = set()
    for i, s in enumerate(usable):
        kind = candidate_kind(s, usable[i + 1] if i + 1 < len(usable) else None)
        if not kind:
            continue
        if s.get("label") == "small_talk" and not (i and usable[i - 1]["speaker"] != s["speaker"]
                                                   and is_request(usable[i - 1]["text"])):
            continue  # small talk counts only as the answer to a request ("Please send an invite." — "I will.")
        cand = Candidate(kind=kind, segment=s, before=usable[max(0, i - context) : i], after=usable[i + 1 : i + 1 + context])
        if s["id"] in covered:
            continue  # the reply to the previous candidate: already part of its lines
        if kind == "decision":
            for t in usable[i + 1 : i + 4]:
                if t["speaker"] == s["speaker"] or not is_assent(t["text"]):
                    break
                cand.replies.append(t)
            cand.after = cand.after + [t for t in cand.replies if t not in cand.after]
            if not has_agreement(cand.lines):
                continue
            covered.update(t["id"] for t in cand.replies)
        else:
            covered.update(t["id"] for t in cand.own_lines())
        out.append(cand)
    return out


def injection_warnings(segments: list[Segment]) -> list[str]:
    """One warning per line addressed to the assistant, quoting it; such lines are never items."""
    return [f"ignored an instruction to the assistant in {s['id']} ({s['speaker']}): {s['text']!r}"
            for s in segments if looks_like_injection(s["text"])]


# ------------------------------------------------------------------------------------------ due phrases

_EN_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)"
_EN_DUE = re.compile(
    r"\b(?:by|before|until|till|no later than|due)\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+)?)?"
    r"(?:(?:this|next|coming|following)\s+)?"
    rf"(?:{_EN_WEEKDAY}|tomorrow|today|tonight|week|month|day|eod|eow|eom|noon|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?|"
    r"\d{1,2}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|"
    r"\d{1,2}/\d{1,2}|the\s+\d{1,2}(?:st|nd|rd|th)|"
    r"(?:the\s+)?(?:next|following)\s+meeting)"
    rf"(?:\s+(?:morning|afternoon|evening|night|{_EN_WEEKDAY}))?\b"
    r"|\b(?:tomorrow|today|tonight|(?:this|next)\s+(?:week|" + _EN_WEEKDAY + r"))\b",
    re.I)
_KO_DUE = re.compile(
    r"(?:(?:이번|다음|다다음)\s*주\s*)?(?:[월화수목금토일]요일|\d{1,2}월\s*\d{1,2}일|\d{1,2}일|주말|월말|주말|말|"
    r"내일|모레|오늘|이번\s*주|다음\s*주)\s*(?:중|안|내)?\s*(?:까지|전에|중으로|안에)"
    r"|(?:이번|다음)\s*주\s*[월화수목금토일]요일|내일|모레")


def find_due_phrase(text: str, lang: str) -> str | None:
    """A deadline phrase in one line: "by Friday", "before next Monday", "tomorrow", "금요일까지",
    "다음 주 수요일까지". The language decides which forms are looked for first; both are tried."""
    order = (_KO_DUE, _EN_DUE) if lang == "ko" else (_EN_DUE, _KO_DUE)
    for rx in order:
        m = rx.search(text)
        if m:
            return re.sub(r"\s+", " ", m.group(0)).strip()
    return None


def _norm(text: str) -> str:
    return re.sub(r"[^\w\uac00-\ud7a3]+", " ", text.lower()).strip()


def due_phrase_in_lines(model_phrase: str | None, lines: list[Segment], lang: str) -> str | None:
    """The deadline words for an item, from ``lines`` (the candidate's own lines) only: the model's quoted
    phrase when one line contains it verbatim, else the first phrase :func:`find_due_phrase` reads in one of
    the lines. A phrase found in no line is never used."""
    if model_phrase and _norm(model_phrase):
        for s in lines:
            if f" {_norm(model_phrase)} " in f" {_norm(s['text'])} ":
                found = find_due_phrase(s["text"], lang)
                # keep the model's words, unless the line reads a longer form around them
                return found if found and _norm(model_phrase) in _norm(found) else model_phrase.strip()
    for s in lines:
        found = find_due_phrase(s["text"], lang)
        if found:
            return found
    return None


def due_note(due: date | None, meeting_day: date, lang: str) -> str | None:
    """A note when the resolved due date is the meeting day itself ("by Friday" said on a Friday)."""
    if due is None or due != meeting_day:
        return None
    return "오늘(회의 당일) 마감" if lang == "ko" else "due today (the meeting day)"


# ------------------------------------------------------------------------------------------ prompt echoes


def echoes_prompt(item_text: str, prompt_text: str, transcript_text: str, share: float = 0.5) -> bool:
    """Whether an item's words come from the prompt rather than the transcript: at least ``share`` of its
    content tokens occur in the prompt but nowhere in the transcript."""
    tokens = content_tokens(item_text)
    if not tokens:
        return False
    prompt_only = content_tokens(prompt_text) - content_tokens(transcript_text)
    return len(tokens & prompt_only) / len(tokens) >= share


# ------------------------------------------------------------------------------------------ summary checks

_KO_PARTICLE = r"(?:은|는|이|가|을|를|에게|께서|님|씨|의|과|와|도)?"


def line_copy_share(sentence: str, line: str) -> float:
    """Share of ``sentence`` that is copied verbatim from ``line``, normalised: Korean by syllables in runs of
    2+ (a syllable pair is about a word), other text by words in runs of 3+ (a shorter sentence: all of
    it). Single words or syllable pairs would match any long line by chance: a summary of an 800-character
    monologue reuses its words, not its runs of them."""
    a, b = _norm(sentence), _norm(line)
    if not a or not b:
        return 0.0
    if has_hangul(a):
        blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
        return sum(m.size for m in blocks if m.size >= 2) / len(a)
    words, line_words = a.split(), b.split()
    run = min(3, len(words))
    blocks = SequenceMatcher(None, words, line_words, autojunk=False).get_matching_blocks()
    return sum(m.size for m in blocks if m.size >= run) / len(words)


def whole_line_copy(text: str, line: str, threshold: float = 0.8) -> bool:
    """``text`` is ``line`` pasted nearly whole (each is ≥ ``threshold`` the other), not a clause taken from it."""
    return line_copy_share(text, line) >= threshold and line_copy_share(line, text) >= threshold


def copied_line(sentence: str, segments: list[Segment], threshold: float = 0.8) -> Segment | None:
    """The transcript line ``sentence`` is (≥ ``threshold``) a copy of, speaker name included; else None."""
    for s in segments:
        if max(line_copy_share(sentence, s["text"]), line_copy_share(sentence, f"{s['speaker']} {s['text']}")) >= threshold:
            return s
    return None


_EN_LOWER_FIRST = frozenset("""a an and as at but for if in it its no not now of on our so that the their there these they
this those to we what when where which who why with yes next first then all each every some one two everyone maybe
also most more there's it's that's we're we'll they're you your he she his her""".split())
_EN_FIRST_PERSON = ((re.compile(r"^I(?:'ll| will)\b", re.I), "will"), (re.compile(r"^I(?:'m| am)\b", re.I), "is"),
                    (re.compile(r"^I(?:'ve| have)\b", re.I), "has"), (re.compile(r"^I(?:'d| would)\b", re.I), "would"))


def reported_line(sentence: str, speakers: set[str]) -> str:
    """A summary sentence written as a transcript line ("Project Manager: We need a new remote.") as reported
    speech ("Project Manager says we need a new remote."; "Industrial Designer: I'll draw it." ->
    "Industrial Designer will draw it."; a question: "Marketing asks: How many buttons?"). Korean lines and
    sentences without a speaker's name before a colon come back unchanged; the no-paste check still sees
    the words."""
    head, sep, rest = sentence.partition(": ")
    if not sep or head.strip() not in speakers or has_hangul(sentence):
        return sentence
    rest = _EN_LEAD.sub("", _EN_HESITATION.sub("", rest)).strip()
    if not rest:
        return sentence
    if rest.rstrip().endswith("?"):
        return f"{head} asks: {rest[:1].upper()}{rest[1:]}"
    for pattern, verb in _EN_FIRST_PERSON:
        if pattern.match(rest):
            return f"{head} {verb}{pattern.sub('', rest, count=1)}"
    if re.match(r"^I\b", rest):
        return f"{head} says they{rest[1:]}"
    first = rest.split()[0].lower().strip(",.")
    return f"{head} says {rest[:1].lower() + rest[1:] if first in _EN_LOWER_FIRST else rest}"


_KO_SETTLE_NOUN = re.compile(r"(?:확정|결정|연기|변경|보류|진행|채택|승인|합의)$")


def decision_sentence(text: str) -> str:
    """A decision item as a summary sentence: "베타 출시는 12월 10일로 확정" -> "베타 출시는 12월 10일로
    확정했습니다.", "발표는 목요일로 미루기" -> "발표는 목요일로 미루기로 했습니다.", "Move the demo to
    Thursday" -> "The team decided to move the demo to Thursday.", "The remote will have an LCD screen" ->
    "Decided: the remote will have an LCD screen."."""
    text = text.strip().rstrip(".?!。")
    if has_hangul(text):
        if _KO_SETTLE_NOUN.search(text):
            return text + "했습니다."
        return text + ("로 했습니다." if text.endswith("기") else ".")
    if _EN_BASE_VERB.match(text):
        return f"The team decided to {_lower_first(text)}."
    return f"Decided: {_lower_first(text)}."


# the verbs a decision is worded with when it reads as an instruction ("Launch the beta on …"): "to" fits before them
_EN_BASE_VERB = re.compile(
    r"(?:launch|move|use|keep|go|make|add|drop|ship|release|switch|delay|postpone|hold|send|build|buy|hire|set|"
    r"change|start|stop|cancel|push|target|aim|sell|include|remove|replace|adopt|choose|pick|focus|put|run|skip|"
    r"meet|try|fix|limit|offer|present|design|develop|stick|leave|give|cut|raise|lower|spend|reduce|increase|"
    r"merge|split|test|review|plan|schedule|announce|publish|approve|accept|reject|fund|order|ask|book)\b", re.I)


def action_sentence(owner: str | None, task: str, due_phrase: str | None) -> str:
    """An action item as a summary sentence, its deadline words put back: ("이준호", "로그인 버그를 고치기",
    "이번 주 금요일까지") -> "이준호 님이 로그인 버그를 이번 주 금요일까지 고치기로 했습니다."; ("Bob Lee",
    "Fix the login bug", "by Friday") -> "Bob Lee will fix the login bug by Friday."."""
    task = task.strip().rstrip(".?!。")
    due = (due_phrase or "").strip()
    if due and due in task:
        due = ""
    if has_hangul(task):
        if not task.endswith("기"):
            return f"{owner + ': ' if owner else ''}{task}{' (' + due + ')' if due else ''}."
        if due and not re.search(r"(?:까지|전|에|내)$", due):
            due += "까지"
        head, _, verb = task.rpartition(" ")
        body = " ".join(w for w in (head, due, verb) if w)
        return f"{owner + ' 님이 ' if owner else ''}{body}로 했습니다."
    if due and not re.match(r"(?:by|before|until|on|in|at|within|no later than)\b", due, re.I):
        due = "by " + due
    body = " ".join(w for w in (_lower_first(task), due) if w)
    return f"{owner} will {body}." if owner else f"To do: {body}."


def _lower_first(text: str) -> str:
    """The first letter in lower case unless the first word is an acronym or a name-like "I"."""
    first = text.split()[0] if text.split() else ""
    if not first or first == "I" or (len(first) > 1 and first.isupper()):
        return text
    return text[:1].lower() + text[1:]


def name_forms(name: str) -> list[str]:
    """The ways a participant is named in prose: full name, each name word, a Korean given name."""
    forms = [name, *[w for w in name.split() if len(w) >= 2]]
    if re.fullmatch(r"[\uac00-\ud7a3]{3,4}", name):
        forms.append(name[1:])
    return sorted(set(forms), key=len, reverse=True)


_EN_SUBJECT_VERBS = (r"(?:said|says|will|would|is|was|has|had|can|could|should|must|proposed|proposes|suggested|suggests|"
                     r"reported|reports|thinks|thought|explained|presented|presents|mentioned|agreed|agrees|asked|asks|noted|"
                     r"wants|wanted|shared|raised|offered|promised|volunteered|confirmed|pointed|described|introduced|"
                     r"discussed|talked|stated|added|took|needs|plans|decided|noticed|found|knows|updated|sent|fixed|gave|"
                     r"showed|argued|believes|felt|feels|expects|prefers|preferred|recommended|opened|closed|led)")


def named_subjects(sentence: str, participants: list[Participant]) -> list[str]:
    """Participants a sentence names as the one who said or does something: "Bob said/will …",
    "서연은/서연 씨가 …". A name used as a plain noun is not an attribution: English names match as written
    (capitalised), and a name made of ordinary words (an AMI role such as "User Interface") only in full."""
    found = []
    for p in participants:
        role_like = any(w.lower() in _COMMON_WORDS for w in p["name"].split())
        for form in ([p["name"]] if role_like else name_forms(p["name"])):
            if re.fullmatch(r"[\uac00-\ud7a3]+", form):
                rx = rf"(?<![\uac00-\ud7a3]){re.escape(form)}\s*(?:님|씨)?\s*(?:은|는|이|가|께서|도)(?=[\s,])"
            else:
                rx = rf"\b{re.escape(form)}\b(?:'s)?\s+{_EN_SUBJECT_VERBS}\b"
            if re.search(rx, sentence):
                found.append(p["name"])
                break
    return found


_COMMON_WORDS = frozenset("marketing interface user design designer manager project industrial team lead sales product".split())


def check_attribution(sentence: str, cited: list[Segment], participants: list[Participant]) -> str | None:
    """The sentence with every named participant supported by the cited lines (a speaker of one, or
    addressed in one); a sentence naming one wrong person is rewritten to the cited lines' only speaker;
    otherwise None (drop it). A sentence naming nobody stands as it is."""
    named = named_subjects(sentence, participants)
    if not named:
        return sentence
    speakers = list(dict.fromkeys(s["speaker"] for s in cited))
    addressed = {n for s in cited for n in mentioned_participants(s["text"], participants)}
    wrong = [n for n in named if n not in speakers and n not in addressed]
    if not wrong:
        return sentence
    if len(wrong) == 1 and len(speakers) == 1 and speakers[0] not in named and \
            any(p["name"] == speakers[0] for p in participants):
        right = speakers[0]
        for form in name_forms(wrong[0]):
            if form.lower() not in sentence.lower():
                continue
            full = form == wrong[0]
            korean = bool(re.fullmatch(r"[\uac00-\ud7a3]+", right))
            short = (right[1:] if korean and len(right) >= 3 else right.split()[0])
            return re.sub(re.escape(form), right if full else short, sentence, flags=re.I)
    return None


# ------------------------------------------------------------------------------------------ statements

_EN_LEAD = re.compile(
    r"^(?:(?:ok(?:ay)?|so|sure|yes|yeah|yep|right|all right|alright|great|perfect|good|well|agreed|and|then|also|um|uh)\b[,.!]?\s*)+",
    re.I)
_EN_SELF = re.compile(r"^(?:i'?ll|i will|i can|i'm going to|i am going to|i'd like to|let me|we'?ll|we will|we decided to|"
                      r"we agreed to|we need to|we should|let'?s)\s+", re.I)
_EN_HESITATION = re.compile(r"(?<![\w'])(?:uh+|um+|erm|er|hmm+)(?![\w'])[,.]?\s*", re.I)
_KO_LEAD = re.compile(r"^(?:(?:네|예|좋아요|좋습니다|그럼|그러면|자|음|저는|제가|저희가|그리고)[,.!]?\s*)+")


_EN_ASK = re.compile(r"^\W*(?:[A-Z][a-z]+(?: [A-Z][a-z]+)?,\s*)?(?:so\s+|and\s+|also\s+)?(?:when|by when|how soon)?\s*"
                     r"(?:can|could|would|will)\s+you\s+(?:please\s+|also\s+)?|^\W*please\s+", re.I)


_KO_ADDRESS = re.compile(r"^\W*[\uac00-\ud7a3]{1,4}\s?(?:씨|님)[,\s]+")
_KO_ENDING = re.compile(r"(?:어|아|여|해)?\s?(?:주시겠어요|줄 수 있어요|줄 수 있나요|주실 수 있나요|주세요|줄래요)\W*$"
                        r"|(?:하겠습니다|하겠어요|할게요|할께요)\W*$|겠습니다\W*$|을게요\W*$")


def ko_task(text: str) -> str:
    """A Korean promise or request as a task in the noun form minutes use: "새 디자인을 수요일까지
    공유하겠습니다" -> "새 디자인을 수요일까지 공유하기", "금요일까지 고쳐 놓을게요" -> "금요일까지 고쳐 놓기",
    "준호 씨, 버그를 고쳐 줄 수 있어요?" -> "버그를 고치기"."""
    out = _KO_ADDRESS.sub("", text.strip())
    m = _KO_ENDING.search(out)
    if m:
        ending = m.group(0)
        stem = out[: m.start()]
        if ending.startswith(("하", "할")):
            return stem + "하기"
        if ending.startswith(("어", "아", "여", "해")) or "주" in ending or "줄" in ending:
            base = stem + ending[0] if ending[0] in "어아여해" else stem
            return _verb_stem(base) + "기"
        return _verb_stem(stem) + "기"
    return _rieul_ending(out)


def _verb_stem(form: str) -> str:
    """"고쳐" -> "고치", "보내" -> "보내", "해" -> "하": the dictionary stem of a connective -어/-아 form (common cases)."""
    form = form.rstrip()
    if form.endswith("해"):
        return form[:-1] + "하"
    if form.endswith("쳐"):
        return form[:-1] + "치"
    if form.endswith("려"):
        return form[:-1] + "리"
    return form


def _rieul_ending(text: str) -> str:
    """"…놓을게요" -> "…놓기", "…할게요" -> "…하기": a promise with -ㄹ게요 / -을게요 as a task."""
    m = re.search(r"([\uac00-\ud7a3])(?:게요|께요)\W*$", text)
    if not m:
        return text
    ch = m.group(1)
    if _has_rieul(ch):  # 할 -> 하
        return text[: m.start()] + _without_rieul(ch) + "기"
    return text


def _has_rieul(syllable: str) -> bool:
    """Whether a Hangul syllable ends in ㄹ (할, 룰): the future/volitional -ㄹ of 할게요, 미룰까요."""
    return (ord(syllable) - 0xAC00) % 28 == 8


def _without_rieul(syllable: str) -> str:
    """The syllable without its final ㄹ: 할 -> 하, 룰 -> 루."""
    return chr(ord(syllable) - 8)


# a task given to "you": "…so basically you're looking at the working design, and …" -> "Look at the working design"
_EN_YOU_TASK = re.compile(
    r"\byou(?:'re| are|'ll| will)?\s+(?:(?:going to|gonna)\s+)?(?:be\s+)?"
    r"(?P<verb>looking at|working on|doing|handling|taking care of|look at|work on|handle|take care of)\s+"
    r"(?P<object>[^,.;!?]+)", re.I)
_EN_YOU_VERB = {"looking at": "Look at", "working on": "Work on", "doing": "Do", "handling": "Handle",
                "taking care of": "Take care of"}


def assigned_task(text: str) -> str | None:
    """The first task a line gives to "you", as a task: "Um, so I'm basically you're looking at the working
    design," -> "Look at the working design"; None when the line gives none in that form."""
    m = _EN_YOU_TASK.search(" ".join(text.split()))
    if not m or len(m.group("object").split()) < 2:
        return None
    verb = m.group("verb").lower()
    return f"{_EN_YOU_VERB.get(verb, verb.capitalize())} {m.group('object').strip()}"


def as_task(text: str, lang: str) -> str:
    """A request or promise as a task: "Bob, can you fix the login bug by Friday?" -> "Fix the login bug by
    Friday"; "Please send a calendar invite." -> "Send a calendar invite"; "네, 금요일까지 고쳐 놓을게요." ->
    "금요일까지 고쳐 놓기"; a task given to "you" (:func:`assigned_task`). Other lines are only cleaned."""
    given = assigned_task(text) if not has_hangul(text) else None
    if given:
        return given
    out = _EN_ASK.sub("", " ".join(text.split())).rstrip(" ?")
    out = clean_statement(out, lang)
    return ko_task(out).rstrip(" ?") if has_hangul(out) else out


def clean_statement(text: str, lang: str) -> str:
    """An item's text without the spoken wrapping a copied line brings: leading fillers and assents ("Sure,",
    "So", "네,"), first-person openers ("I will", "I'll", "we decided to", "저는"); the first letter
    capitalised. "I will send the designs by Wednesday." -> "Send the designs by Wednesday"."""
    out = " ".join(text.split()).strip()
    for _ in range(2):
        out = _KO_LEAD.sub("", _EN_SELF.sub("", _EN_LEAD.sub("", out))).strip()
    out = _EN_HESITATION.sub("", out).strip().rstrip(" .!,")
    return (out[:1].upper() + out[1:]) if out else text.strip()


# ------------------------------------------------------------------------------------------ assembly

MIN_SUPPORT = 0.25  # share of an item's content words that its candidate's lines must contain


@dataclass
class ItemAnswer:
    """The model's answer for one candidate: the statement or task it wrote, and its yes/no (``keep``), which
    decides only candidates without firm evidence (:attr:`Candidate.firm`)."""

    keep: bool
    text: str


@dataclass
class AssembledItems:
    decisions: list[dict] = field(default_factory=list)  # core.meeting.Decision
    actions: list[dict] = field(default_factory=list)  # core.meeting.ActionItem
    warnings: list[str] = field(default_factory=list)
    rejected: int = 0


def assemble_items(answers: list[tuple[Candidate, ItemAnswer]], participants: list[Participant], *, meeting_day: date,
                   resolve_due, lang: str, prompt_text: str, transcript_text: str) -> AssembledItems:
    """Checked decisions and action items from the model's per-candidate answers.

    Code decides: a decision needs :func:`has_agreement` in its candidate's lines; an item must be supported
    by its lines (``MIN_SUPPORT``) and not echo the prompt (:func:`echoes_prompt`); an action's owner comes from
    ``grounding.resolve_owner`` over its own lines, its deadline from :func:`due_phrase_in_lines` over the same
    lines, resolved by ``resolve_due(phrase) -> date | None``; near-duplicates (overlapping lines or similar
    words) merge their citations.
    """
    from tools.grounding import resolve_owner, similar, support

    out = AssembledItems()
    windows: list[tuple[dict, set[str]]] = []  # each decision with the ids of the lines its candidate showed
    for cand, ans in answers:
        text = clean_statement(ans.text or "", lang).strip(" -")
        others = [t for t in cand.lines if t is not cand.segment]
        if text and copied_line(text, others) is not None and \
                max(line_copy_share(text, t["text"]) for t in others) > line_copy_share(text, cand.segment["text"]):
            # the model pasted a neighbour ("Agreed. December tenth it is."): the marked line says what it is
            text = clean_statement(cand.segment["text"], lang)
        if cand.kind == "action" and text and (text.endswith("?") or len(text.split()) < 2 or
                                               (has_hangul(text) and _KO_ENDING.search(text)) or
                                               whole_line_copy(text, cand.segment["text"])):
            # the line or its request copied ("…고쳐 줄 수 있어요"), or a bare verb ("공유하기"): the task in the line's words
            text = cand.restated(lang)
        if cand.firm and not text:  # firm evidence, no words from the model: the lines themselves say it
            text = cand.restated(lang)
        text = clean_statement(item_sentence(text, cand.kind), lang) if text else text
        if not text or (not ans.keep and not cand.firm) or (not cand.firm and not plausible_item(text, cand.kind)) \
                or len(text.split()) > 2 * MAX_ITEM_WORDS:
            out.rejected += 1
            continue
        what = "a decision" if cand.kind == "decision" else "an action item"
        if echoes_prompt(text, prompt_text, transcript_text):
            out.warnings.append(f"dropped {what} whose words come from the prompt, not the meeting: {text!r}")
            continue
        if looks_like_injection(text):
            out.warnings.append(f"dropped {what} that repeats an instruction to the assistant: {text!r}")
            continue
        # an item's words must come from its own lines, not from a neighbour shown as context: the small model
        # often restates the line before; then the marked line itself says what was decided or promised
        own_texts = [s["text"] for s in cand.own_lines()]
        if support(text, own_texts) < MIN_SUPPORT:
            restated = cand.restated(lang)
            if not restated or support(restated, own_texts) < MIN_SUPPORT:
                out.warnings.append(f"dropped {what} its transcript lines do not support: {text!r}")
                continue
            text = clean_statement(item_sentence(restated, cand.kind), lang)
        if not well_formed(text, cand.kind) or (cand.kind == "action" and (not names_its_object(text)
                                                                          or opens_with_name(text, participants))):
            # a turn fragment, or a task that names nothing ("Read that"), from the model or the line: no item
            out.rejected += 1
            continue
        ids = [s["id"] for s in cand.own_lines()]
        if cand.kind == "decision":
            text = statement_part(text)  # "…확정하겠습니다. 다들 괜찮죠?" -> the statement; a bare question is none
            if not has_agreement(cand.lines) or not text or _EN_WH_QUESTION.match(text) or agenda_talk(text) or only_possible(text) \
                    or settles_only_agenda(cand.segment["text"]):
                out.rejected += 1
                continue
            ids = list(dict.fromkeys(ids + [s["id"] for s in cand.replies]))
            window = {s["id"] for s in cand.lines}
            # the same decision seen from a neighbouring line (proposal, then "agreed, … it is": overlapping
            # lines and similar words or the same number), or said twice
            twin = next((d for d, w in windows if (window & w and (similar(text, d["text"], 0.3) or same_numbers(text, d["text"])))
                         or similar(text, d["text"], 0.75)), None)
            if twin:
                twin["segment_ids"] = sorted(set(twin["segment_ids"]) | set(ids))
                continue
            decision = {"text": text, "segment_ids": ids}
            out.decisions.append(decision)
            windows.append((decision, window))
            continue
        own = cand.own_lines()
        if cand.evidence != "assigned" and in_meeting_act(text, [cand.segment]):
            out.rejected += 1  # "Show you the notes", "Go back one page": the meeting itself, not work after it
            continue
        owner, _ = resolve_owner(None, own, participants)
        due_lines = [{**s, "text": cand.task_clause()} if s is cand.segment else s for s in own]
        phrase = due_phrase_in_lines(None, due_lines, lang)
        due = resolve_due(phrase) if phrase else None
        text = without_due(text, phrase) if due else text
        twin = next((a for a in out.actions if (set(ids) & set(a["segment_ids"]) and (a["owner"] == owner or not a["owner"] or not owner))
                     or (similar(text, a["task"], 0.75) and a["owner"] == owner)), None)
        if twin:
            twin["segment_ids"] = sorted(set(twin["segment_ids"]) | set(ids))
            twin["owner"] = twin["owner"] or owner
            if not twin["due"] and due:
                twin.update(due=due.isoformat(), due_phrase=phrase, note=due_note(due, meeting_day, lang))
            continue
        item = {"owner": owner, "task": text, "due": due.isoformat() if due else None, "due_phrase": phrase,
                "status": "open", "segment_ids": ids}
        note = due_note(due, meeting_day, lang)
        if note:
            item["note"] = note
        out.actions.append(item)
    for a in out.actions:
        if a.get("note") is None:
            a.pop("note", None)
    return out


_OPINION = re.compile(r"^\W*(?:i think|i guess|i'?d say|i would say|i'?d give|i give|i'?ll give|maybe|perhaps|probably|"
                      r"because|'?cause|me too)\b|(?:것 같아요|것 같습니다|같아요)\W*$|\bi think\b.*\b(?:a|an) (?:one|two|three|"
                      r"four|five|six|seven|\d)\b", re.I)
# a score given during the meeting ("Give the scroll-button a four", "I'd give it a two"): not a task
_RATING = re.compile(r"\bgive (?:it|them|this|that|(?:the )?[\w-]+(?: [\w-]+)?) (?:a|an) (?:one|two|three|four|five|six|seven|"
                     r"eight|nine|ten|\d+(?:\.\d)?)\b", re.I)


def plausible_item(text: str, kind: str) -> bool:
    """Cheap checks on a statement from a candidate the lines leave open: at least two content words, not an
    opinion or a score given in the meeting ("I think a two", "Give the colours a two"), and for a decision
    three content words, not a reply or a turn ending ("It is. But then …", "That's it. So …"), a condition
    ("If we lose the LCD …") or a question."""
    if not substantive(text) or _OPINION.search(text) or _RATING.search(text):
        return False
    if kind != "decision":
        return True
    if not substantive(text, 3) or _BARE_REPLY.match(text):  # "Change channels", "It is. But then …", "That's it. So …"
        return False
    return not (_CONDITIONAL.search(text) or not statement_part(text))


# Closed word classes that cannot open an English imperative (a task) or, for the first set, a statement of
# what was settled: pronouns, determiners, question words, conjunctions, modals, interjections, numbers.
# A task or decision opening with one is a copied turn fragment ("Which one would you prefer", "Because it
# will be complicated", "You can paint it afterward"); a word list open to any verb would not be closed.
_NOT_A_STATEMENT_START = frozenset("""which what who whom whose how where why whether because 'cause cause if unless
except although though like or maybe perhaps mm um uh hmm""".split())
_NOT_A_TASK_START = _NOT_A_STATEMENT_START | frozenset("""i i'm i'll i'd you you're you'll you've we we're we'll they
they're he she it it's its the a an this that these those my your our their some any from in on at to for with of
and but so then next well yeah yes okay ok useful can could would will should shall must may might is are was were
one two three four five six seven eight nine ten no not without thanks thank mm-and""".split())
_NOT_A_DECISION_START = _NOT_A_STATEMENT_START | frozenset("you you're you'll you've but mm-but".split())  # "But …": an objection
# a turn cut off mid-phrase ends on a function word or a single letter ("Check with my", "… with other d")
_DANGLING_END = frozenset("""the a an my your our their his her its to of with for and or but so if which we i you is
are like mm um uh""".split())


# a speaker restarting mid-sentence: a capitalised pronoun or connective right after a lower-case word, no
# punctuation between ("This is It has to be compatible", "We will s We use titanium")
_RESTART = re.compile(r"\b[a-z][a-z']* (?:It|We|You|They|He|She|This|That|The|So|But|And|Then|There)\b")


def well_formed(text: str, kind: str) -> bool:
    """Whether an English item reads as one: a task opens as an imperative and a decision as a statement (not
    with a closed-class word from :data:`_NOT_A_TASK_START` / :data:`_NOT_A_DECISION_START`), and neither
    stops mid-phrase (:data:`_DANGLING_END`, a lone letter) or restarts mid-sentence (:data:`_RESTART`). A
    leading "please" is read past. Korean items
    (endings differ) pass: their checks are the Korean patterns above."""
    if has_hangul(text):
        return True
    words = re.findall(r"[A-Za-z][\w'-]*|\d+", text.lower().replace("\u2019", "'"))
    if words[:1] == ["please"]:
        words = words[1:]
    if not words:
        return False
    starts = _NOT_A_DECISION_START if kind == "decision" else _NOT_A_TASK_START
    last = words[-1]
    if re.match(r"^\W*[^\W\d][\w'-]*(?: [\w'-]+)?:\s", text) or (re.match(r"^\W*[A-Za-z]\b(?!')", text) and words[0] not in ("a", "i")) \
            or (kind != "decision" and words[0].endswith("'s")):
        return False  # a speaker's prefix ("Marketing: …"), a cut-off first word ("W But …"), a noun ("Cat's going to …")
    return not _RESTART.search(text) and words[0] not in starts and last not in _DANGLING_END and (len(last) > 1 or last.isdigit())


# Things done in the meeting room, not after it: presenting, showing, moving through slides, pressing buttons,
# taking the minutes ("I'll show you the notes", "Go back one page", "Push the button", "제가 화면 보여 드릴게요").
# An action item is work left for after the meeting; these are the meeting itself.
_EN_IN_MEETING = re.compile(
    r"^\W*(?:(?:now|first|just|again|so|okay|ok|and|then|well|also|um|uh)\W+)*"
    r"(?:(?:i'?ll|i will|i'?m going to|i'?m gonna|let me|we'?ll|we will|let'?s)\s+(?:just\s+|now\s+|first\s+|quickly\s+|briefly\s+|again\s+)*)?"
    r"(?:show (?:you|us|them|the (?:notes|slides?|presentation|agenda))|present (?:my|our|the (?:agenda|slides?))|"
    r"(?:start|begin|continue) (?:with|again|off|by)|start again|go back|go on\b|go (?:through|over) (?:it|this|that|the (?:slides|agenda|"
    r"presentation|points|notes))|move on|tell (?:you|us)|"
    r"talk about|speak about|describe|explain (?:it|that|this|how|what|to you|you)|introduce (?:myself|ourselves|the (?:agenda|topic))|"
    r"discuss (?:what|it|that|this|them)|"
    r"press|push|click|make a click|rub|erase|leave the room|take (?:the |a )?(?:minutes|notes?)|make notes|finish up|wrap up)\b"
    r"|\b(?:(?:next|previous|last|this|that) (?:slide|page)|(?:a|one) (?:slide|page) back|for a second|"
    r"on the (?:board|screen|smartboard|whiteboard|drawing board)|right now|during the meeting|in this meeting)\b", re.I)
_KO_IN_MEETING = re.compile(
    r"(?:화면\s?(?:을\s?)?(?:공유|보여)|(?:회의|발표|미팅)를? 시작|발표(?:하겠습니다|할게요)|넘어가(?:겠|죠|면)|넘어갈게|넘길게|"
    r"다음 (?:장|슬라이드|페이지)|회의록(?:은|을)? (?:제가 )?(?:쓸|적을|작성할)게)")
# what takes an act out of the room: a time after the meeting ("for the next meeting", "later", "by Friday")
_EN_AFTER_MEETING = re.compile(r"\b(?:next (?:meeting|time|week|phase)|after (?:the|this) meeting|later|tomorrow|tonight|"
                               r"before (?:the|our) next|by (?:the )?(?:end|monday|tuesday|wednesday|thursday|friday|next)|"
                               r"send|e-?mail|report)\b", re.I)
_KO_AFTER_MEETING = re.compile(r"다음 (?:회의|주|시간)|나중에|이따|내일|끝나고|회의 (?:후|끝나)|보내|메일")


def in_meeting_act(text: str, lines: list[Segment]) -> bool:
    """Whether a task is something done in the meeting itself ("Show you the notes", "Go back one page",
    "Take the minutes", "보여 드릴게요", "다음 슬라이드로 넘어갈게요"), not work left for after it: an in-room
    verb or place, and nothing in its own ``lines`` that points past the meeting (a deadline, "for the next
    meeting", "later", sending or reporting)."""
    said = [text] + [s["text"] for s in lines]
    if not any(_EN_IN_MEETING.search(t) or _KO_IN_MEETING.search(t) for t in said):
        return False
    lang = script_language(" ".join(said))
    return not any(_EN_AFTER_MEETING.search(t) or _KO_AFTER_MEETING.search(t) or find_due_phrase(t, lang) for t in said)


# What the meeting will talk about, or put off, is not a decision: "Now let's talk about interface", "In this
# meeting we'll come to some final decisions", "Now we have to decide what controls we need", "But we'll come
# back on that", "We'll return to that", "Let's discuss that later".
_AGENDA = re.compile(
    r"\b(?:let'?s (?:talk|speak) about|(?:we'?ll|we will|let'?s) (?:come back|get back|return) (?:on|to)|"
    r"(?:we'?ll|we will|let'?s) (?:discuss|talk about) (?:that|it|this) later|we(?:'ll| will| have to| need to| must) "
    r"(?:still )?decide\b|(?:we'?ll|we will) come to (?:some|a|the)\b|next (?:step|phase) (?:is|will be)|"
    r"keep coming back|(?:we'?re|we are) (?:now |still )?talking about|we can (?:still )?talk about|come to (?:a|the|some) (?:final )?decisions?)"
    # a question put as a statement ("Have we confirmed that we're gonna go ahead with a touch screen")
    r"|^\W*(?:have|has|did|do|does|are|were) (?:we|you|they)\b", re.I)


# a possibility or an opinion, not a settled point: "We could do a slide or a compartment", "It may help us decide",
# "I imagine that we could specify", "I mean that does kind of negate …", "It seems like …", "Just like with …"
_POSSIBILITY = re.compile(
    r"^\W*(?:(?:so|and|but|well|yeah|okay|ok|no)\W+)*(?:(?:we|it|you|they|that|this|i)\s+(?:could|might|may)\b(?! as well)|"
    r"i (?:imagine|am sure|'m sure|mean|guess|suppose|dunno)\b|it seems\b|just like\b|maybe\b|perhaps\b)", re.I)


def only_possible(text: str) -> bool:
    """Whether a statement only says what could be (:data:`_POSSIBILITY`): no decision, whoever assented."""
    return bool(_POSSIBILITY.search(text))


def agenda_talk(text: str) -> bool:
    """Whether a statement is about the meeting's agenda or puts the question off (:data:`_AGENDA`), not a
    settled point."""
    return bool(_AGENDA.search(text))


def settles_only_agenda(text: str) -> bool:
    """Whether every sentence of a line that settles or proposes something is agenda talk ("In this meeting
    we'll come to some final decisions"): then the line decided nothing."""
    cues = [p for p in split_sentences(text) if is_explicit_decision(p) or is_proposal(p)]
    return bool(cues) and all(agenda_talk(p) for p in cues)


# words that point at something without naming it, or only say how or when: a task made of its verb and these
# ("Read that", "Look into that later", "Please look at it", "Make something up") names nothing a reader can act on
_VAGUE = frozenset("""it that this them those these something anything everything stuff thing things up back down out in
into over on off later here there now again please just slowly quickly one bit little lot all more""".split())


def opens_with_name(task: str, participants: list[Participant]) -> bool:
    """Whether an English task opens with a participant's name: a statement about them ("Marketing wants to
    know …") or a line addressed to them ("Mike, can you …"), not an imperative. Korean tasks pass."""
    if has_hangul(task) or not task.split():
        return False
    first = task.split()[0].strip(",:;.!?").lower()
    return any(p["name"].split() and first == p["name"].split()[0].lower() for p in participants)


def names_its_object(task: str) -> bool:
    """Whether an English task names what it is about beyond its verb ("Send the slides to Dan", not "Read
    that" or "Look into that later": read out of its meeting, that names nothing). Korean tasks pass."""
    if has_hangul(task):
        return True
    words = re.findall(r"[a-z][\w'-]*", task.lower())
    while words and words[0] in ("please", "just", "then", "so", "and"):
        words = words[1:]
    if not words:
        return False
    return bool(content_tokens(task) - {words[0]} - _VAGUE)


# ------------------------------------------------------------------------------------------ open points

# a line saying something is still open: not decided yet, unknown yet, to be discussed again
_EN_OPEN = re.compile(r"\b(?:(?:is|are|was|were)n'?t (?:decided|settled|fixed|final|clear) yet|(?:not|isn'?t|aren'?t) "
                      r"(?:decided|settled|clear) yet|still (?:open|undecided|unclear|unknown|to be decided)|to be decided|"
                      r"tbd|(?:don'?t|do not) know yet|(?:decide|discuss) (?:that|it|this) (?:later|next time))\b", re.I)
_KO_UNDECIDED = re.compile(r"아직 (?:안 )?(?:정해지지|결정되지|확정되지|정하지|결정하지|정해진 게 없|미정)|미정|(?:다음에|나중에) 다시 (?:논의|얘기|이야기|정하)")
_KO_UNKNOWN = re.compile(r"아직 (?:잘 )?모르|(?:알 수 없|확실하지 않)")
# the topic of a Korean clause: the words before its first topic or subject particle ("마케팅 예산은 …" -> 마케팅 예산)
_KO_TOPIC = re.compile(r"^(?:(?:그리고|그런데|근데|그럼|그러면|자|음|참|아)[,\s]+)*(?P<topic>(?:[\w.-]+\s){0,3}?[\w.-]+?)(?:은|는|이|가|도)\s")
_KO_POINTER = frozenset("이건 그건 저건 이거 그거 이것 그것 그게 이게 저희 제가 저는 우리".split())


def open_point(text: str) -> str | None:
    """What a line leaves open, as a sentence, or None: "마케팅 예산은 아직 정해지지 않았는데, …" -> "마케팅 예산은
    아직 정해지지 않았습니다"; "앱스토어 심사 기간이 얼마나 걸릴지도 아직 모르겠어요" -> "앱스토어 심사 기간은 아직 알 수
    없습니다"; "The marketing budget isn't decided yet." -> the statement itself. A question is the model's to
    report (its open questions); a condition or an injection line is none."""
    if looks_like_injection(text) or _CONDITIONAL.search(text):
        return None
    if has_hangul(text):
        sentence = next((p for p in split_sentences(text) if _KO_UNDECIDED.search(p) or _KO_UNKNOWN.search(p)), None)
        if sentence is None:
            return None
        undecided, unknown = _KO_UNDECIDED.search(sentence), _KO_UNKNOWN.search(sentence)
        m = _KO_TOPIC.search(sentence.strip())
        topic = m.group("topic").strip() if m else ""
        if len(topic) < 2 or topic.split()[0] in _KO_POINTER:
            return None
        particle = "은" if ends_in_consonant(topic) else "는"
        first_unknown = unknown and (not undecided or unknown.start() < undecided.start())
        return f"{topic}{particle} 아직 {'알 수 없습니다' if first_unknown else '정해지지 않았습니다'}"
    found = next((p for p in split_sentences(text) if _EN_OPEN.search(p) and not _QUESTION.search(p)), None)
    # it must say what is open: "I don't know yet" (an answer to the line before) names nothing
    return clean_statement(found, "en") if found and substantive(_EN_OPEN.sub(" ", found), 2) else None


def open_points(segments: list[Segment]) -> list[tuple[str, str]]:
    """Every (open point, segment id) the lines state, in meeting order (:func:`open_point`)."""
    return [(point, s["id"]) for s in segments if (point := open_point(s["text"]))]


# a statement that opens with a reply or a turn ending says what someone answered, not what was decided
_BARE_REPLY = re.compile(r"^\W*(?:(?:so|and|yeah|yes|okay|ok)\W+)*(?:that'?s it|it is|it'?s that|that'?s all)\b", re.I)


MAX_ITEM_WORDS = 20  # an item longer than this is a copied monologue, not a statement


def item_sentence(text: str, kind: str) -> str:
    """The one sentence of a long item that says it: for a decision the settling sentence ("…we decided …"),
    else the proposal; for an action the asking or promising one; else the last statement (what the others
    then answered). Text of at most :data:`MAX_ITEM_WORDS` words comes back unchanged."""
    if len(text.split()) <= MAX_ITEM_WORDS:
        return text
    asked = kind != "decision"  # a request is often a question; a decision is not
    parts = [p for p in split_sentences(text) if (asked or not p.rstrip().endswith(("?", "？"))) and substantive(p)] \
        or split_sentences(text)
    if kind == "decision":
        tests = (is_explicit_decision, lambda p: bool(_EN_PROPOSAL.search(p) or _KO_PROPOSAL.search(p)))
    else:
        tests = (lambda p: bool(_ASSIGN.search(p)), is_request, promises)
    for test in tests:
        found = [p for p in parts if test(p)]
        if found:
            return _item_clause(found[0], tests)
    return _item_clause(parts[-1], tests) if parts else text


def _item_clause(sentence: str, tests) -> str:
    """A still-long sentence cut to the clause the cue is in ("We've got another meeting, so …, but you're
    looking at the working design" -> "you're looking at the working design")."""
    if len(sentence.split()) <= MAX_ITEM_WORDS:
        return sentence
    clauses = [c for c in re.split(r",\s*(?:(?:and|but|so|because|then)\s+)?|;\s*|\s+(?:but|so)\s+", sentence) if substantive(c)]
    for test in tests:
        found = [c for c in clauses if test(c)]
        if found:
            return found[0]
    return sentence


def statement_part(text: str) -> str:
    """``text`` without its questions ("We launch on the 10th. Everyone okay?" -> "We launch on the 10th");
    empty when it is only a question."""
    return " ".join(p for p in split_sentences(text) if not p.rstrip().endswith(("?", "？"))).strip()


def same_numbers(a: str, b: str) -> bool:
    """Both texts name the same number (a date, an amount): "December 10th it is" ~ "launch on December 10th"."""
    return bool(set(re.findall(r"\d+", a)) & set(re.findall(r"\d+", b)))


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph (English or Korean)."""
    parts = re.split(r"(?<=[.!?。])\s+|(?<=다\.)(?=\S)", " ".join(text.split()))
    return [p.strip() for p in parts if p.strip()]

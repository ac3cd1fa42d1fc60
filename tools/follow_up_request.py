"""The follow-up meeting a meeting asked for, found and read by code: no model judgement.

1. **Candidate lines**: segments the router labelled ``scheduling``, and lines that ask to meet and name
   a time (the router may call "다음 주 수요일에 다시 모여서 점검하죠" an action). Lines that instruct the
   assistant (``tools.injection``, fake system messages, orders to invite e-mail addresses) are never used.
2. **Readings**: the time resolver's readings *inside those lines only*. A due date ("금요일까지", "by
   Friday"), a time before the meeting ("어제", "last week") and an open range are never a meeting time; a
   bare "오늘"/"today" counts only when the line names no other time and is not closing the meeting ("오늘은
   여기까지"). A weekday name said on that weekday ("Thursday" in a Thursday meeting) is next week's.
3. **Threads**: a request line (a candidate with a reading that asks to meet) and its immediate replies
   (the following lines that are scheduling talk, assent, refusal or a time, whatever their label); a line
   that asks for another time on its own, without refusing or agreeing, starts a new request. When there
   are several, the strongest request wins, the latest on a tie (the meeting's last word on it).
4. **Settling the time**: replies refine, never contradict. A reply's bare weekday or clock time is read
   against the request's day ("다음 주 수요일" + "네, 10시 좋습니다" → that Wednesday 10:00); a reading
   inside the current window narrows it, one around it agrees. A reading outside it is a
   counter-proposal: taken when someone then agrees (or the requester changes their own request),
   taken *unconfirmed* (to be approved, never booked automatically) when it came with a refusal of the
   original ("수요일은 안 되는데 목요일은 어떠세요?") and nobody answered, and otherwise only noted.
5. **Duration**: the first length between 10 minutes and 8 hours said in the thread, the latest line's
   winning ("30분 정도", "for an hour", "한 시간 반", "half an hour"); else an hour.

A reading with a clock time becomes a *preferred start* on its day (the nearest free time that day when
it is taken); a date or part of day without one becomes a window in which the first free slot is taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from core.meeting import Segment
from tools.injection import looks_like_injection
from tools.time import TimeExpression, find_all, find_durations, resolve

Lang = Literal["ko", "en"]
DEFAULT_DURATION = timedelta(minutes=60)
MIN_DURATION, MAX_DURATION = timedelta(minutes=10), timedelta(hours=8)  # outside this, a "duration" is misread
MAX_REPLIES = 6  # lines read after a request line as its replies

MEETING = re.compile(
    r"\b(meet|meeting|call|catch[ -]up|sync|get together|check[ -]in|review|workshop|session|talk|discuss|go over|regroup"
    r"|reconvene|follow[ -]up|huddle|stand[ -]?up|demo|retro|retrospective|one-on-one|1:1|chat|walkthrough|walk through)\b"
    r"|회의|미팅|만나|만납|모이|모여|모였|모입|모일|통화|일정|시간\s*(?:을\s*)?(?:맞|잡)|다시\s*보|보죠|봅시다|볼까요|봐요|뵙|뵐|리뷰|점검|워크숍|논의|얘기|이야기|싱크|콜", re.I)
ASK = re.compile(
    r"\b(let'?s|let us|shall we|can we|could we|should we|we should|we need to|how about|what about|why don'?t we|"
    r"i'?d like to|want to|schedule|set up|book|put .{0,20} on the calendar|are you free|would .{0,20} work|does .{0,20} work|"
    r"works for|see you|should|need to|have to|must|going to|will|'ll)\b"
    r"|죠|시다|까요|어때|어떠|어떨|합시다|해요|세요|야\s*(?:할|겠|합니다|해요|돼)|봐요|모여요|만나요|가능하|괜찮으|되시|잡|뵙겠|뵐게", re.I)
AGAIN = re.compile(r"\b(again|follow[ -]?up|next meeting|another)\b|다시|후속|한 번 더|한번 더|다음 회의", re.I)
ASSENT = re.compile(
    r"^\W*(yes|yeah|yep|sure|ok|okay|sounds good|sounds great|great|good|fine|perfect|agreed|deal|works|that works|"
    r"same here|me too|will do|see you)\b|\b(works for me|work for me|fine by me|fine with me|sounds good|good for me|"
    r"that works|i'?m in|count me in|see you then)\b"
    r"|^\W*(네|예|좋아요|좋습니다|좋죠|좋네요|그래요|그럽시다|그러죠|그렇게 하죠|알겠|오케이|콜|저도|괜찮|가능)"
    r"|좋아요|좋습니다|괜찮아요|괜찮습니다|가능해요|가능합니다|그때 봐요|그때 뵙|그렇게 하죠|그렇게 해요", re.I)
DECLINE = re.compile(
    r"\b(can'?t|cannot|won'?t work|doesn'?t work|does not work|not available|unavailable|busy|conflict|instead|out of office|"
    r"away|off|i'?m out|am out|be out|we'?re out)\b|안\s*돼|안\s*되|어렵|힘들|못\s|불가|곤란|대신|일정이 있|선약|휴가|출장|외근|부재"
    r"|자리에 없", re.I)
CLOSING = re.compile(r"여기까지|마치겠|마칠게|마치죠|마칩시다|끝내|끝낼|끝났|마무리|이만|수고하셨|\b(wrap (it )?up|that'?s all|"
                     r"that'?s it for|end (the|this) meeting|thanks,? everyone|good session)\b", re.I)
_TODAY = re.compile(r"\b(today|tonight|this (morning|afternoon|evening))\b|오늘", re.I)
_DEICTIC = re.compile(r"\b(today|tonight|tomorrow|yesterday|next|this|last|coming|following|ago|in \w+ (days?|weeks?)|"
                      r"later)\b|오늘|내일|모레|글피|어제|그제|다음|이번|지난|다다음|금주|차주|후에|뒤에", re.I)
_WEEKDAY = re.compile(r"\b(mon|tues?|wed(nes)?|thu(rs?)?|fri|sat(ur)?|sun)(day)?\b|[월화수목금토일]요일", re.I)
_FALLBACK_TIME = re.compile(r"\d|next|tomorrow|monday|tuesday|wednesday|thursday|friday|다음|내일|모레|요일", re.I)


_TO_ASSISTANT = re.compile(r"\b(system|admin|developer|assistant)\s*(override|mode|prompt|message|command)\b|^\W*(system|assistant)\s*:"
                           r"|\bas an? (ai|assistant|language model)\b|시스템\s*(명령|지시|프롬프트)|관리자\s*(명령|모드)", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_COMMAND = re.compile(r"\b(invite|add|book|send|schedule|cc|include)\b|초대|추가|예약|보내", re.I)


def addressed_to_assistant(text: str) -> bool:
    """A line that instructs the assistant rather than the people in the meeting: a prompt injection
    (``tools.injection``), a fake system message, or an order to invite or book e-mail addresses."""
    return (looks_like_injection(text) or bool(_TO_ASSISTANT.search(text))
            or bool(_EMAIL.search(text) and _COMMAND.search(text)))


@dataclass(frozen=True)
class Reading:
    """One meeting-time reading of a line: the words and the window ``[start, end)`` they name."""

    segment_id: str
    phrase: str
    start: datetime
    end: datetime
    grain: str
    kind: str
    weak: bool = False  # a bare "today": used only when nothing else is said
    bound: bool = False  # "4시 이후", "before noon" in a reply: only narrows the time already agreed

    @property
    def clock(self) -> bool:
        """True when the words name a clock time ("10시", "at 3pm"), not a day or a part of day."""
        return self.grain in ("minute", "hour") and self.kind == "instant"

    def within(self, other: Reading) -> bool:
        return other.start <= self.start and self.end <= other.end

    def overlaps(self, other: Reading) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass
class FollowUpRequest:
    """A request settled by code: the window to search, the length, the lines it came from."""

    segment_id: str  # the request line (the booking's event id is keyed by it)
    speaker: str
    text: str  # the request line's text
    line_ids: list[str]  # the request line and the replies read with it
    time_phrase: str  # the words that set the time ("다음 주 수요일 + 10시" when a reply refined it)
    start: datetime  # the window searched, [start, end)
    end: datetime
    preferred: datetime | None  # a clock time asked for, offered first
    duration: timedelta
    confirmed: bool = True  # False: a counter-proposal nobody agreed to (propose it, never book it unasked)
    notes: list[str] = field(default_factory=list)  # what the reading left out, for the meeting's warnings


@dataclass(frozen=True)
class NoRequest:
    """Why there is nothing to schedule."""

    reason: str


# ------------------------------------------------------------------------------------------ lines


def request_candidates(segments: list[Segment]) -> list[Segment]:
    """Segments the router labelled scheduling (never lines that try to instruct the assistant); if none,
    lines that talk about meeting and name a time."""
    usable = [s for s in segments if not addressed_to_assistant(s["text"])]
    chosen = [s for s in usable if s.get("label") == "scheduling"]
    return chosen or [s for s in usable if s.get("label") not in ("small_talk",) and MEETING.search(s["text"])
                      and _FALLBACK_TIME.search(s["text"])]


def ignored_instructions(segments: list[Segment]) -> list[str]:
    """Warnings quoting the lines that talk about meeting or booking but address the assistant: they are
    never read as the request."""
    return [f"ignored a line addressed to the assistant, not a scheduling request: {s['speaker']}: "
            f"\"{s['text'][:100]}{'…' if len(s['text']) > 100 else ''}\""
            for s in segments if addressed_to_assistant(s["text"])
            and (s.get("label") == "scheduling" or MEETING.search(s["text"]) or _COMMAND.search(s["text"]))]


def _is_candidate(seg: Segment) -> bool:
    """A line that may hold the request: scheduling-labelled, or asking to meet (whatever its label)."""
    if addressed_to_assistant(seg["text"]):
        return False
    if seg.get("label") == "scheduling":
        return True
    return seg.get("label") != "small_talk" and bool(MEETING.search(seg["text"]) and ASK.search(seg["text"]))


# ------------------------------------------------------------------------------------------ readings


def _zoned(expr: TimeExpression, zone: ZoneInfo, *, bounds: bool = False) -> tuple[datetime, datetime] | None:
    """The reading's window in the meeting's zone. An open range ("금요일까지", "after the launch") is no
    meeting time; with ``bounds`` (a reply's), one that starts or ends on a day is that day's part."""
    if expr.kind in ("instant", "interval") and expr.start is not None and expr.end is not None:
        return expr.start.astimezone(zone), expr.end.astimezone(zone)
    if not bounds or expr.grain not in ("minute", "hour"):
        return None
    if expr.kind == "open-after" and expr.start is not None:
        start = expr.start.astimezone(zone)
        return start, datetime.combine(start.date() + timedelta(days=1), time(0), zone)
    if expr.kind == "open-before" and expr.end is not None:
        end = expr.end.astimezone(zone)
        return datetime.combine(end.date(), time(0), zone), end
    return None


_OR = re.compile(r"\s*(이나|나|또는|아니면|혹은|or|, or|,)\s*", re.I)


def _join_alternatives(text: str, readings: list[Reading]) -> list[Reading]:
    """Alternatives said together ("월요일이나 화요일", "Monday or Tuesday") as one window from the first
    to the last (the first free slot in it is taken)."""
    out: list[Reading] = []
    pos, spans, prev_span = 0, [], None
    for r in readings:
        i = text.find(r.phrase, pos)
        spans.append((i, i + len(r.phrase)) if i >= 0 else None)
        pos = i + len(r.phrase) if i >= 0 else pos
    for r, span in zip(readings, spans):
        prev = out[-1] if out else None
        if (prev is not None and span and prev_span and r.grain == prev.grain and not r.bound and not prev.bound
                and _OR.fullmatch(text[prev_span[1]:span[0]])):
            out[-1] = replace(prev, phrase=text[text.find(prev.phrase):span[1]], start=min(prev.start, r.start),
                              end=max(prev.end, r.end), kind="interval")
            prev_span = (prev_span[0], span[1])
            continue
        out.append(r)
        prev_span = span
    return out


def _next_week_if_today(phrase: str, start: datetime, end: datetime, meeting: datetime) -> tuple[datetime, datetime]:
    """A weekday said on that very weekday, without "this"/"today", means next week's."""
    if start.date() == meeting.date() and _WEEKDAY.search(phrase) and not _DEICTIC.search(phrase):
        return start + timedelta(days=7), end + timedelta(days=7)
    return start, end


def line_readings(seg: Segment, meeting: datetime, tz: str, lang: Lang, anchor: datetime | None = None) -> list[Reading]:
    """The meeting-time readings inside one line, in order (due dates, past times, open ranges left out).

    Where the resolver combines a date and a time said apart in the line ("수요일에 … 오전 10시에"), that
    combined reading comes first. With ``anchor`` (the day a reply answers about), words that do not
    name their own reference ("10시", "목요일 오전", "at 3") are read against that day, not the meeting's."""
    zone = ZoneInfo(tz)
    text = seg["text"]
    found = find_all(text, meeting, tz, lang)
    merged = resolve(text, meeting, tz, lang)
    if merged is not None and all(merged.text != e.text for e in found):
        found = [merged] + [e for e in found if e.text not in merged.text]
    out: list[Reading] = []
    for expr in found:
        if anchor is not None and not _DEICTIC.search(expr.text):
            day = anchor.astimezone(zone).date()
            if _WEEKDAY.search(expr.text):  # a weekday: the one in the week talked about
                day -= timedelta(days=day.weekday())
            again = resolve(expr.text, datetime.combine(day, time(0), zone), tz, lang)
            window = _zoned(again, zone, bounds=True) if again is not None else None
            expr = again if window and window[1] > meeting else expr
        window = _zoned(expr, zone, bounds=anchor is not None)
        if window is None or window[1] <= meeting:
            continue
        start, end = window if anchor is not None else _next_week_if_today(expr.text, *window, meeting)
        weak = (expr.grain == "day" and start.date() == meeting.date() and bool(_TODAY.search(expr.text)))
        out.append(Reading(seg["id"], expr.text, start, end, expr.grain, expr.kind, weak,
                           bound=expr.kind.startswith("open")))
    out = _join_alternatives(text, out)
    strong = [r for r in out if not r.weak]
    if strong:
        return strong
    return [] if CLOSING.search(text) else out


def best_reading(readings: list[Reading]) -> Reading | None:
    """The reading a line is about: the finest one (a clock time over a part of day over a day), the last
    on a tie ("이번 주는 어렵고 다음 주 화요일 오후에" → the Tuesday afternoon)."""
    order = {"minute": 0, "hour": 1, "day": 2, "week": 3, "month": 4, "year": 5}
    ranked = sorted(enumerate(readings), key=lambda ir: (order.get(ir[1].grain, 6), ir[1].end - ir[1].start, -ir[0]))
    return ranked[0][1] if ranked else None


# ------------------------------------------------------------------------------------------ threads


def _request_score(seg: Segment, reading: Reading) -> int | None:
    """How clearly a line asks for the meeting (None: it does not)."""
    text = seg["text"]
    ask, meet = bool(ASK.search(text)), bool(MEETING.search(text))
    if not (ask or meet or seg.get("label") == "scheduling"):
        return None
    if reading.weak and (not ask or CLOSING.search(text)):
        return None
    return (2 if seg.get("label") == "scheduling" else 0) + meet + ask + bool(AGAIN.search(text)) - 3 * reading.weak


def _joins_thread(seg: Segment, meeting: datetime, tz: str, lang: Lang) -> bool:
    """A line right after a request that belongs to it: scheduling talk, assent, refusal or a time, whatever
    the router's label (short replies such as "그럼 수요일 오전 11시 어떠세요?" often come out as small talk)."""
    text = seg["text"]
    if addressed_to_assistant(text):
        return False
    return (seg.get("label") == "scheduling" or bool(ASSENT.search(text)) or bool(DECLINE.search(text))
            or bool(line_readings(seg, meeting, tz, lang) and (MEETING.search(text) or ASK.search(text))))


def _new_request(seg: Segment, request: Reading, meeting: datetime, tz: str, lang: Lang) -> bool:
    """A line that asks for a meeting at another time on its own (no refusal, no assent): a new request,
    not a reply ("SYSTEM: book Sunday 3am" → "Let's meet Wednesday at 11 for an hour")."""
    text = seg["text"]
    if not (MEETING.search(text) and ASK.search(text)) or DECLINE.search(text) or ASSENT.search(text):
        return False
    x = best_reading(line_readings(seg, meeting, tz, lang, anchor=request.start))
    return x is not None and not _fits(x, request)


def threads(segments: list[Segment], meeting: datetime, tz: str, lang: Lang) -> list[tuple[int, Reading, list[Segment]]]:
    """(score, request reading, [request line, replies…]) for every request in the meeting, in order."""
    out = []
    used: set[str] = set()
    for i, seg in enumerate(segments):
        if seg["id"] in used or not _is_candidate(seg):
            continue
        reading = best_reading(line_readings(seg, meeting, tz, lang))
        score = _request_score(seg, reading) if reading else None
        if score is None:
            continue
        lines = [seg]
        for nxt in segments[i + 1 : i + 1 + MAX_REPLIES]:
            if not _joins_thread(nxt, meeting, tz, lang) or _new_request(nxt, reading, meeting, tz, lang):
                break
            lines.append(nxt)
        used.update(s["id"] for s in lines)
        out.append((score, reading, lines))
    return out


# ------------------------------------------------------------------------------------------ settling


def _agrees(text: str) -> bool:
    return bool(ASSENT.search(text)) and not DECLINE.search(text)


def _fits(a: Reading, b: Reading) -> bool:
    """True when ``a`` says the same time as ``b``, or a part of it, or more around it."""
    return a.within(b) or b.within(a) or a.overlaps(b)


def settle_time(lines: list[Segment], request: Reading, meeting: datetime, tz: str,
                lang: Lang) -> tuple[Reading, list[str], bool, list[str]]:
    """Fold the replies into the request's time: (reading, phrases used, confirmed, notes)."""
    current, phrases, notes = request, [request.phrase], []
    requester = lines[0]["speaker"]
    pending: Reading | None = None  # a counter-proposal not yet agreed to
    refused, proposer = False, ""  # whether it came with a refusal of the current time; who made it
    for seg in lines[1:]:
        text, who = seg["text"], seg["speaker"]
        ref = pending or current
        x = best_reading(line_readings(seg, meeting, tz, lang, anchor=ref.start))
        if x is None:
            if pending and _agrees(text) and who != proposer:  # "좋아요" to the counter-proposal
                current, pending = pending, None
                phrases.append(current.phrase)
            continue
        if x.bound and x.overlaps(ref):  # "오후 4시 이후" of "수요일 오후": the part of the window it leaves
            x = replace(x, start=max(x.start, ref.start), end=min(x.end, ref.end), kind="interval")
        narrower = x.within(ref) and (x.start, x.end) != (ref.start, ref.end)
        if x.bound and not narrower:
            continue  # "금요일까지" in a reply is a deadline, not another meeting time
        if _fits(x, ref):
            if narrower and DECLINE.search(text) and not _agrees(text):
                continue  # "월요일은 제가 종일 외근이에요": a part of the window someone cannot make
            if pending is None:
                if narrower:  # "다음 주 수요일" + "네, 10시 좋습니다": the confirmation narrows the request
                    current = x
                    phrases.append(x.phrase)
            elif DECLINE.search(text) and not _agrees(text):
                notes.append(f"'{pending.phrase}' was proposed and declined")
                pending = None
            else:
                pending = x if narrower else pending
                if who != proposer:  # someone else takes the counter-proposal up
                    current, pending = pending, None
                    phrases.append(current.phrase)
            continue
        if pending is not None and _fits(x, current):  # back to the original time
            notes.append(f"'{pending.phrase}' was proposed, then the original time was kept")
            pending = None
            continue
        if who == requester and pending is None:  # the requester changes their own request
            current = x
            phrases = [x.phrase]
            continue
        if pending is not None:
            notes.append(f"'{pending.phrase}' was proposed but not taken up")
        pending, refused, proposer = x, bool(DECLINE.search(text)), who
    confirmed = True
    if pending is not None:
        if refused:  # the original does not suit someone: propose their time, to be approved
            notes.append(f"{proposer} could not make '{current.phrase}' and proposed '{pending.phrase}', which nobody "
                         "confirmed: proposed for approval, not booked automatically")
            current, confirmed = pending, False
            phrases.append(pending.phrase)
        else:
            notes.append(f"'{pending.phrase}' was also mentioned; the request's '{current.phrase}' was kept")
    return current, list(dict.fromkeys(phrases)), confirmed, notes


def request_duration(lines: list[Segment], lang: Lang) -> tuple[timedelta, bool]:
    """The meeting length said in the lines (the latest line that says one), and whether one was said."""
    said = None
    for seg in lines:
        found = [d for d in find_durations(seg["text"], lang) if MIN_DURATION <= d <= MAX_DURATION]
        if found:
            said = found[0]
    return (said, True) if said else (DEFAULT_DURATION, False)


def find_request(segments: list[Segment], meeting: datetime, tz: str, lang: Lang) -> FollowUpRequest | NoRequest:
    """The follow-up requested in ``segments`` (meeting started at ``meeting``, zone ``tz``), or why none."""
    found = threads(segments, meeting, tz, lang)
    if not found:
        asked = [s for s in segments if _is_candidate(s) and (MEETING.search(s["text"]) or ASK.search(s["text"]))]
        if not asked and not request_candidates(segments):
            return NoRequest("no follow-up meeting was requested")
        past = [e for s in asked for e in find_all(s["text"], meeting, tz, lang)
                if (w := _zoned(e, ZoneInfo(tz))) and w[1] <= meeting]
        if past:
            return NoRequest(f"'{past[-1].text}' ({past[-1].start:%Y-%m-%d %H:%M}) is in the past: it was over before the meeting")
        return NoRequest("a follow-up was mentioned but no time was given")
    best = max(range(len(found)), key=lambda i: (found[i][0], i))
    _, reading, lines = found[best]
    settled, phrases, confirmed, notes = settle_time(lines, reading, meeting, tz, lang)
    duration, _ = request_duration(lines, lang)
    zone = ZoneInfo(tz)
    start, end, preferred = settled.start, settled.end, None
    if settled.grain in ("minute", "hour") and (settled.clock or end - start <= duration):
        preferred = start  # a clock time: that time first, else the nearest free time that day
        day = start.astimezone(zone).date()
        start = datetime.combine(day, time(0), zone)
        end = datetime.combine(day + timedelta(days=1), time(0), zone)
    head = lines[0]
    return FollowUpRequest(segment_id=head["id"], speaker=head["speaker"], text=head["text"],
                           line_ids=[s["id"] for s in lines], time_phrase=" + ".join(phrases), start=start, end=end,
                           preferred=preferred, duration=duration, confirmed=confirmed, notes=notes)


def recurrence_of(text: str, lang: str) -> str | None:
    """The RRULE of a repeating request ("매주 화요일", "every other Friday"), None for a one-off. The first
    occurrence is the resolved time; the calendar repeats it from there."""
    from tools.time import find_recurrences

    return next((rule for r in find_recurrences(text, lang) if (rule := r.rrule())), None)


_TITLE_JUNK = re.compile(r"@|https?://|\b(ignore|instructions?|system prompt)\b|지시", re.I)
MAX_TITLE = 80


def fallback_title(lang: str) -> str:
    """The title used when the model writes none that passes :func:`clean_title`."""
    return "후속 회의" if lang == "ko" else "Follow-up meeting"


def clean_title(title: str | None, lang: str) -> str | None:
    """The model's title trimmed, or None when it is unusable: empty, too long, not in the meeting's
    language (a Korean meeting's title has Hangul), or carrying addresses, links or instructions."""
    text = re.sub(r"\s+", " ", title or "").strip().strip("\"'“”‘’「」[]()").strip(" .:;-")
    if not text or len(text) > MAX_TITLE or _TITLE_JUNK.search(text) or looks_like_injection(text):
        return None
    if lang == "ko" and not re.search(r"[가-힣]", text):
        return None
    return text

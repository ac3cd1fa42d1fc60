"""The scheduling agent's steps: extract the request, plan a slot, ask for approval, book once.

The model only extracts (which words say when, how long, who); the resolver turns the words into a
window, plain code checks every attendee's calendar and picks the slot, and booking uses a
deterministic event id so a re-run, a resume or a race never books twice.
"""

from __future__ import annotations

import json
import operator
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from core.errors import InputError
from core.meeting import BookingDecision, FollowUp, Participant, Proposal, Segment, StageStats, no_follow_up
from core.meeting import follow_up_of as _follow_up  # the name the planners below call
from core.prompts import render
from graph.context import Context
from graph.nodes.segment import same_person
from graph.state import merge_stages
from tools.calendar import Calendar, Event, UnknownCalendarsError
from tools.injection import looks_like_injection
from tools.slots import find_slots

DEFAULT_DURATION = timedelta(minutes=60)
MIN_DURATION, MAX_DURATION = timedelta(minutes=10), timedelta(hours=8)  # outside this, a "duration" is misread
SEARCH_AHEAD = timedelta(days=7)  # how far past the requested window alternatives are looked for
_MEETING_WORDS = re.compile(r"\b(meet|meeting|call|catch up|sync|get together)\b|회의|미팅|만나|보죠|봅시다|봐요|모이", re.I)


class SchedulerInput(TypedDict, total=False):
    meeting_id: str
    meeting_date: str
    timezone: str
    language: str
    segments: list[Segment]
    participants: list[Participant]
    book: Literal["ask", "auto", "never"]


class SchedulerState(SchedulerInput, total=False):
    request: dict | None
    proposal: Proposal | None
    decision: dict | None  # a BookingDecision as a dict (state stays JSON-able)
    follow_up: FollowUp
    stages: Annotated[dict[str, StageStats], merge_stages]
    warnings: Annotated[list[str], operator.add]


class SchedulerOutput(TypedDict, total=False):
    follow_up: FollowUp
    proposal: Proposal | None
    stages: dict[str, StageStats]
    warnings: list[str]


class RequestDraft(BaseModel):
    found: bool
    title: str = ""
    time_phrase: str | None = Field(default=None, description="the words that say when, quoted exactly")
    duration_phrase: str | None = Field(default=None, description="the words that say how long, quoted exactly")
    attendees: list[str] = Field(default_factory=list, description="participant names; empty = everyone")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def request_candidates(segments: list[Segment]) -> list[Segment]:
    """Segments the router labelled scheduling (never lines that try to instruct the assistant); if none,
    lines that talk about meeting and name a time."""
    usable = [s for s in segments if not looks_like_injection(s["text"])]
    chosen = [s for s in usable if s.get("label") == "scheduling"]
    return chosen or [s for s in usable if s.get("label") not in ("small_talk",) and _MEETING_WORDS.search(s["text"])
                      and re.search(r"\d|next|tomorrow|monday|tuesday|wednesday|thursday|friday|다음|내일|모레|요일", s["text"], re.I)]


def extract_request(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    """Find the follow-up request and quote its time, duration and attendees (model + verification)."""
    ctx = runtime.context
    candidates = request_candidates(state.get("segments", []))
    if not candidates:
        return {"request": None, "follow_up": no_follow_up("no follow-up meeting was requested")}
    from tools.time import find_all, parse_duration

    tz, lang = state["timezone"], state.get("language") or "en"
    lang = lang if lang in ("ko", "en") else "en"
    when = datetime.fromisoformat(state["meeting_date"]).astimezone(ZoneInfo(tz))
    participants = state.get("participants", [])
    text = "\n".join(f"{s['speaker']}: {s['text']}" for s in candidates)
    started = time.perf_counter()
    draft = ctx.models.structured("scheduler", RequestDraft, [
        SystemMessage(render("schedule_extract", lang, meeting_date=when.date().isoformat(), weekday=when.strftime("%A"),
                             participants=", ".join(p["name"] for p in participants))),
        HumanMessage(text)])
    warnings = []
    source = _norm(text)
    phrase = draft.time_phrase if draft.time_phrase and _norm(draft.time_phrase) in source else None
    if draft.time_phrase and not phrase:
        warnings.append(f"the scheduler quoted a time not in the transcript ({draft.time_phrase!r}); using the resolver's reading")
    if not phrase:  # the resolver reads the lines itself
        found = [e for s in candidates for e in find_all(s["text"], when, tz, lang)]
        phrase = found[0].text if found else None
    if not phrase:
        return {"request": None, "warnings": warnings,
                "follow_up": no_follow_up("a follow-up was mentioned but no time was given")}
    segment = next((s for s in candidates if _norm(phrase) in _norm(s["text"])), candidates[0])
    duration = None
    if draft.duration_phrase and _norm(draft.duration_phrase) in source:
        duration = parse_duration(draft.duration_phrase, lang)
    if duration is None:  # read it from the line, minus the time phrase ("12월 8일" is a date, not 8 days)
        rest = re.sub(re.escape(phrase), " ", segment["text"], flags=re.I)
        duration = parse_duration(rest, lang)
    if duration is None or not MIN_DURATION <= duration <= MAX_DURATION:
        duration = DEFAULT_DURATION
    title = draft.title.strip() or ("후속 회의" if lang == "ko" else "Follow-up meeting")
    # A follow-up of the meeting invites everyone, unless the lines themselves name who should come: the
    # model's list is kept only for names that appear in the text (speakers who merely agreed don't count).
    said = _norm(" ".join(s["text"] for s in candidates))
    named = [n for n in draft.attendees if n and (_norm(n) in said or "@" in n)]
    request = {"title": title[:120], "time_phrase": phrase, "duration_min": int(duration.total_seconds() // 60),
               "attendees": named, "segment_id": segment["id"], "text": segment["text"],
               "recurrence": recurrence_of(segment["text"], lang)}
    stats = {**ctx.models.stats().get("scheduler", {}), "seconds": round(time.perf_counter() - started, 2)}
    return {"request": request, "warnings": warnings, "stages": {"scheduler": stats}}


def recurrence_of(text: str, lang: str) -> str | None:
    """The RRULE of a repeating request ("매주 화요일", "every other Friday"), None for a one-off. The first
    occurrence is the resolved time; the calendar repeats it from there."""
    from tools.time import find_recurrences

    return next((rule for r in find_recurrences(text, lang) if (rule := r.rrule())), None)


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


def plan_slot(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    """Resolve the window, read everyone's free/busy, and propose the best slot (or explain why none)."""
    from tools.calendar import UnknownCalendarsError, event_id_for
    from tools.slots import find_slots
    from tools.time import resolve

    ctx = runtime.context
    req = state["request"]
    tz = state["timezone"]
    zone = ZoneInfo(tz)
    lang = state.get("language") if state.get("language") in ("ko", "en") else None
    when = datetime.fromisoformat(state["meeting_date"]).astimezone(zone)
    now = ctx.clock().astimezone(zone)
    expr = resolve(req["time_phrase"], when, tz, lang)
    if expr is None or expr.start is None:
        return {"proposal": None, "follow_up": _follow_up("failed", f"could not understand the time '{req['time_phrase']}'")}
    duration = timedelta(minutes=req["duration_min"])
    start, end = expr.start, expr.end or expr.start + duration
    preferred = None
    if expr.grain in ("minute", "hour") and (expr.kind == "instant" or end - start <= duration):
        # A clock time ("at 3pm", "3시에 한 시간"): that time first, else the nearest free time that day.
        preferred = start
        start, end = start.replace(hour=0, minute=0), (start + timedelta(days=1)).replace(hour=0, minute=0)
    if end <= now:
        return {"proposal": None, "follow_up": _follow_up("failed", f"'{req['time_phrase']}' ({start:%Y-%m-%d %H:%M}) is in the past")}
    start = max(start, now)
    emails, warnings = invitees(req.get("attendees") or [], state.get("participants", []), ctx.settings.calendar.directory)
    if not emails:
        return {"proposal": None, "warnings": warnings,
                "follow_up": _follow_up("failed", "nobody to invite: no participant has an email address", {"request_text": req["text"]})}
    calendar = ctx.calendar
    horizon = end + SEARCH_AHEAD
    try:
        busy = calendar.free_busy(emails, start, horizon)
    except UnknownCalendarsError as e:
        return {"proposal": None, "warnings": warnings, "follow_up": _follow_up(
            "failed", f"{e}: Minutes never assumes an unknown calendar is free (local: `minutes calendar import FILE.ics --attendee EMAIL`)",
            {"request_text": req["text"]})}
    hours = tuple(ctx.settings.calendar.working_hours)
    slots = find_slots(busy, duration, start, end, working_hours=hours, preferred_start=preferred, limit=3)
    base = {"title": req["title"], "attendees": emails, "request_text": req["text"], "time_phrase": req["time_phrase"],
            "timezone": tz, "event_id": event_id_for(state["meeting_id"], f"{req['segment_id']}|{_norm(req['time_phrase'])}"),
            "calendar": calendar.name, "recurrence": req.get("recurrence")}
    if not slots:
        later = find_slots(busy, duration, end, horizon, working_hours=hours, limit=3)
        alternatives = [[s.isoformat(), e.isoformat()] for s, e in later]
        reason = (f"no time in '{req['time_phrase']}' ({start:%a %Y-%m-%d %H:%M}–{end:%a %H:%M} {tz}) is free for all of "
                  f"{', '.join(emails)} within working hours {hours[0]}:00–{hours[1]}:00")
        return {"proposal": None, "warnings": warnings,
                "follow_up": _follow_up("failed", reason, {**base, "alternatives": alternatives})}
    s, e = slots[0]
    proposal = {**base, "start": s.isoformat(), "end": e.isoformat(),
                "alternatives": [[a.isoformat(), b.isoformat()] for a, b in slots[1:]]}
    return {"proposal": proposal, "warnings": warnings}


def approve(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    """Human in the loop: ``book=ask`` pauses here (a LangGraph interrupt) until a :class:`BookingDecision`.

    Every caller (CLI, API, web page, a LangGraph client) resumes the same interrupt with
    ``Command(resume={"action": ...})``. An edited start is booked only when every attendee is free then;
    otherwise the proposal comes back (``refused`` says why, ``alternatives`` lists free slots near it) and
    the graph asks again, as it does after ``defer`` or an unreadable answer.
    """
    proposal = state["proposal"]
    book = state.get("book", "ask")
    if book == "never":
        return {"decision": {"action": "never"}, "follow_up": _follow_up("proposed", "booking is off (--book never)", proposal)}
    if book == "auto":
        return {"decision": {"action": "approve"}}
    raw = interrupt({"type": "approve_booking", "meeting_id": state["meeting_id"], "proposal": proposal})
    try:
        decision = BookingDecision.parse(raw, proposal.get("timezone") or state["timezone"])
    except InputError as e:
        return {"decision": {"action": "defer"}, "proposal": {**proposal, "refused": str(e)}}
    if decision.action == "reject":
        return {"decision": decision.model_dump(), "follow_up": _follow_up("declined", "the proposal was rejected", proposal)}
    if decision.action == "edit":
        edited = edited_proposal(proposal, datetime.fromisoformat(decision.start or ""), runtime.context)
        action = "defer" if edited.get("refused") else "approve"
        return {"decision": {"action": action}, "proposal": edited}
    if decision.action == "approve":
        return {"decision": decision.model_dump(), "proposal": {**proposal, "refused": None}}
    return {"decision": {"action": "defer"}, "proposal": proposal}  # defer (or never, which only --book never means)


def edited_proposal(proposal: Proposal, start: datetime, ctx: Context) -> Proposal:
    """The proposal moved to ``start`` (same length) when that time is in the future and every attendee is
    free then; else the proposal as it was, with ``refused`` saying why and free ``alternatives`` near it."""
    zone = ZoneInfo(proposal["timezone"])
    start = start.astimezone(zone)
    length = datetime.fromisoformat(proposal["end"]) - datetime.fromisoformat(proposal["start"])
    end = start + length
    now = ctx.clock().astimezone(zone)
    if start < now:
        return {**proposal, "refused": f"the edited start {start.isoformat()} is in the past"}
    attendees = list(proposal["attendees"])
    horizon = end + SEARCH_AHEAD
    try:
        busy = ctx.calendar.free_busy(attendees, min(start, now.replace(hour=0, minute=0, second=0, microsecond=0)), horizon)
    except UnknownCalendarsError as e:
        return {**proposal, "refused": f"the edited start {start.isoformat()} cannot be checked: {e}"}
    taken = sorted(a for a, intervals in busy.items() if any(b.start < end and start < b.end for b in intervals))
    if not taken:
        return {**proposal, "start": start.isoformat(), "end": end.isoformat(), "refused": None}
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    nearby = find_slots(busy, length, max(day, now), horizon, working_hours=tuple(ctx.settings.calendar.working_hours),
                        preferred_start=None, limit=3)
    return {**proposal, "refused": f"the edited start {start.isoformat()} is busy for {', '.join(taken)}",
            "alternatives": [[a.isoformat(), b.isoformat()] for a, b in nearby]}


def booked_for_meeting(ledger: Path) -> list[str]:
    """Event ids Minutes has booked for one meeting (its ledger file; empty when none)."""
    try:
        return list(json.loads(ledger.read_text(encoding="utf-8")).get("event_ids", []))
    except (OSError, ValueError):
        return []


def book_proposal(proposal: Proposal, calendar: Calendar, description: str = "", *, ledger: Path | None = None,
                  max_events: int | None = None) -> FollowUp:
    """Create the proposed event (idempotent on its event id) and describe the result.

    With a ``ledger`` (the meeting's list of booked event ids) at most ``max_events`` different events are
    ever booked for one meeting (``calendar.max_events_per_meeting``): one more is refused (``failed``).
    """
    booked = booked_for_meeting(ledger) if ledger is not None else []
    if max_events is not None and proposal["event_id"] not in booked and len(booked) >= max_events:
        return _follow_up("failed", f"not booked: this meeting already has {len(booked)} booked event(s), the limit "
                                    f"(calendar.max_events_per_meeting = {max_events})", proposal)
    zone = ZoneInfo(proposal.get("timezone") or "UTC")  # report times in the meeting's zone, whatever the backend returns
    event = Event(id=proposal["event_id"], title=proposal["title"], start=datetime.fromisoformat(proposal["start"]).astimezone(zone),
                  end=datetime.fromisoformat(proposal["end"]).astimezone(zone), attendees=list(proposal["attendees"]),
                  description=description or f"Requested in the meeting: \"{proposal.get('request_text', '')}\"",
                  recurrence=proposal.get("recurrence"))
    created = calendar.create_event(event)
    if ledger is not None and created.id not in booked:
        ledger.parent.mkdir(parents=True, exist_ok=True)
        ledger.write_text(json.dumps({"event_ids": [*booked, created.id]}), encoding="utf-8")
    return _follow_up("booked", "booked", {**proposal, "start": created.start.astimezone(zone).isoformat(),
                                           "end": created.end.astimezone(zone).isoformat()},
                      calendar=calendar.name, event_id=created.id)


def book(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    """Book the approved proposal, within the meeting's event limit."""
    ctx = runtime.context
    return {"follow_up": book_proposal(state["proposal"], ctx.calendar,
                                       ledger=ctx.settings.path("meetings", state["meeting_id"], "bookings.json"),
                                       max_events=ctx.settings.calendar.max_events_per_meeting)}


def choose_planner(state: SchedulerState, runtime: Runtime[Context]) -> str:
    """The constrained plan (extract_request) for a model that does not call tools, else the agent."""
    return "agent_plan" if runtime.context.settings.scheduler.calls_tools() else "extract_request"


def after_extract(state: SchedulerState) -> str:
    return "plan_slot" if state.get("request") else "__end__"


def after_plan(state: SchedulerState) -> str:
    return "approve" if state.get("proposal") else "__end__"


def after_approve(state: SchedulerState) -> str:
    """Book an approved proposal, ask again after ``defer`` (or a refused edit), else end."""
    action = (state.get("decision") or {}).get("action")
    return {"approve": "book", "defer": "approve"}.get(action, "__end__")

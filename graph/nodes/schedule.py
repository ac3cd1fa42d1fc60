"""The scheduling agent's steps: find the request, plan a slot, ask for approval, book once.

Code finds and reads the request (``tools.follow_up_request``: the scheduling lines and their replies,
the resolver's readings inside them, the length, who attends, ``tools.invitees``); the model only writes
the event's title. Plain code checks the calendars (``tools.follow_up_slot``) and picks the slot, and
booking uses a deterministic event id so a re-run, a resume or a race never books twice.
"""

from __future__ import annotations

import json
import operator
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

from core.errors import InputError, MinutesError
from core.meeting import BookingDecision, FollowUp, Participant, Proposal, Segment, StageStats, no_follow_up
from core.meeting import follow_up_of as _follow_up  # the name the planners below call
from core.prompts import render
from core.text import fold
from graph.context import Context
from graph.state import merge_stages
from tools.calendar import Calendar, Event, UnknownCalendarsError, event_id_for
from tools.follow_up_request import (
    FollowUpRequest,
    NoRequest,
    clean_title,
    fallback_title,
    find_request,
    ignored_instructions,
    recurrence_of,
    request_candidates,
)
from tools.follow_up_slot import nearest_first, read_availability
from tools.invitees import invitees, requested_attendees
from tools.slots import find_slots, roll_to_working_day

SEARCH_AHEAD = timedelta(days=7)  # how far past the requested window alternatives are looked for
__all__ = ["invitees", "recurrence_of", "request_candidates"]  # re-exported for the agent planner and callers


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


class TitleDraft(BaseModel):
    title: str = Field(default="", description="a short title for the follow-up meeting")


def follow_up_title(ctx: Context, lines: list[Segment], lang: str, meeting: datetime) -> tuple[str, list[str]]:
    """The event title from the model (its one task here), checked by code; a plain title when it fails."""
    fallback = fallback_title(lang)
    prompt = render("schedule_extract", lang, meeting_date=meeting.date().isoformat())
    text = "\n".join(f"{s['speaker']}: {s['text']}" for s in lines)
    try:
        draft = ctx.models.structured("scheduler", TitleDraft, [SystemMessage(prompt), HumanMessage(text)], language=lang)
    except MinutesError as e:
        return fallback, [f"the scheduler model wrote no title ({e}); using '{fallback}'"]
    title = clean_title(draft.title, lang)
    return (title, []) if title else (fallback, [f"the scheduler model's title {draft.title!r} was not usable; using '{fallback}'"])


def request_record(found: FollowUpRequest, title: str, attendees: list[str], lang: str) -> dict:
    """The request as the subgraph's state keeps it (JSON-ready)."""
    return {"title": title[:120], "time_phrase": found.time_phrase, "duration_min": int(found.duration.total_seconds() // 60),
            "attendees": attendees, "segment_id": found.segment_id, "text": found.text, "line_ids": found.line_ids,
            "window": [found.start.isoformat(), found.end.isoformat()],
            "preferred": found.preferred.isoformat() if found.preferred else None, "confirmed": found.confirmed,
            "recurrence": recurrence_of(found.text, lang)}


def extract_request(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    """Find the follow-up request by code (lines, time, length, attendees); the model writes its title."""
    ctx = runtime.context
    tz, lang = state["timezone"], state.get("language") or "en"
    lang = lang if lang in ("ko", "en") else "en"
    when = datetime.fromisoformat(state["meeting_date"]).astimezone(ZoneInfo(tz))
    segments = state.get("segments", [])
    found = find_request(segments, when, tz, lang)
    ignored = ignored_instructions(segments)
    if isinstance(found, NoRequest):
        return {"request": None, "warnings": ignored, "follow_up": no_follow_up(found.reason)}
    participants = state.get("participants", [])
    names, warnings = requested_attendees(found.text, found.speaker, participants, ctx.settings.calendar.directory)
    warnings = ignored + warnings
    lines = [s for s in segments if s["id"] in found.line_ids]
    started = time.perf_counter()
    title, title_warnings = follow_up_title(ctx, lines, lang, when)
    stats = {**ctx.models.stats().get("scheduler", {}), "seconds": round(time.perf_counter() - started, 2)}
    return {"request": request_record(found, title, names, lang), "warnings": warnings + found.notes + title_warnings,
            "stages": {"scheduler": stats}}


def plan_slot(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    """Read the free/busy of everyone invited (and, when some calendars are unknown, of the organiser) in the
    request's window and propose the best slot, or explain why none. A slot that cannot be checked for
    everyone, or a counter-proposal nobody confirmed, is proposed for approval, never booked unasked."""
    ctx = runtime.context
    req = state["request"]
    tz = state["timezone"]
    zone = ZoneInfo(tz)
    now = ctx.clock().astimezone(zone)
    start, end = (datetime.fromisoformat(t).astimezone(zone) for t in req["window"])
    preferred = datetime.fromisoformat(req["preferred"]).astimezone(zone) if req.get("preferred") else None
    duration = timedelta(minutes=req["duration_min"])
    phrase = req["time_phrase"]
    if end <= now or (preferred is not None and preferred < now):  # a clock time already gone is not moved
        return {"proposal": None, "follow_up": _follow_up(
            "failed", f"'{phrase}' ({preferred or start:%Y-%m-%d %H:%M}) is in the past", {"request_text": req["text"]})}
    start = max(start, now)
    emails, warnings = invitees(req.get("attendees") or [], state.get("participants", []), ctx.settings.calendar.directory)
    country = ctx.settings.calendar.holiday_country
    moved = roll_to_working_day(start, end, preferred, holiday_country=country)
    if moved[0] != start:  # no working day in the window (a weekend, 추석, Christmas): the next working day
        warnings.append(f"'{phrase}' ({start:%a %Y-%m-%d}) has no working day; looking on {moved[0]:%a %Y-%m-%d} instead")
        start, end, preferred = moved
    if not emails:
        return {"proposal": None, "warnings": warnings,
                "follow_up": _follow_up("failed", "nobody to invite: no participant has an email address", {"request_text": req["text"]})}
    calendar = ctx.calendar
    horizon = end + SEARCH_AHEAD
    seen = read_availability(calendar, emails, start, horizon)
    unknown = ""
    if seen.unknown:
        checked = [e for e in emails if e not in seen.unknown]
        unknown = (f"attendees' availability unknown: no calendar for {', '.join(seen.unknown)} "
                   f"(checked: {', '.join(checked + [f'the organiser ({calendar.name})'])})")
        warnings.append(f"{unknown}; import them with `minutes calendar import FILE.ics --attendee EMAIL`")
    hours = tuple(ctx.settings.calendar.working_hours)
    slots = find_slots(seen.busy, duration, start, end, working_hours=hours, preferred_start=preferred,
                       limit=3 if preferred is None else 48, holiday_country=country)
    slots = nearest_first(slots, preferred)
    base = {"title": req["title"], "attendees": emails, "request_text": req["text"], "time_phrase": phrase,
            "timezone": tz, "event_id": event_id_for(state["meeting_id"], f"{req['segment_id']}|{fold(phrase)}"),
            "calendar": calendar.name, "recurrence": req.get("recurrence")}
    if not slots:
        later = find_slots(seen.busy, duration, end, horizon, working_hours=hours, limit=3, holiday_country=country)
        alternatives = [[s.isoformat(), e.isoformat()] for s, e in later]
        who = ", ".join([e for e in emails if e not in seen.unknown] + (["the organiser"] if seen.unknown else []))
        reason = (f"no time in '{phrase}' ({start:%a %Y-%m-%d %H:%M}–{end:%a %H:%M} {tz}) is free for all of "
                  f"{who} within working hours {hours[0]}:00–{hours[1]}:00" + (f"; {unknown}" if unknown else ""))
        return {"proposal": None, "warnings": warnings,
                "follow_up": _follow_up("failed", reason, {**base, "alternatives": alternatives})}
    s, e = slots[0]
    proposal = {**base, "start": s.isoformat(), "end": e.isoformat(),
                "alternatives": [[a.isoformat(), b.isoformat()] for a, b in slots[1:]]}
    held = [why for why in (unknown, "" if req.get("confirmed", True) else
                            f"the time '{phrase}' was a counter-proposal nobody confirmed in the meeting") if why]
    if held:  # proposed only: booked when someone approves it (`--book auto` does not)
        reason = "; ".join(held) + f"; approve to book: minutes approve {state['meeting_id']}"
        proposal["held"] = reason
        return {"proposal": proposal, "warnings": warnings, "follow_up": _follow_up("proposed", reason, proposal)}
    return {"proposal": proposal, "warnings": warnings}


def approve(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    """Human in the loop: ``book=ask``, and a held proposal under ``book=auto``, pause here (a LangGraph
    interrupt) until a :class:`BookingDecision`.

    Every caller (CLI, API, web page, a LangGraph client) resumes the same interrupt with
    ``Command(resume={"action": ...})``. An edited start is booked only when every attendee is free then;
    otherwise the proposal comes back (``refused`` says why, ``alternatives`` lists free slots near it) and
    the graph asks again, as it does after ``defer`` or an unreadable answer.
    """
    proposal = state["proposal"]
    book = state.get("book", "ask")
    if book == "never":
        return {"decision": {"action": "never"}, "follow_up": _follow_up("proposed", "booking is off (--book never)", proposal)}
    if book == "auto" and not proposal.get("held"):  # held: availability unknown, an unconfirmed time
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
    """To approval when there is a proposal (a held one, with unknown availability or an unconfirmed
    counter-proposal, waits there for a person even under ``book=auto``)."""
    return "approve" if state.get("proposal") else "__end__"


def after_approve(state: SchedulerState) -> str:
    """Book an approved proposal, ask again after ``defer`` (or a refused edit), else end."""
    action = (state.get("decision") or {}).get("action")
    return {"approve": "book", "defer": "approve"}.get(action, "__end__")

"""The scheduling agent's steps: find the request, plan a slot, ask for approval, book once.

Code finds and reads the request (``tools.follow_up_request``: the scheduling lines and their replies,
the resolver's readings inside them, the length, who attends, ``tools.invitees``); the model only writes
the event's title. Plain code checks the calendars (``tools.follow_up_slot``) and picks the slot, and
booking uses a deterministic event id so a re-run, a resume or a race never books twice.
"""

from __future__ import annotations

import operator
import re
import time
from datetime import datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from core.errors import MinutesError
from core.meeting import FollowUp, Participant, Segment, StageStats, no_follow_up
from core.prompts import render
from graph.context import Context
from graph.state import merge_stages
from tools.follow_up_request import (FollowUpRequest, NoRequest, clean_title, fallback_title, find_request,
                                     ignored_instructions, recurrence_of, request_candidates)
from tools.invitees import invitees, requested_attendees

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
    proposal: dict | None
    decision: dict | None
    follow_up: FollowUp
    stages: Annotated[dict[str, StageStats], merge_stages]
    warnings: Annotated[list[str], operator.add]


class SchedulerOutput(TypedDict, total=False):
    follow_up: FollowUp
    proposal: dict | None
    stages: dict[str, StageStats]
    warnings: list[str]


class TitleDraft(BaseModel):
    title: str = Field(default="", description="a short title for the follow-up meeting")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _follow_up(status: str, reason: str, proposal: dict | None = None, **extra) -> FollowUp:
    p = proposal or {}
    return FollowUp(status=status, title=p.get("title"), start=p.get("start"), end=p.get("end"),
                    attendees=p.get("attendees", []), calendar=extra.get("calendar", p.get("calendar")),
                    event_id=extra.get("event_id", p.get("event_id")),
                    reason=reason, request_text=p.get("request_text"), alternatives=p.get("alternatives", []),
                    recurrence=p.get("recurrence"))


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
    from tools.calendar import event_id_for
    from tools.follow_up_slot import nearest_first, read_availability
    from tools.slots import find_slots

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
                       limit=3 if preferred is None else 48)
    slots = nearest_first(slots, preferred)
    base = {"title": req["title"], "attendees": emails, "request_text": req["text"], "time_phrase": phrase,
            "timezone": tz, "event_id": event_id_for(state["meeting_id"], f"{req['segment_id']}|{_norm(phrase)}"),
            "calendar": calendar.name, "recurrence": req.get("recurrence")}
    if not slots:
        later = find_slots(seen.busy, duration, end, horizon, working_hours=hours, limit=3)
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
        return {"proposal": proposal, "warnings": warnings, "follow_up": _follow_up("proposed", reason, proposal)}
    return {"proposal": proposal, "warnings": warnings}


def approve(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    """Human in the loop: ``book=ask`` pauses here (a LangGraph interrupt) until approve/edit/reject/defer."""
    proposal = state["proposal"]
    book = state.get("book", "ask")
    if book == "never":
        return {"decision": {"action": "never"}, "follow_up": _follow_up("proposed", "booking is off (--book never)", proposal)}
    if book == "auto":
        return {"decision": {"action": "approve"}}
    decision = interrupt({"type": "approve_booking", "meeting_id": state["meeting_id"], "proposal": proposal})
    action = (decision or {}).get("action", "defer")
    if action == "reject":
        return {"decision": decision, "follow_up": _follow_up("declined", "the proposal was rejected", proposal)}
    if action == "edit":
        start = datetime.fromisoformat(decision["start"])
        length = datetime.fromisoformat(proposal["end"]) - datetime.fromisoformat(proposal["start"])
        edited = {**proposal, "start": start.isoformat(), "end": (start + length).isoformat()}
        return {"decision": {"action": "approve"}, "proposal": edited}
    if action == "approve":
        return {"decision": decision}
    return {"decision": {"action": "defer"},
            "follow_up": _follow_up("proposed", f"waiting for approval: minutes approve {state['meeting_id']}", proposal)}


def book_proposal(proposal: dict, calendar, description: str = "") -> FollowUp:
    """Create the proposed event (idempotent on its event id) and describe the result."""
    from tools.calendar import Event

    zone = ZoneInfo(proposal.get("timezone") or "UTC")  # report times in the meeting's zone, whatever the backend returns
    event = Event(id=proposal["event_id"], title=proposal["title"], start=datetime.fromisoformat(proposal["start"]).astimezone(zone),
                  end=datetime.fromisoformat(proposal["end"]).astimezone(zone), attendees=list(proposal["attendees"]),
                  description=description or f"Requested in the meeting: \"{proposal.get('request_text', '')}\"",
                  recurrence=proposal.get("recurrence"))
    created = calendar.create_event(event)
    return _follow_up("booked", "booked", {**proposal, "start": created.start.astimezone(zone).isoformat(),
                                           "end": created.end.astimezone(zone).isoformat()},
                      calendar=calendar.name, event_id=created.id)


def book(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    return {"follow_up": book_proposal(state["proposal"], runtime.context.calendar)}


def choose_planner(state: SchedulerState, runtime: Runtime[Context]) -> str:
    """The constrained plan (extract_request) for a model that does not call tools, else the agent."""
    return "agent_plan" if runtime.context.settings.scheduler.calls_tools() else "extract_request"


def after_extract(state: SchedulerState) -> str:
    return "plan_slot" if state.get("request") else "__end__"


def after_plan(state: SchedulerState) -> str:
    """To approval when there is a proposal, except a held one (unknown availability, an unconfirmed
    counter-proposal) under ``book=auto``: that one stays proposed."""
    if not state.get("proposal"):
        return "__end__"
    held = (state.get("follow_up") or {}).get("status") == "proposed"
    return "__end__" if held and state.get("book", "ask") == "auto" else "approve"


def after_approve(state: SchedulerState) -> str:
    return "book" if (state.get("decision") or {}).get("action") == "approve" else "__end__"

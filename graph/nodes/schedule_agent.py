"""The scheduling agent for models that call tools well (OpenAI, a strong served model).

The same job as ``extract_request`` + ``plan_slot`` (graph/nodes/schedule.py), done by LangChain's
tool-calling agent with the calendar tools of :class:`tools.scheduling_tools.AgentToolbox`: the model reads
the request lines, resolves the time words with the deterministic resolver, checks calendars, and ends with
``propose_slot`` or ``no_booking``. Its proposal goes through the same approval and booking steps, with the
same deterministic event id, so it books at most once.
"""

from __future__ import annotations

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.errors import GraphRecursionError
from langgraph.runtime import Runtime

from core.dates import parse_datetime
from core.meeting import follow_up_of, no_follow_up
from core.prompts import render
from core.text import fold
from graph.context import Context
from graph.nodes.schedule import SEARCH_AHEAD, SchedulerState
from tools.follow_up_request import recurrence_of, request_candidates
from tools.invitees import invitees

MAX_AGENT_STEPS = 24  # graph steps of the agent (each model turn and each tool round is one)


def alternatives_after(box) -> list[list[str]]:
    """The nearest free slots (an hour, everyone) in the week after the last window the agent resolved."""
    from tools.calendar import UnknownCalendarsError
    from tools.scheduling_tools import find_free_slots

    if not box.windows:
        return []
    _start, end = box.windows[-1]
    try:
        emails, _ = box.invite([])
        later = find_free_slots(box.calendar, emails, timedelta(hours=1), max(end, box.now), max(end, box.now) + SEARCH_AHEAD,
                                working_hours=box.working_hours)
    except UnknownCalendarsError:
        return []
    return [[s.isoformat(), e.isoformat()] for s, e in later]


def until_decided(box):
    """Agent middleware: until the agent has proposed a slot or said why not, every model turn must call a
    tool (``tool_choice="required"``: servers constrain the reply to a tool call, which keeps small models
    on track); once it has, the agent ends without another model call."""
    from langchain.agents.middleware import wrap_model_call

    @wrap_model_call
    def decide_with_tools(request, handler):
        if box.proposal is not None or box.refusal is not None:
            return AIMessage("Proposed." if box.proposal is not None else f"No booking: {box.refusal}")
        return handler(request.override(tool_choice="required"))

    return decide_with_tools


def agent_plan(state: SchedulerState, runtime: Runtime[Context]) -> dict:
    """Let a tool-calling model find and propose the follow-up slot; verify what it proposed."""
    from langchain.agents import create_agent

    from tools.calendar import event_id_for
    from tools.scheduling_tools import AgentToolbox
    from tools.time import resolve

    ctx = runtime.context
    candidates = request_candidates(state.get("segments", []))
    if not candidates:
        return {"request": None, "follow_up": no_follow_up("no follow-up meeting was requested")}
    tz = state["timezone"]
    zone = ZoneInfo(tz)
    lang = state.get("language") if state.get("language") in ("ko", "en") else "en"
    when = parse_datetime(state["meeting_date"], tz)
    participants = state.get("participants", [])
    box = AgentToolbox(
        calendar=ctx.calendar, timezone=tz, now=ctx.clock().astimezone(zone),
        resolve=lambda phrase: resolve(phrase, when, tz, lang),
        invite=lambda names: invitees(names, participants, ctx.settings.calendar.directory, strict=True),
        working_hours=tuple(ctx.settings.calendar.working_hours),
    )
    prompt = render("schedule_agent", "en", meeting_date=when.isoformat(), weekday=when.strftime("%A"), timezone=tz,
                    language={"ko": "Korean", "en": "English"}[lang],
                    participants=", ".join(p["name"] for p in participants) or "(none named)")
    lines = "\n".join(f"{s['speaker']}: {s['text']}" for s in candidates)
    model = ctx.models.chat("scheduler")
    agent = create_agent(model, tools=box.tools(), system_prompt=prompt, middleware=[until_decided(box)],
                         name="scheduling_agent")
    started = time.perf_counter()
    failure = None
    try:
        result = agent.invoke({"messages": [HumanMessage(lines)]}, {"recursion_limit": MAX_AGENT_STEPS})
    except GraphRecursionError:
        result, failure = {"messages": []}, f"the scheduling agent did not finish in {MAX_AGENT_STEPS} steps"
    seconds = time.perf_counter() - started
    replies = [m for m in result["messages"] if isinstance(m, AIMessage)]
    usage = [m.usage_metadata or {} for m in replies]
    sm = ctx.models.stage_model("scheduler")
    ctx.models.meter.record("scheduler", sm.model_id if sm else "?", seconds, sum(u.get("input_tokens", 0) for u in usage),
                            sum(u.get("output_tokens", 0) for u in usage))
    stats = {**ctx.models.stats().get("scheduler", {}), "seconds": round(seconds, 2), "agent_tool_calls": len(box.calls)}
    update = {"warnings": list(box.warnings), "stages": {"scheduler": stats}}

    if box.proposal is None:
        if box.nothing_requested:
            return {**update, "request": None, "follow_up": no_follow_up(box.refusal or "no follow-up meeting was requested")}
        reason = failure or box.refusal or "the scheduling agent proposed no slot"
        return {**update, "request": None, "proposal": None, "follow_up": follow_up_of(
            "failed", reason, {"request_text": candidates[0]["text"], "alternatives": alternatives_after(box)})}
    p = box.proposal
    phrase = p["time_phrase"] if p["time_phrase"] and fold(p["time_phrase"]) in fold(lines) else ""
    segment = next((s for s in candidates if phrase and fold(phrase) in fold(s["text"])), candidates[0])
    title = p["title"] or ("후속 회의" if lang == "ko" else "Follow-up meeting")
    proposal = {"title": title, "start": p["start"], "end": p["end"], "attendees": p["attendees"],
                "request_text": segment["text"], "time_phrase": phrase or segment["text"], "timezone": tz,
                "event_id": event_id_for(state["meeting_id"], f"{segment['id']}|{fold(phrase or segment['text'])}"),
                "calendar": ctx.calendar.name, "alternatives": [], "recurrence": recurrence_of(segment["text"], lang)}
    request = {"title": title, "time_phrase": proposal["time_phrase"], "attendees": p["attendees"],
               "segment_id": segment["id"], "text": segment["text"], "planner": "agent"}
    return {**update, "request": request, "proposal": proposal}

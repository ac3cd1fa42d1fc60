"""The whole shape of Minutes in one screen.

    ingest ─┬─ (audio) ─> transcribe ─┐
            └─ (transcript) ──────────┴─> segment ─> route ─┬─> summarize ──┬─> remember ─> report
                                                            └─> schedule* ──┘
    * schedule is a subgraph:  ┬─ extract_request ─> plan_slot ─┬─> approve (interrupt when book=ask or held) ─> book
                               └─ agent_plan (tool-calling) ────┘
      the constrained plan for the small local model; the tool-calling agent for a model that calls tools

Nodes live in graph/nodes/ (state in, update out); the run-time context (models, calendar, memory,
clock) is graph/context.py; the state and its reducers are graph/state.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph

from graph.context import Context
from graph.nodes.ingest import ingest
from graph.nodes.remember import remember
from graph.nodes.report import report
from graph.nodes.route import route
from graph.nodes.schedule import (
    SchedulerInput,
    SchedulerOutput,
    SchedulerState,
    after_approve,
    after_extract,
    after_plan,
    approve,
    book,
    choose_planner,
    extract_request,
    plan_slot,
)
from graph.nodes.schedule_agent import agent_plan
from graph.nodes.segment import segment
from graph.nodes.summarize import summarize
from graph.nodes.transcribe import transcribe
from graph.state import MeetingInput, MeetingOutput, MeetingState


def build_scheduler(checkpointer: BaseCheckpointSaver | bool | None = None):
    """The scheduling agent as a graph of its own (used inside the meeting graph and alone from chat)."""
    g = StateGraph(SchedulerState, context_schema=Context, input_schema=SchedulerInput, output_schema=SchedulerOutput)
    g.add_node("extract_request", extract_request)
    g.add_node("plan_slot", plan_slot)
    g.add_node("agent_plan", agent_plan)
    g.add_node("approve", approve)
    g.add_node("book", book)
    g.add_conditional_edges(START, choose_planner, ["extract_request", "agent_plan"])
    g.add_conditional_edges("extract_request", after_extract, ["plan_slot", END])
    g.add_conditional_edges("plan_slot", after_plan, ["approve", END])
    g.add_conditional_edges("agent_plan", after_plan, ["approve", END])
    g.add_conditional_edges("approve", after_approve, ["book", "approve", END])  # asks again after defer
    g.add_edge("book", END)
    return g.compile(checkpointer=checkpointer, name="scheduler")


def after_ingest(state: MeetingState) -> str:
    return "transcribe" if state.get("kind") == "audio" else "segment"


def build_graph(checkpointer: BaseCheckpointSaver | None = None):
    """The meeting graph, compiled. Invoke with a ``MeetingInput`` and ``context=Context(...)``."""
    g = StateGraph(MeetingState, context_schema=Context, input_schema=MeetingInput, output_schema=MeetingOutput)
    g.add_node("ingest", ingest)
    g.add_node("transcribe", transcribe)
    g.add_node("segment", segment)
    g.add_node("route", route)
    g.add_node("summarize", summarize)
    g.add_node("schedule", build_scheduler())
    g.add_node("remember", remember)
    g.add_node("report", report)
    g.add_edge(START, "ingest")
    g.add_conditional_edges("ingest", after_ingest, ["transcribe", "segment"])
    g.add_edge("transcribe", "segment")
    g.add_edge("segment", "route")
    g.add_edge("route", "summarize")  # the two branches run in parallel
    g.add_edge("route", "schedule")
    g.add_edge(["summarize", "schedule"], "remember")
    g.add_edge("remember", "report")
    g.add_edge("report", END)
    return g.compile(checkpointer=checkpointer, name="minutes")


def sqlite_checkpointer(path: Path):
    """A SQLite checkpointer at ``path`` (keyed by thread id = meeting run id)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    return SqliteSaver(conn)


# `langgraph dev` (langgraph.json) serves this module-level graph; its platform supplies the checkpointer and
# builds the context from the run's plain `context` JSON (graph/context.py: Context(**{}) reads the settings).
graph = build_graph()

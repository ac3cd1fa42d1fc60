"""The chat assistant: answers from meeting memory with citations, in the user's language.

Two ways to run, one set of tools:
- ``grounded`` (the default for the small local model): a small graph picks the tool by plain rules
  (open action items, mark done, schedule, or search), and the model only writes the answer from the
  retrieved passages; citations are added by code. When retrieval finds nothing relevant, it says so.
  The answer field is streamed as the model writes it (a custom stream event per piece).
- ``agent`` (a model that calls tools well: OpenAI or a strong served model): LangChain's tool-calling
  agent with the same tools; booking pauses for approval (a LangGraph interrupt).
Conversation state persists per thread in the SQLite checkpointer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from core.dates import hms
from core.llm import partial_json
from core.prompts import render
from core.text import script_language
from graph.builder import build_scheduler
from graph.context import Context
from graph.nodes.ingest import prepare_input
from graph.runner import default_meeting_date, open_runner
from vectorstore.store import make_search_tool

MIN_RELEVANCE = 0.3  # cosine similarity below which a retrieved passage does not count as an answer
NOT_FOUND = {"en": "I couldn't find that in the stored meetings.", "ko": "저장된 회의록에서 찾지 못했습니다."}


def user_language(text: str) -> str:
    """The language to answer in: Korean for a question with Hangul, else English."""
    return script_language(text)


def _clock(seconds: float | None) -> str:
    return "" if seconds is None else f" {hms(seconds)}"


def citation(hit: dict) -> str:
    """'Title (2026-11-26 0:01:23)': what a claim from memory points to."""
    return f"{hit.get('title') or hit['meeting_id']} ({hit.get('date') or '?'}{_clock(hit.get('start'))})"


# ---------------------------------------------------------------------------------------------- tools
def make_tools(ctx: Context) -> list:
    """The assistant's tools, bound to one run-time context (memory, calendar, models, clock)."""
    store = ctx.store

    @tool
    def list_open_actions(owner: str | None = None, due_before: str | None = None) -> list[dict]:
        """Open action items across meetings, soonest due first.

        Args:
            owner: only this person's items (a name or first name).
            due_before: only items due before this date, YYYY-MM-DD.
        """
        return store.open_action_items(owner=owner, due_before=date.fromisoformat(due_before) if due_before else None)

    @tool
    def show_meeting(meeting_id: str) -> dict:
        """One meeting's minutes: title, date, participants, summary, decisions, action items, follow-up."""
        m = store.get_meeting(meeting_id)
        if m is None:
            return {"error": f"no meeting {meeting_id}"}
        return {k: m[k] for k in ("meeting_id", "meeting_date", "participants", "minutes", "follow_up")}

    @tool
    def mark_action_done(meeting_id: str, index: int) -> str:
        """Mark action item number ``index`` (0-based, as listed) of a meeting as done."""
        ok = store.set_action_status(meeting_id, index, "done")
        return "marked done" if ok else f"no action item {index} in meeting {meeting_id}"

    @tool
    def process_recording(path: str, timezone: str | None = None) -> dict:
        """Process a new recording or transcript file into minutes (nothing is booked without approval)."""
        tz = timezone or ctx.settings.resolved_timezone()
        inp = prepare_input(path, meeting_date=default_meeting_date(Path(path), tz), timezone=tz, book="never")
        with open_runner(ctx.settings, ctx) as runner:
            m = runner.run(inp).meeting
        return {"meeting_id": m["meeting_id"], "title": m["minutes"]["title"], "summary": m["minutes"]["summary"],
                "follow_up": m["follow_up"]}

    @tool
    def schedule_meeting(request: str, attendees: list[str]) -> dict:
        """Find a slot free for every attendee and book it after the user approves.

        Args:
            request: the request in the user's words, e.g. "next Tuesday afternoon for an hour".
            attendees: email addresses of the people to invite.
        """
        tz = ctx.settings.resolved_timezone()
        now = ctx.clock().astimezone(ZoneInfo(tz))
        people = [{"name": e.split("@")[0], "email": e} for e in attendees]
        seg = {"id": "c0001", "start": 0.0, "end": 1.0, "speaker": "user", "text": request, "label": "scheduling"}
        out = build_scheduler().invoke({"meeting_id": f"chat-{now:%Y%m%d}", "meeting_date": now.isoformat(),
                                        "timezone": tz, "language": user_language(request), "segments": [seg],
                                        "participants": people, "book": "ask"}, context=ctx)
        return dict(out.get("follow_up") or {"status": "proposed", **(out.get("proposal") or {})})

    return [make_search_tool(store), list_open_actions, show_meeting, mark_action_done, process_recording, schedule_meeting]


# ---------------------------------------------------------------------------------------------- grounded mode
class GroundedAnswer(BaseModel):
    found: bool = Field(description="false when the passages do not answer the question")
    answer: str


_ACTIONS = re.compile(r"action items?|to-?dos?|open items|할 ?일|액션 ?아이템|담당", re.I)
_DONE = re.compile(r"\b(mark|set)\b.*\bdone\b|완료(로| 처리)", re.I)


class ChatState(MessagesState):
    citations: list[str]


def answer_from_memory(state: ChatState, runtime: Runtime[Context]) -> dict:
    """Search memory, then let the model answer only from the passages; code adds the citations."""
    ctx = runtime.context
    question = str(state["messages"][-1].content)
    lang = user_language(question)
    if _ACTIONS.search(question) and not _DONE.search(question):
        items = ctx.store.open_action_items()
        if not items:
            return {"messages": [AIMessage("열린 할 일이 없습니다." if lang == "ko" else "There are no open action items.")], "citations": []}
        lines = [f"- {a.get('owner') or '—'}: {a['task']} (due {a.get('due') or '—'}) — {a.get('title')} ({a.get('date')})" for a in items]
        return {"messages": [AIMessage("\n".join(lines))], "citations": sorted({f"{a.get('title')} ({a.get('date')})" for a in items})}
    vector = ctx.store.search(question, k=5, mode="vector")
    if not vector or vector[0].score < MIN_RELEVANCE:
        return {"messages": [AIMessage(NOT_FOUND[lang])], "citations": []}
    hits = [h for h in ctx.store.search(question, k=5, mode="hybrid")]
    rows = [{"meeting_id": h.meeting_id, "title": h.metadata.get("title"), "date": h.metadata.get("date"),
             "start": h.metadata.get("start"), "speaker": h.metadata.get("speaker") or h.metadata.get("owner"), "text": h.text} for h in hits]
    passages = "\n".join(f"[{i + 1}] {citation(r)} {r['speaker'] or ''}: {r['text']}" for i, r in enumerate(rows))
    history = [m for m in state["messages"][-7:-1] if isinstance(m, (HumanMessage, AIMessage))]
    result = ctx.models.structured("chat", GroundedAnswer, [SystemMessage(render("chat_answer", lang, passages=passages)),
                                                            *history, HumanMessage(question)], language=lang,
                                   on_text=answer_streamer(get_stream_writer()))
    if not result.found:
        return {"messages": [AIMessage(NOT_FOUND[lang])], "citations": []}
    used = sorted({int(n) for n in re.findall(r"\[(\d+)\]", result.answer) if 0 < int(n) <= len(rows)}) or [1]
    sources = [f"[{n}] {citation(rows[n - 1])}" for n in used]
    label = "출처" if lang == "ko" else "Sources"
    return {"messages": [AIMessage(f"{result.answer}\n\n{label}: " + "; ".join(sources))], "citations": sources}


def answer_streamer(write) -> Callable[[str], None]:
    """Turns the streamed JSON reply into ``{"token": piece}`` events of its ``answer`` field, once the
    model has said ``found: true``. A restarted reply (repair or language retry) that rewrites what was
    already shown streams nothing more; the final message has the whole answer."""
    shown = ""

    def on_text(text: str) -> None:
        nonlocal shown
        reply = partial_json(text) or {}
        answer = reply.get("answer")
        if reply.get("found") is not True or not isinstance(answer, str):
            return
        if answer.startswith(shown) and len(answer) > len(shown):
            write({"token": answer[len(shown):]})
            shown = answer

    return on_text


def build_grounded_chat(checkpointer=None):
    g = StateGraph(ChatState, context_schema=Context)
    g.add_node("answer_from_memory", answer_from_memory)
    g.add_edge(START, "answer_from_memory")
    g.add_edge("answer_from_memory", END)
    return g.compile(checkpointer=checkpointer, name="chat")


def build_agent_chat(ctx: Context, checkpointer=None):
    """LangChain's tool-calling agent over the same tools, for models that call tools reliably."""
    tz = ctx.settings.resolved_timezone()
    today = ctx.clock().astimezone(ZoneInfo(tz)).date().isoformat()
    return create_agent(ctx.models.chat("chat"), tools=make_tools(ctx), checkpointer=checkpointer,
                        system_prompt=render("chat_agent", "en", today=today, timezone=tz))


def chat_mode(ctx: Context) -> str:
    return "agent" if ctx.settings.chat.calls_tools() else "grounded"


def build_chat(ctx: Context, checkpointer=None):
    return build_grounded_chat(checkpointer) if chat_mode(ctx) == "grounded" else build_agent_chat(ctx, checkpointer)


def answer(ctx: Context, question: str, thread_id: str = "default", checkpointer=None) -> AIMessage:
    """One question, one answer (the thread keeps the conversation)."""
    graph = build_chat(ctx, checkpointer)
    out = graph.invoke({"messages": [HumanMessage(question)]}, {"configurable": {"thread_id": thread_id}}, context=ctx)
    return out["messages"][-1]


def answer_stream(ctx: Context, question: str, thread_id: str = "default", checkpointer=None) -> Iterator[tuple[str, str]]:
    """Stream ("token", text) pieces and ("tool", name) steps as they happen, then ("final", answer).

    The tokens always add up to a prefix of the final answer when they can: what the answer adds after the
    streamed text (the grounded mode's sources line) comes as one more token. Only when the model rewrote
    its reply (a repair or language retry) do the tokens differ from ``final``; callers then show ``final``.
    """
    graph = build_chat(ctx, checkpointer)
    final: BaseMessage | None = None
    streamed = ""
    for mode, data in graph.stream({"messages": [HumanMessage(question)]}, {"configurable": {"thread_id": thread_id}},
                                   context=ctx, stream_mode=["messages", "updates", "custom"]):
        piece = ""
        if mode == "custom":
            piece = str(data.get("token") or "") if isinstance(data, dict) else ""
        elif mode == "messages":
            msg, _meta = data
            if isinstance(msg, AIMessageChunk) and msg.content and chat_mode(ctx) == "agent":
                piece = str(msg.content)
        else:
            for node, update in data.items():
                if node == "tools":
                    for m in (update or {}).get("messages", []):
                        yield "tool", getattr(m, "name", "tool")
                for m in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                    if isinstance(m, AIMessage) and not m.tool_calls:
                        final = m
        if piece:
            streamed += piece
            yield "token", piece
    text = str(final.content) if final else ""
    if streamed and text.startswith(streamed) and len(text) > len(streamed):
        yield "token", text[len(streamed):]
    yield "final", text

"""Running a meeting through the graph: thread ids, resume, approval, results served from the checkpoint.

One thread per (meeting, processing options): the meeting id comes from the input's content hash, and
the options (date, zone, language, attendees, stage models) are hashed beside it, so the same request
is never processed twice while a changed one is. A finished thread is returned as it is (no model call);
an interrupted one resumes at the node that was running; one waiting for approval returns its proposal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from langgraph.types import Command

from core.cache import cache_key
from core.errors import InputError
from core.meeting import BookingDecision, Proposal
from core.meeting_files import load_meeting, remember_thread, thread_of
from core.settings import Settings
from graph.builder import build_graph, sqlite_checkpointer
from graph.context import Context
from graph.state import MeetingInput

Status = Literal["done", "awaiting_approval"]


@dataclass
class RunResult:
    thread_id: str
    status: Status
    meeting: dict[str, Any]
    from_cache: bool = False  # the finished run was served from the checkpoint: no stage ran
    resumed: bool = False  # an interrupted run was continued
    proposal: Proposal | None = None  # when awaiting approval
    nodes_run: list[str] = field(default_factory=list)


def thread_id_for(inp: MeetingInput, settings: Settings) -> str:
    """``<meeting id>-<options hash>``: same file + same options -> same thread."""
    options = {k: v for k, v in inp.items() if k not in ("source", "meeting_id", "book", "out_dir")}
    models = {name: getattr(settings, name).model_dump(mode="json") for name in ("asr", "router", "summarizer", "scheduler", "embeddings")}
    return f"{inp['meeting_id']}-{cache_key(options, models, settings.output_language)[:10]}"


@contextmanager
def open_runner(settings: Settings, context: Context | None = None) -> Iterator[MeetingRunner]:
    checkpointer = sqlite_checkpointer(settings.path("checkpoints.sqlite"))
    try:
        yield MeetingRunner(settings, checkpointer, context)
    finally:
        checkpointer.conn.close()


class MeetingRunner:
    def __init__(self, settings: Settings, checkpointer, context: Context | None = None):
        self.settings = settings
        self.graph = build_graph(checkpointer)
        self.context = context or Context.from_settings(settings)

    def _config(self, thread_id: str) -> dict:
        return {"configurable": {"thread_id": thread_id}}

    def _stream(self, payload: Any, thread_id: str, on_node: Callable[[str], None] | None) -> list[str]:
        ran = []
        for chunk in self.graph.stream(payload, self._config(thread_id), context=self.context, stream_mode="updates", subgraphs=True):
            namespace, update = chunk
            for node in update:
                if node.startswith("__"):  # __interrupt__, __metadata__
                    continue
                name = f"{namespace[0].split(':')[0]}.{node}" if namespace else node
                ran.append(name)
                if on_node:
                    on_node(name)
        return ran

    def _result(self, thread_id: str, ran: list[str], *, from_cache: bool = False, resumed: bool = False) -> RunResult:
        snapshot = self.graph.get_state(self._config(thread_id), subgraphs=True)
        pending = [i.value for i in snapshot.interrupts] if snapshot.interrupts else []
        if not pending:  # interrupts raised inside the scheduler subgraph
            for task in snapshot.tasks:
                pending += [i.value for i in task.interrupts]
        values = dict(snapshot.values)
        if values.get("meeting_id"):
            remember_thread(self.settings, values["meeting_id"], thread_id)
        if pending:
            return RunResult(thread_id, "awaiting_approval", _with_finished_tasks(values, snapshot.tasks), from_cache=from_cache,
                             resumed=resumed, proposal=pending[0].get("proposal"), nodes_run=ran)
        return RunResult(thread_id, "done", values, from_cache=from_cache, resumed=resumed, nodes_run=ran)

    def thread_of(self, meeting_id: str) -> str | None:
        """The graph thread of the meeting's last run, or None."""
        return thread_of(self.settings, meeting_id)

    def pending(self, meeting_id: str) -> RunResult | None:
        """The meeting's run when it waits for approval, else None."""
        thread = self.thread_of(meeting_id)
        if thread is None:
            return None
        result = self._result(thread, [])
        return result if result.status == "awaiting_approval" else None

    def run(self, inp: MeetingInput, *, fresh: bool = False, on_node: Callable[[str], None] | None = None) -> RunResult:
        """Process ``inp``: serve a finished run, resume an interrupted one, or start a new one.

        ``fresh`` (``--no-cache``) starts a new thread whatever exists.
        """
        thread_id = thread_id_for(inp, self.settings)
        if fresh:
            thread_id = f"{thread_id}-{uuid.uuid4().hex[:6]}"
        snapshot = self.graph.get_state(self._config(thread_id))
        if snapshot.values and not snapshot.next:
            return self._result(thread_id, [], from_cache=True)
        if snapshot.next:
            has_interrupt = bool(snapshot.interrupts) or any(t.interrupts for t in snapshot.tasks)
            if has_interrupt:
                return self._result(thread_id, [], resumed=True)
            return self._result(thread_id, self._stream(None, thread_id, on_node), resumed=True)
        return self._result(thread_id, self._stream(inp, thread_id, on_node))

    def decide(self, thread_id: str, decision: BookingDecision | dict,
               on_node: Callable[[str], None] | None = None) -> RunResult:
        """Answer a pending approval by resuming the graph's interrupt (``Command(resume=...)``): the one path
        the CLI, the API and the web page use. ``decision`` is validated here (:meth:`BookingDecision.parse`,
        an edited start without an offset read in the meeting's zone); ``defer`` leaves it waiting.
        Returns the run, still ``awaiting_approval`` when an edited start was refused (see ``proposal``)."""
        current = self._result(thread_id, [])
        if current.status != "awaiting_approval":
            raise InputError(f"thread {thread_id} is not waiting for approval", hint="only a proposed booking can be decided")
        checked = BookingDecision.parse(decision, current.meeting.get("timezone") or self.settings.resolved_timezone())
        if checked.action == "defer":
            return current
        return self._result(thread_id, self._stream(Command(resume=checked.model_dump()), thread_id, on_node))


def _with_finished_tasks(values: dict, tasks: tuple) -> dict:
    """The state of a paused run plus what its finished parallel branches wrote (e.g. the minutes, written
    while the scheduler waits for approval), so the caller can show them before the run ends."""
    merged = dict(values)
    for task in tasks:
        result = getattr(task, "result", None)
        if not isinstance(result, dict):
            continue
        for key, value in result.items():
            if key == "warnings":
                merged["warnings"] = [*merged.get("warnings", []), *value]
            elif key == "stages":
                merged["stages"] = {**merged.get("stages", {}), **value}
            else:
                merged[key] = value
    return merged


__all__ = ["MeetingRunner", "RunResult", "default_meeting_date", "load_meeting", "open_runner", "thread_id_for"]


def default_meeting_date(path: Path, tz: str) -> str:
    """When no date is given: the file's modification time (for a recording, about when it ended)."""
    return datetime.fromtimestamp(path.stat().st_mtime, ZoneInfo(tz)).replace(microsecond=0).isoformat()

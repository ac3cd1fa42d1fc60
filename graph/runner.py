"""Running a meeting through the graph: thread ids, resume, approval, results served from the checkpoint.

One thread per (meeting, processing options): the meeting id comes from the input's content hash, and
the options (date, zone, language, attendees, stage models) are hashed beside it, so the same request
is never processed twice while a changed one is. A finished thread is returned as it is (no model call);
an interrupted one resumes at the node that was running; one waiting for approval returns its proposal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langgraph.types import Command

from core.cache import cache_key
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
    proposal: dict | None = None  # when awaiting approval
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

    def _result(self, thread_id: str, ran: list[str], **flags: bool) -> RunResult:
        snapshot = self.graph.get_state(self._config(thread_id), subgraphs=True)
        pending = [i.value for i in snapshot.interrupts] if snapshot.interrupts else []
        if not pending:  # interrupts raised inside the scheduler subgraph
            for task in snapshot.tasks:
                pending += [i.value for i in task.interrupts]
        values = dict(snapshot.values)
        if pending:
            return RunResult(thread_id, "awaiting_approval", values, proposal=pending[0].get("proposal"), nodes_run=ran, **flags)
        self._remember_thread(values.get("meeting_id"), thread_id)
        return RunResult(thread_id, "done", values, nodes_run=ran, **flags)

    def _remember_thread(self, meeting_id: str | None, thread_id: str) -> None:
        if meeting_id:
            d = self.settings.path("meetings", meeting_id)
            d.mkdir(parents=True, exist_ok=True)
            (d / "thread").write_text(thread_id)

    def thread_of(self, meeting_id: str) -> str | None:
        f = self.settings.path("meetings", meeting_id, "thread")
        return f.read_text().strip() if f.is_file() else None

    def run(self, inp: MeetingInput, *, fresh: bool = False, on_node: Callable[[str], None] | None = None) -> RunResult:
        """Process ``inp``: serve a finished run, resume an interrupted one, or start a new one.

        ``fresh`` (``--no-cache``) starts a new thread whatever exists.
        """
        thread_id = thread_id_for(inp, self.settings)
        if fresh:
            import uuid

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

    def decide(self, thread_id: str, decision: dict, on_node: Callable[[str], None] | None = None) -> RunResult:
        """Answer a pending approval: {"action": "approve" | "reject" | "defer" | "edit", "start": ISO (edit)}."""
        return self._result(thread_id, self._stream(Command(resume=decision), thread_id, on_node))

    def record_follow_up(self, thread_id: str, follow_up: dict) -> None:
        """Write a later booking (``minutes approve``) back into the finished thread's state."""
        self.graph.update_state(self._config(thread_id), {"follow_up": follow_up}, as_node="report")


def load_meeting(settings: Settings, meeting_id: str) -> dict | None:
    path = settings.path("meetings", meeting_id, "minutes.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def default_meeting_date(path: Path, tz: str) -> str:
    """When no date is given: the file's modification time (for a recording, about when it ended)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(path.stat().st_mtime, ZoneInfo(tz)).replace(microsecond=0).isoformat()

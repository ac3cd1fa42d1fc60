"""Remember: store the meeting (segments, summary, decisions, action items) in Chroma for later recall."""

from __future__ import annotations

from langgraph.runtime import Runtime

from core.metrics import timed_stage
from graph.context import Context
from graph.nodes.report import meeting_record
from graph.state import MeetingState


def remember(state: MeetingState, runtime: Runtime[Context]) -> dict:
    store = runtime.context.store
    if store is None:
        return {"warnings": ["memory is off: this meeting was not stored"]}
    timer = timed_stage()
    count = store.upsert_meeting(meeting_record(state))
    stats = timer.stats(model=runtime.context.settings.embeddings.model, calls=1, cache_hits=0, tokens_in=0, tokens_out=count)
    return {"stages": {"memory": stats}}

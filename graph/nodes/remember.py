"""Remember: store the meeting (segments, summary, decisions, action items) in Chroma for later recall."""

from __future__ import annotations

import time

from langgraph.runtime import Runtime

from graph.context import Context
from graph.nodes.report import meeting_record
from graph.state import MeetingState


def remember(state: MeetingState, runtime: Runtime[Context]) -> dict:
    store = runtime.context.store
    if store is None:
        return {"warnings": ["memory is off: this meeting was not stored"]}
    started = time.perf_counter()
    count = store.upsert_meeting(meeting_record(state))
    stats = {"model": runtime.context.settings.embeddings.model, "seconds": round(time.perf_counter() - started, 2),
             "calls": 1, "cache_hits": 0, "tokens_in": 0, "tokens_out": count}
    return {"stages": {"memory": stats}}

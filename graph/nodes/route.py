"""Route: label every segment content / decision / action / scheduling / small_talk, in one batch.

Default: the embedding classifier trained on the bilingual set in tools/router_data (faster and more
accurate than the small local LLM). ``router.provider = "llm"`` asks the configured LLM instead.
"""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from core.meeting import LABELS, Label
from core.metrics import timed_stage
from graph.context import Context
from graph.state import MeetingState


class SegmentLabels(BaseModel):
    labels: list[Label] = Field(description="one label per numbered line, in order")


def classify_with_llm(texts: list[str], ctx: Context) -> list[str]:
    from langchain_core.messages import HumanMessage, SystemMessage

    from core.prompts import render

    numbered = "\n".join(f"{i + 1}. {t}" for i, t in enumerate(texts))
    result = ctx.models.structured("router", SegmentLabels, [
        SystemMessage(render("route", "en", labels=", ".join(LABELS))), HumanMessage(numbered)])
    labels = list(result.labels)[: len(texts)]
    return labels + ["content"] * (len(texts) - len(labels))


def route(state: MeetingState, runtime: Runtime[Context]) -> dict:
    ctx = runtime.context
    segments = [dict(s) for s in state.get("segments", [])]
    if not segments:
        return {"segments": segments}
    texts = [s["text"] for s in segments]
    timer = timed_stage()
    if ctx.settings.router.provider == "llm":
        labels = classify_with_llm(texts, ctx)
        model = ctx.settings.router.llm.model
    else:
        from tools.segment_classifier import default_classifier

        labels = [label for label, _ in default_classifier(ctx.settings).predict(texts)]
        model = f"classifier:{ctx.settings.embeddings.model}"
    for seg, label in zip(segments, labels):
        seg["label"] = label
    stats = timer.stats(model=model, calls=1, cache_hits=0, tokens_in=0, tokens_out=0)
    return {"segments": segments, "stages": {"router": stats}}

"""Summarize: minutes with decisions and action items, each citing the segments it came from.

The model writes prose and quotes phrases; code does the rest: owners are matched to participants and
checked against the cited lines, due phrases are resolved to dates by the time resolver, items that
their citations do not support are dropped (with a warning). Meetings longer than the stage's context
are summarized chunk by chunk (counted in the model's own tokens) and merged.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from core.meeting import ActionItem, Decision, MinutesRecord, Participant, Segment
from core.prompts import render
from graph.context import Context
from graph.state import MeetingState
from tools import grounding

MIN_SUPPORT = 0.25  # share of an item's content words that its cited lines must contain
CHUNK_OVERLAP = 2  # segments repeated between neighbouring chunks
PROMPT_RESERVE = 700  # tokens for the instructions and schema around the transcript


class DraftDecision(BaseModel):
    text: str
    segment_ids: list[str] = Field(default_factory=list)


class DraftAction(BaseModel):
    owner: str | None = Field(default=None, description="a participant's name, or null")
    task: str
    due_phrase: str | None = Field(default=None, description="deadline words quoted exactly, or null")
    segment_ids: list[str] = Field(default_factory=list)


class DraftMinutes(BaseModel):
    title: str
    summary: str
    key_points: list[str] = Field(default_factory=list)
    decisions: list[DraftDecision] = Field(default_factory=list)
    action_items: list[DraftAction] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)


class CombinedSummary(BaseModel):
    title: str
    summary: str
    key_points: list[str] = Field(default_factory=list)


def transcript_lines(segments: list[Segment]) -> list[str]:
    return [f"[{s['id']}] {s['speaker']}: {s['text']}" for s in segments]


def chunk_segments(segments: list[Segment], budget: int, count_tokens) -> list[list[Segment]]:
    """Split into chunks whose transcript fits ``budget`` tokens, neighbours sharing CHUNK_OVERLAP segments."""
    sizes = [count_tokens(line) + 1 for line in transcript_lines(segments)]
    if sum(sizes) <= budget:
        return [segments]
    chunks, start = [], 0
    while start < len(segments):
        end, used = start, 0
        while end < len(segments) and (used + sizes[end] <= budget or end == start):
            used += sizes[end]
            end += 1
        chunks.append(segments[start:end])
        if end >= len(segments):
            break
        start = max(end - CHUNK_OVERLAP, start + 1)
    return chunks


def merge_drafts(drafts: list[DraftMinutes]) -> DraftMinutes:
    """Union of the chunks' items; near-duplicates (e.g. from overlapping segments) merge their citations."""
    merged = DraftMinutes(title=drafts[0].title, summary=" ".join(d.summary for d in drafts))
    for d in drafts:
        merged.key_points += [k for k in d.key_points if not any(grounding.similar(k, m) for m in merged.key_points)]
        merged.open_questions += [q for q in d.open_questions if not any(grounding.similar(q, m) for m in merged.open_questions)]
        for dec in d.decisions:
            twin = next((m for m in merged.decisions if grounding.similar(dec.text, m.text)), None)
            if twin:
                twin.segment_ids = sorted(set(twin.segment_ids) | set(dec.segment_ids))
            else:
                merged.decisions.append(dec.model_copy())
        for act in d.action_items:
            twin = next((m for m in merged.action_items if grounding.similar(act.task, m.task)), None)
            if twin:
                twin.segment_ids = sorted(set(twin.segment_ids) | set(act.segment_ids))
                twin.owner = twin.owner or act.owner
                twin.due_phrase = twin.due_phrase or act.due_phrase
            else:
                merged.action_items.append(act.model_copy())
    return merged


def _cite(claim: str, ids: list[str], by_id: dict[str, Segment], pool: list[Segment]) -> list[Segment] | None:
    """The cited segments when they support ``claim``; else the best supporting ones; None if none do."""
    cited = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
    if cited and grounding.support(claim, [s["text"] for s in cited]) >= MIN_SUPPORT:
        return cited
    better = [by_id[i] for i in grounding.best_supporting(claim, pool)]
    if better and grounding.support(claim, [s["text"] for s in better]) >= MIN_SUPPORT:
        return better
    return None


def find_due_phrase(text: str, lang: str) -> str | None:
    """A deadline phrase in a line when the model quoted none: "by …" / "…까지" / "before …"."""
    import re

    m = re.search(r"\b(?:by|before|until|no later than)\s+((?:the\s+)?(?:end of\s+)?(?:this|next)?\s*[A-Za-z0-9/ ]{2,24}?)(?=[.,;!?]|$)", text, re.I) if lang != "ko" else None
    if m:
        return m.group(0).strip()
    m = re.search(r"((?:이번|다음|다다음)\s*주\s*)?[가-힣0-9\s]{0,10}?(?:요일|일|말|내일|모레|오늘)\s*까지", text)
    return m.group(0).strip() if m else None


def ground_minutes(draft: DraftMinutes, segments: list[Segment], participants: list[Participant],
                   meeting_date: datetime, tz: str, lang: str) -> tuple[MinutesRecord, list[str]]:
    """Turn the model's draft into checked minutes; returns (minutes, warnings)."""
    from tools.time_resolver import due_date

    warnings: list[str] = []
    pool = [s for s in segments if s.get("label") != "small_talk"]
    by_id = {s["id"]: s for s in pool}
    decisions: list[Decision] = []
    for d in draft.decisions:
        cited = _cite(d.text, d.segment_ids, by_id, pool)
        if cited is None:
            warnings.append(f"dropped a decision its transcript lines do not support: {d.text!r}")
            continue
        decisions.append(Decision(text=d.text.strip(), segment_ids=[s["id"] for s in cited]))
    actions: list[ActionItem] = []
    for a in draft.action_items:
        cited = _cite(a.task, a.segment_ids, by_id, pool)
        if cited is None:
            warnings.append(f"dropped an action item its transcript lines do not support: {a.task!r}")
            continue
        owner, supported = grounding.resolve_owner(a.owner, cited, participants)
        if a.owner and not supported:
            warnings.append(f"owner {a.owner!r} of {a.task!r} is not supported by the cited lines; set to {owner!r}")
        cited_text = " ".join(s["text"] for s in cited)
        phrase = a.due_phrase if a.due_phrase and grounding.support(a.due_phrase, [cited_text]) >= 0.5 else None
        phrase = phrase or find_due_phrase(cited_text, lang)
        due = due_date(phrase, meeting_date, tz, lang) if phrase else None
        actions.append(ActionItem(owner=owner, task=a.task.strip(), due=due.isoformat() if due else None,
                                  due_phrase=phrase, status="open", segment_ids=[s["id"] for s in cited]))
    record = MinutesRecord(title=draft.title.strip(), language=lang, summary=draft.summary.strip(),
                           key_points=[k.strip() for k in draft.key_points if k.strip()], decisions=decisions,
                           action_items=actions, open_questions=[q.strip() for q in draft.open_questions if q.strip()],
                           previous_actions=[])
    return record, warnings


def follow_ups_from_memory(ctx: Context, segments: list[Segment], participants: list[Participant], meeting_id: str) -> list[dict]:
    """Open action items of earlier meetings with these participants, and whether this meeting mentions them."""
    store = ctx.store
    if store is None:
        return []
    names = {p["name"] for p in participants}
    earlier = [a for a in store.open_action_items() if a.get("meeting_id") != meeting_id
               and (a.get("owner") in names or not a.get("owner"))]
    if not earlier or not segments:
        return []
    from core.embeddings import get_embedder

    embedder = get_embedder(ctx.settings.embeddings)
    seg_vecs = embedder.embed([s["text"] for s in segments])
    task_vecs = embedder.embed([a["task"] for a in earlier])
    out = []
    for item, vec in zip(earlier, task_vecs):
        scores = seg_vecs @ vec
        best = int(scores.argmax())
        mentioned = float(scores[best]) >= 0.5
        status = "done" if mentioned and grounding.mentions_done(segments[best]["text"]) else "open"
        out.append({"task": item["task"], "owner": item.get("owner"), "meeting_id": item.get("meeting_id"),
                    "status": status, "mentioned": mentioned, "segment_ids": [segments[best]["id"]] if mentioned else []})
    return out


def draft_minutes(ctx: Context, segments: list[Segment], participants: list[Participant], when: datetime, lang: str) -> DraftMinutes:
    """One model call for a short meeting; map over chunks and reduce for a long one."""
    stage = ctx.settings.summarizer
    who = ", ".join(p["name"] for p in participants) or "unknown"
    system = render("summarize", lang, meeting_date=when.date().isoformat(), weekday=when.strftime("%A"), participants=who)
    lines = transcript_lines(segments)
    system_tokens, *line_tokens = ctx.models.count_tokens_each("summarizer", [system, *lines])  # one /tokenize call
    budget = stage.context_size - stage.max_tokens - system_tokens - PROMPT_RESERVE
    chunks = chunk_segments(segments, max(budget, 256), dict(zip(lines, line_tokens)).__getitem__)
    drafts = [ctx.models.structured("summarizer", DraftMinutes,
                                    [SystemMessage(system), HumanMessage("\n".join(transcript_lines(chunk)))], language=lang)
              for chunk in chunks]
    draft = merge_drafts(drafts)
    if len(drafts) > 1:
        parts = "\n\n".join(f"Part {i + 1}: {d.summary}\n" + "\n".join(f"- {k}" for k in d.key_points) for i, d in enumerate(drafts))
        combined = ctx.models.structured("summarizer", CombinedSummary, [
            SystemMessage(render("summarize_reduce", lang, meeting_date=when.date().isoformat())), HumanMessage(parts)], language=lang)
        draft.title, draft.summary, draft.key_points = combined.title, combined.summary, combined.key_points or draft.key_points
    return draft


def summarize(state: MeetingState, runtime: Runtime[Context]) -> dict:
    ctx = runtime.context
    started = time.perf_counter()
    lang = ctx.settings.output_language or state.get("language") or "en"
    if lang not in ("ko", "en"):
        lang = "en"
    tz = state["timezone"]
    when = datetime.fromisoformat(state["meeting_date"]).astimezone(ZoneInfo(tz))
    segments = state.get("segments", [])
    participants = state.get("participants", [])
    spoken = [s for s in segments if s.get("label") != "small_talk"]
    if not spoken:
        empty = MinutesRecord(title="", language=lang, summary="", key_points=[], decisions=[], action_items=[],
                              open_questions=[], previous_actions=[])
        return {"minutes": empty, "warnings": ["nothing to summarize"]}
    draft = draft_minutes(ctx, spoken, participants, when, lang)
    minutes, warnings = ground_minutes(draft, segments, participants, when, tz, lang)
    minutes["previous_actions"] = follow_ups_from_memory(ctx, spoken, participants, state.get("meeting_id", ""))
    stats = ctx.models.stats().get("summarizer", {})
    stats = {**stats, "seconds": round(time.perf_counter() - started, 2)}
    return {"minutes": minutes, "warnings": warnings, "stages": {"summarizer": stats}}

"""Summarize: minutes whose decisions and action items are asked about one candidate line at a time.

The model gets small tasks; code assembles and checks the result (``tools.minutes_items``):

1. **Items.** Decision/action candidates are the router's decision- and action-labelled lines (plus lines
   with a promise, a request or an explicit settling word), each shown with its neighbours. They are sent in
   batches of ``summarizer.item_batch`` (one at a time for the embedded model, which is asked only about the
   candidates without firm evidence: code words the firm ones from their own lines); for each the model writes
   one statement (a decision) or a task (an action) and says whether it is one. Its yes/no counts only where
   the lines leave it open: a candidate with firm evidence (an explicit "we decided", a proposal another
   speaker assents to, a task given to someone, a request answered, "let's ask …") is kept whatever the
   model says, one without any agreement is never a decision. Code takes owners from who promised or was
   addressed, deadlines from the candidate's own lines (resolved by the time resolver), and drops items
   the lines do not support or whose words come from the prompt. Injection lines are never candidates;
   they are quoted in the warnings. A long meeting costs one call per batch of candidates, so cost grows
   with the number of candidates, not with the raw text.
2. **Summary.** The model writes the summary as sentences; code finds each sentence's lines by its words
   and checks its named people against those lines' speakers (a wrong name is rewritten or the sentence
   dropped) and drops sentences that are a pasted transcript line. Meetings longer than the context are
   summarized chunk by chunk and merged. When no sentence passes, code writes the summary: the topic (the
   title), the decisions, who does what by when, and what is still open.
3. **Open questions.** The model's, less what was decided, plus the lines that say something is not decided
   or not known yet (``mi.open_points``: "마케팅 예산은 아직 정해지지 않았는데 …").
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, create_model, field_validator

from core.dates import parse_datetime
from core.errors import ModelAnswerError
from core.meeting import MinutesRecord, Participant, Segment, empty_minutes
from core.metrics import timed_stage
from core.prompts import render
from core.text import ends_in_consonant
from graph.context import Context
from graph.state import MeetingState
from tools import grounding
from tools import minutes_items as mi
from tools.injection import looks_like_injection

CHUNK_OVERLAP = 2  # segments repeated between neighbouring summary chunks
PROMPT_RESERVE = 700  # tokens for the instructions and schema around the transcript


class ItemDraft(BaseModel):
    """The model's answer for one candidate: the statement or task in words, and whether it is one. Who owns a
    task and by when is read from the lines by code, never asked of the model."""

    n: int = Field(description="the candidate's number")
    text: str = Field(default="", max_length=200, description="decision: one short statement; action: the task, imperative")
    keep: bool = Field(description="false when the line holds no real decision / task")


class ItemDrafts(BaseModel):
    items: list[ItemDraft] = Field(default_factory=list)


@lru_cache(maxsize=64)
def items_schema(count: int) -> type[ItemDrafts]:
    """``ItemDrafts`` whose JSON schema asks for exactly ``count`` answers: constrained decoding then answers
    every candidate once and cannot run on past the batch. (Validation stays lenient: a missing answer is
    a rejection, an extra one is ignored.)"""
    return create_model(f"ItemDrafts{count}", __base__=ItemDrafts,
                        items=(list[ItemDraft], Field(default_factory=list,
                                                      json_schema_extra={"minItems": count, "maxItems": count})))


class DraftSummary(BaseModel):
    """The summary call's answer: sentences in the model's words and the questions left open. No line ids
    are asked for (they cost ~15 output tokens a sentence on a 2-core machine): code finds each sentence's
    lines by their words (``grounding.best_supporting``) and checks the names against those lines' speakers."""

    title: str
    sentences: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)

    @field_validator("sentences", "open_questions", mode="before")
    @classmethod
    def _texts(cls, value):  # a stronger model may still answer {"text": …, "ids": […]}: its text counts
        if not isinstance(value, list):
            return value
        return [v.get("text", "") if isinstance(v, dict) else v for v in value]


class CombinedSummary(BaseModel):
    title: str
    summary: str


def transcript_lines(segments: list[Segment]) -> list[str]:
    """The transcript as the summary call reads it: ``Speaker: text`` a line (no ids: none are cited)."""
    return [f"{s['speaker']}: {s['text']}" for s in segments]


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


def candidate_block(number: int, cand: mi.Candidate) -> str:
    """One numbered candidate as the model sees it: the line marked with '>', its neighbours as context."""
    before, after = cand.shown()
    rows = [f"#{number} ({cand.kind})"]
    rows += [f"  [{s['id']}] {s['speaker']}: {s['text']}" for s in before]
    rows.append(f"> [{cand.segment['id']}] {cand.segment['speaker']}: {cand.segment['text']}")
    rows += [f"  [{s['id']}] {s['speaker']}: {s['text']}" for s in after]
    return "\n".join(rows)


def ask_or_warn(ctx: Context, schema, messages: list, lang: str, what: str, warnings: list[str]):
    """The summarizer's answer, or None and a warning when the model gave none usable (invalid output after
    repair, cut off, timed out): one lost answer costs its part of the minutes, not the meeting. A model that
    cannot be reached or started still fails the stage (``ModelError``): minutes without it would be silent."""
    try:
        return ctx.models.structured("summarizer", schema, messages, language=lang)
    except ModelAnswerError as e:
        warnings.append(f"{what}: {e}")
        return None


def ask_items(ctx: Context, cands: list[mi.Candidate], system: str, lang: str, *,
              firm_too: bool = True, warnings: list[str] | None = None) -> list[tuple[mi.Candidate, mi.ItemAnswer]]:
    """An answer for every candidate, in meeting order: the model's, ``summarizer.items_per_call()`` candidates
    per call (one at a time for the embedded model; an unanswered one is rejected). Unless ``firm_too``, a
    candidate whose lines settle it is not asked: it is kept with no words, and code restates its line. A
    call that fails leaves its candidates unanswered (firm ones are still kept in their lines' words), with
    a warning in ``warnings``."""
    warnings = [] if warnings is None else warnings
    per_call = ctx.settings.summarizer.items_per_call()
    asked = [c for c in cands if firm_too or not c.firm]
    answers = {id(c): mi.ItemAnswer(keep=True, text="") for c in cands if c.firm and not firm_too}
    for start in range(0, len(asked), per_call):
        batch = asked[start : start + per_call]
        text = "\n\n".join(candidate_block(i + 1, c) for i, c in enumerate(batch))
        drafts = ask_or_warn(ctx, items_schema(len(batch)), [SystemMessage(system), HumanMessage(text)], lang,
                             f"candidates {start + 1}-{start + len(batch)} went unanswered, firm ones kept as said", warnings)
        by_n = {d.n: d for d in drafts.items} if drafts else {}
        for i, cand in enumerate(batch):
            d = by_n.get(i + 1)
            answers[id(cand)] = mi.ItemAnswer(keep=bool(d and d.keep), text=d.text if d else "")
    return [(c, answers[id(c)]) for c in cands]


def check_sentences(sentences: list[str], pool: list[Segment], participants: list[Participant]) -> tuple[list[str], list[str]]:
    """Summary sentences that pass the attribution and no-pasted-line checks, each once; and the warnings. A
    sentence's lines are the ones its words come from (the best two, then the best three when a name does not
    fit)."""
    by_id = {s["id"]: s for s in pool}
    speakers = {s["speaker"] for s in pool} | {p["name"] for p in participants}
    kept, warnings = [], []
    for sentence in sentences:
        text = " ".join(sentence.split())
        if not text:
            continue
        copied = mi.copied_line(text, pool)
        text = mi.reported_line(text, speakers) if copied is None else text
        if copied is not None:
            warnings.append(f"dropped a summary sentence that repeats line {copied['id']}: {text!r}")
            continue
        best = [by_id[i] for i in grounding.best_supporting(text, pool, top=3)]
        fixed = mi.check_attribution(text, best[:2], participants)
        if fixed != text and best and mi.check_attribution(text, best, participants) == text:
            fixed = text  # a name that fits neither of the two best lines, but the third: the best three decide
        if fixed is None:
            warnings.append(f"dropped a summary sentence that names the wrong person: {text!r}")
            continue
        if fixed != text:
            warnings.append(f"summary sentence re-attributed to the speaker of its lines: {text!r} -> {fixed!r}")
        if any(grounding.similar(fixed, k) for k in kept):
            continue  # said already (neighbouring parts of a long meeting overlap)
        kept.append(fixed)
    return kept, warnings


def fallback_title(when: datetime, lang: str) -> str:
    """The title when no summary call answered: the meeting's day."""
    return f"{when.date().isoformat()} 회의" if lang == "ko" else f"Meeting of {when.date().isoformat()}"


def said_in(short: str, longer: str) -> bool:
    """Whether every content word of ``short`` is in ``longer`` ("마케팅 예산" in "마케팅 예산은 아직 …")."""
    words = grounding.content_tokens(short)
    return bool(words) and words <= grounding.content_tokens(longer)


def topic_sentence(title: str, lang: str) -> str:
    """The summary's first sentence when code writes the summary: what the meeting was about, from its title."""
    title = title.strip().rstrip(".")
    if lang == "ko":
        if title.endswith(("회의", "미팅")):  # "주간 회의" is the meeting itself, not its topic
            return f"{title}{'을' if ends_in_consonant(title) else '를'} 했습니다."
        return f"{title}에 대해 논의했습니다."
    return f"Topic: {title}."


def draft_summary(ctx: Context, segments: list[Segment], participants: list[Participant], when: datetime,
                  lang: str, warnings: list[str]) -> tuple[str, str, list[str], list[str], str]:
    """(title, summary, sentences, open questions, prompt): one call, or a map over chunks and a reduce. A chunk
    whose call fails is left out and a failed reduce leaves the chunks' sentences, each with a warning; when
    no call answers, the sentences are empty and the caller writes the summary from the items."""
    stage = ctx.settings.summarizer
    who = ", ".join(p["name"] for p in participants) or "unknown"
    system = render("summarize", lang, meeting_date=when.date().isoformat(), weekday=when.strftime("%A"), participants=who)
    lines = transcript_lines(segments)
    system_tokens, *line_tokens = ctx.models.count_tokens_each("summarizer", [system, *lines])  # one /tokenize call
    budget = stage.context_size - stage.max_tokens - system_tokens - PROMPT_RESERVE
    chunks = chunk_segments(segments, max(budget, 256), dict(zip(lines, line_tokens)).__getitem__)
    answered = [ask_or_warn(ctx, DraftSummary, [SystemMessage(system), HumanMessage("\n".join(transcript_lines(chunk)))],
                            lang, f"summary of part {i + 1} of {len(chunks)} left out", warnings)
                for i, chunk in enumerate(chunks)]
    drafts = [d for d in answered if d is not None]
    sentences = [s for d in drafts for s in d.sentences]
    questions = [q for d in drafts for q in d.open_questions]
    title = drafts[0].title if drafts else fallback_title(when, lang)
    summary = ""
    if len(drafts) > 1:
        parts = "\n\n".join(f"Part {i + 1}: " + " ".join(d.sentences) for i, d in enumerate(drafts))
        reduce_prompt = render("summarize_reduce", lang, meeting_date=when.date().isoformat())
        combined = ask_or_warn(ctx, CombinedSummary, [SystemMessage(reduce_prompt), HumanMessage(parts)], lang,
                               "combined summary not written, the parts' sentences kept", warnings)
        if combined is not None:
            title, summary = combined.title, combined.summary
        system += "\n" + reduce_prompt
    return title, summary, sentences, questions, system


def summarize_meeting(ctx: Context, segments: list[Segment], participants: list[Participant], when: datetime, tz: str,
                      lang: str) -> tuple[MinutesRecord, list[str]]:
    """The checked minutes of one meeting (all its segments, labelled), and the warnings."""
    from tools.time import due_date

    pool = [s for s in segments if s.get("label") != "small_talk"]
    warnings = mi.injection_warnings(pool)
    clean = [s for s in pool if not looks_like_injection(s["text"])]
    transcript = "\n".join(s["text"] for s in segments)
    title, combined, sentences, questions, summary_prompt = draft_summary(ctx, clean, participants, when, lang, warnings)
    who = ", ".join(p["name"] for p in participants) or "unknown"
    items_prompt = render("summarize_items", lang, meeting_date=when.date().isoformat(), weekday=when.strftime("%A"),
                          participants=who)
    cands = mi.candidates(segments)
    answers = ask_items(ctx, cands, items_prompt, lang, firm_too=ctx.settings.summarizer.asks_firm_items(),
                        warnings=warnings) if cands else []
    items = mi.assemble_items(answers, participants, meeting_day=when.date(), lang=lang,
                              resolve_due=lambda phrase: due_date(phrase, when, tz, lang),
                              prompt_text=items_prompt + "\n" + summary_prompt, transcript_text=transcript)
    warnings += items.warnings
    if combined:  # a long meeting: the reduce wrote the summary; its sentences are checked like the parts'
        sentences = mi.split_sentences(combined)
    kept, sentence_warnings = check_sentences(sentences, clean, participants)
    warnings += sentence_warnings
    decided = {i for d in items.decisions for i in d["segment_ids"]}
    points = [p for p, sid in mi.open_points(clean) if sid not in decided]  # what the lines say is still open
    if not kept:  # every sentence failed a check: say at least what it was about, what was settled, who does what
        kept = [topic_sentence(title, lang)] if len(title.strip()) > 2 and title != fallback_title(when, lang) else []
        kept += [mi.decision_sentence(d["text"]) for d in items.decisions]
        kept += [mi.action_sentence(a["owner"], a["task"], a["due_phrase"]) for a in items.actions]
        kept += [p.rstrip(".") + "." for p in points]
    open_questions = []
    speakers = {s["speaker"] for s in segments} | {p["name"] for p in participants}
    for q in questions:
        text = " ".join(q.split())
        head, sep, rest = text.partition(": ")
        if sep and head in speakers:  # a transcript line copied with its speaker: the question itself
            text = rest
        if not text or mi.echoes_prompt(text, items_prompt + summary_prompt, transcript):
            continue
        if set(grounding.best_supporting(text, clean, top=1)) & decided or any(grounding.similar(text, d["text"], 0.4) for d in items.decisions):
            continue  # settled in the meeting: a decision, not an open question
        if not any(grounding.similar(text, o) for o in open_questions):
            open_questions.append(text)
    open_questions += [p for p in points if not any(grounding.similar(p, o) or said_in(o, p) for o in open_questions)]
    record = MinutesRecord(title=title.strip(), language=lang, summary=" ".join(kept), key_points=[],
                           decisions=items.decisions, action_items=items.actions, open_questions=open_questions,
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


def summarize(state: MeetingState, runtime: Runtime[Context]) -> dict:
    ctx = runtime.context
    timer = timed_stage()
    lang = ctx.settings.output_language or state.get("language") or "en"
    if lang not in ("ko", "en"):
        lang = "en"
    tz = state["timezone"]
    when = parse_datetime(state["meeting_date"], tz)
    segments = state.get("segments", [])
    participants = state.get("participants", [])
    if not any(s.get("label") != "small_talk" for s in segments):
        empty = {**empty_minutes(), "language": lang}
        return {"minutes": empty, "warnings": ["nothing to summarize"]}
    minutes, warnings = summarize_meeting(ctx, segments, participants, when, tz, lang)
    spoken = [s for s in segments if s.get("label") != "small_talk"]
    minutes["previous_actions"] = follow_ups_from_memory(ctx, spoken, participants, state.get("meeting_id", ""))
    stats = timer.stats(ctx.models.stats().get("summarizer", {}))
    return {"minutes": minutes, "warnings": warnings, "stages": {"summarizer": stats}}

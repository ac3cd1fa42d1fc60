"""Summarizer eval: AMI meetings (public references) and the project's two sample meetings.

Each meeting goes through the same steps as in the graph: segments (AMI: one per speaker turn, speaker =
role, times estimated from speech length; samples: ``tools.transcripts.read_transcript``), same-speaker
turns merged (``graph.nodes.segment.merge_turns``), labels from the default router, then
``summarize_meeting`` (the summary: one call, or map-reduce over chunks; decisions and action items: one call per
batch of candidate lines, checked by code).

Metrics per meeting (see ``evals.metrics``):

* ROUGE-1/2/L F of the summary vs the reference summary (AMI: QMSum's "summarize the whole meeting"
  answer) and, for AMI, vs the human abstract (its sentences joined);
* action items: precision/recall/F1 with owners (AMI owners are roles: "The industrial designer will…" ->
  Industrial Designer; a group owner accepts any) and without owners ("task only");
* decisions: precision/recall/F1;
* copied sentences: the share of summary sentences that are ≥ 80% a single transcript line (pasted, not
  summarized; ``tools.minutes_items.copied_line``), pooled over meetings.
ROUGE is averaged over meetings; item scores are micro-averaged (pooled counts).

``quick``: the shortest AMI val meeting (TS3010a, ~1,100 words). Full: the ``limit`` shortest meetings of the
AMI ``split`` (``settings.eval_ami_meetings``, default 4: ~8,800 words, what fits the 30-minute budget of a full
``minutes eval`` on 2 cores; 0 = all 20 val meetings, ~100,000 words, about an hour of the local model), plus
the samples.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import InputError
from core.meeting import Participant, Segment
from core.settings import Settings
from evals.metrics import AMI_ROLES, Item, ami_action_owner, is_empty_reference, match_items, micro_prf, rouge_scores

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_REFERENCES = Path(__file__).resolve().parent / "sample_references.json"
QUICK_AMI = ("TS3010a",)
AMI_DATE = "2026-01-05T10:00:00+00:00"  # AMI meetings carry no date; a fixed Monday for due phrases


@dataclass
class MeetingCase:
    id: str
    source: str  # "ami" | "sample"
    language: str
    segments: list[Segment]
    participants: list[Participant]
    meeting_date: str
    timezone: str
    summary: str
    abstract: str = ""
    actions: list[Item] = field(default_factory=list)
    decisions: list[Item] = field(default_factory=list)


def ami_segments(transcript: list[dict]) -> list[Segment]:
    """AMI turns ``{speaker, text}`` as segments with estimated times, same-speaker neighbours merged."""
    from graph.nodes.segment import merge_turns
    from tools.transcripts import speech_seconds

    raw, t = [], 0.0
    for turn in transcript:
        text = " ".join(str(turn.get("text", "")).split())
        if not text:
            continue
        length = max(speech_seconds(text), 0.3)
        raw.append(Segment(id="", start=round(t, 2), end=round(t + length, 2), speaker=turn["speaker"], text=text,
                           label=None))
        t += length + 0.2
    return merge_turns(raw)


def ami_case(path: Path) -> MeetingCase:
    data = json.loads(path.read_text(encoding="utf-8"))
    ref = data["reference"]
    actions = []
    for sentence in ref.get("actions", []):
        if is_empty_reference(sentence):
            continue
        owner, task = ami_action_owner(sentence)
        actions.append(Item(text=task, owner=owner))
    return MeetingCase(
        id=data["id"], source="ami", language="en", segments=ami_segments(data["transcript"]),
        participants=[Participant(name=r, email=None) for r in AMI_ROLES], meeting_date=AMI_DATE, timezone="UTC",
        summary=ref.get("summary", ""), abstract=" ".join(ref.get("abstract", [])), actions=actions,
        decisions=[Item(text=d) for d in ref.get("decisions", []) if not is_empty_reference(d)])


def ami_cases(data_dir: Path, split: str = "val", ids: tuple[str, ...] | None = None,
              limit: int | None = None) -> list[MeetingCase]:
    folder = data_dir / "meetings" / "ami"
    if not folder.is_dir():
        raise InputError(f"AMI eval data not found: {folder}", hint="set MINUTES_EVAL_DATA to the evals-data folder")
    paths = sorted(folder.glob("*.json"))
    if ids:
        paths = [p for p in paths if p.stem in ids]
    else:
        paths = [p for p in paths if json.loads(p.read_text(encoding="utf-8")).get("split") == split]
    cases = [ami_case(p) for p in paths]
    if limit:  # the shortest ones: the cheapest to run; then back in id order
        keep = {c.id for c in sorted(cases, key=lambda c: (sum(len(s["text"].split()) for s in c.segments), c.id))[:limit]}
        cases = [c for c in cases if c.id in keep]
    return cases


def sample_cases(path: Path = SAMPLE_REFERENCES) -> list[MeetingCase]:
    """The sample meetings with the reference minutes written for them (evals/sample_references.json)."""
    from graph.nodes.segment import merge_turns
    from tools.transcripts import read_transcript

    refs = json.loads(path.read_text(encoding="utf-8"))
    cases = []
    for key, ref in refs.items():
        if key.startswith("_"):
            continue
        segments = merge_turns(read_transcript(ROOT / ref["transcript"]).segments)
        cases.append(MeetingCase(
            id=key, source="sample", language=ref["language"], segments=segments,
            participants=[Participant(name=p["name"], email=p.get("email")) for p in ref["participants"]],
            meeting_date=ref["meeting_date"], timezone=ref["timezone"], summary=ref["summary"],
            actions=[Item(text=a["text"], owner=a.get("owner")) for a in ref["actions"]],
            decisions=[Item(text=d["text"]) for d in ref["decisions"]]))
    return cases


def label_segments(segments: list[Segment], settings: Settings) -> list[Segment]:
    """Router labels from the default classifier, as the graph's route node gives them."""
    from tools.segment_classifier import default_classifier

    labels = [label for label, _ in default_classifier(settings).predict([s["text"] for s in segments])]
    return [Segment(**{**s, "label": lab}) for s, lab in zip(segments, labels)]


def summarize_case(case: MeetingCase, ctx) -> dict[str, Any]:
    """Run the summarizer on one meeting; returns the checked minutes, warnings, seconds and call count."""
    from graph.nodes.summarize import summarize_meeting

    tz = case.timezone
    when = datetime.fromisoformat(case.meeting_date).astimezone(ZoneInfo(tz))
    segments = label_segments(case.segments, ctx.settings)
    spoken = [s for s in segments if s.get("label") != "small_talk"]
    calls_before = ctx.models.stats().get("summarizer", {}).get("calls", 0)
    started = time.perf_counter()
    minutes, warnings = summarize_meeting(ctx, segments, case.participants, when, tz, case.language)
    seconds = time.perf_counter() - started
    calls = ctx.models.stats().get("summarizer", {}).get("calls", 0) - calls_before
    return {"minutes": minutes, "warnings": warnings, "seconds": round(seconds, 2), "model_calls": calls,
            "segments": len(segments), "spoken_segments": len(spoken)}


def copied_sentence_share(summary: str, segments: list[Segment], threshold: float = 0.8) -> dict[str, float]:
    """How many summary sentences are (≥ ``threshold``) a single transcript line pasted in: counts and share."""
    from tools.minutes_items import copied_line, split_sentences

    sentences = split_sentences(summary)
    copied = sum(copied_line(s, segments, threshold) is not None for s in sentences)
    return {"copied": copied, "sentences": len(sentences), "share": round(copied / len(sentences), 4) if sentences else 0.0}


def score_case(case: MeetingCase, minutes: dict) -> dict[str, Any]:
    """Every metric of one meeting's minutes against its references."""
    summary = minutes.get("summary", "")
    copied = copied_sentence_share(summary, case.segments)
    predicted_actions = [Item(text=a["task"], owner=a.get("owner")) for a in minutes.get("action_items", [])]
    predicted_decisions = [Item(text=d["text"]) for d in minutes.get("decisions", [])]
    scores: dict[str, Any] = {"summary": rouge_scores(summary, case.summary, case.language)}
    if case.abstract:
        scores["abstract"] = rouge_scores(summary, case.abstract, case.language)
    scores["actions"] = match_items(predicted_actions, case.actions)
    scores["actions_task_only"] = match_items(predicted_actions, case.actions, use_owner=False)
    scores["decisions"] = match_items(predicted_decisions, case.decisions)
    scores["copied_sentences"] = copied
    return scores


def _mean(values: list[float]) -> float:
    return round(statistics.fmean(values), 4) if values else 0.0


def aggregate(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Mean ROUGE and micro-averaged item P/R/F1 over scored meetings (flat names)."""
    out: dict[str, float] = {}
    for ref in ("summary", "abstract"):
        have = [r["scores"][ref] for r in rows if ref in r["scores"]]
        for k in ("rouge1", "rouge2", "rougeL"):
            if have:
                out[f"{k}_{ref}"] = _mean([h[k] for h in have])
    copied = [r["scores"]["copied_sentences"] for r in rows if "copied_sentences" in r["scores"]]
    if copied:  # pooled: copied sentences / all summary sentences
        total = sum(c["sentences"] for c in copied)
        out["copied_sentence_share"] = round(sum(c["copied"] for c in copied) / total, 4) if total else 0.0
    for kind in ("actions", "actions_task_only", "decisions"):
        prf = micro_prf([r["scores"][kind] for r in rows])
        for k in ("precision", "recall", "f1"):
            out[f"{kind}_{k}"] = prf[k]
    return out


def eval_context(settings: Settings):
    """A graph context with a fresh ModelHub that never answers from the response cache."""
    from core.llm import ModelHub
    from core.metrics import Metrics
    from graph.context import Context

    hub = ModelHub(settings, use_cache=False, metrics=Metrics())
    return Context(settings=settings, models=hub, store_factory=lambda: None)


def run(settings: Settings | None = None, *, quick: bool = False, split: str = "val", limit: int | None = None,
        eval_data_dir: Path | str | None = None, samples: bool = True, ctx=None,
        progress=None) -> dict[str, Any]:
    """Summarize and score the meetings; returns {metrics, dataset, size, seconds, tokens, meetings}."""
    settings = settings or Settings()
    data_dir = Path(eval_data_dir) if eval_data_dir else settings.eval_data_dir()
    if limit is None and not quick:
        limit = settings.eval_ami_meetings or None
    cases = ami_cases(data_dir, split, ids=QUICK_AMI if quick else None, limit=limit)
    if samples and not quick:  # quick: one AMI meeting (the samples are covered by the end-to-end tests)
        cases += sample_cases()
    ctx = ctx or eval_context(settings)
    started = time.perf_counter()
    rows = []
    for i, case in enumerate(cases):
        if progress:
            progress(f"summarizer {case.id}", i, len(cases))
        out = summarize_case(case, ctx)
        rows.append({"id": case.id, "source": case.source, "language": case.language, "segments": out["segments"],
                     "model_calls": out["model_calls"], "seconds": out["seconds"], "scores": score_case(case, out["minutes"]),
                     "minutes": out["minutes"], "warnings": out["warnings"]})
    metrics: dict[str, float] = {}
    groups = {"ami": [r for r in rows if r["source"] == "ami"],
              "sample_en": [r for r in rows if r["source"] == "sample" and r["language"] == "en"],
              "sample_ko": [r for r in rows if r["source"] == "sample" and r["language"] == "ko"]}
    for name, group in groups.items():
        if group:
            metrics.update({f"{name}.{k}": v for k, v in aggregate(group).items()})
    stats = ctx.models.stats().get("summarizer", {})
    n_ami = len(groups["ami"])
    which = "+".join(QUICK_AMI) if quick else f"{split}, {'the ' + str(n_ami) + ' shortest' if limit else 'all'}"
    dataset = (f"AMI {which} ({n_ami} meetings)" if n_ami else "")
    if samples and not quick:
        dataset = (dataset + " + " if dataset else "") + "samples en/ko"
    return {"metrics": metrics, "dataset": dataset, "size": len(rows),
            "seconds": round(time.perf_counter() - started, 1),
            "tokens": {"in": stats.get("tokens_in", 0), "out": stats.get("tokens_out", 0), "calls": stats.get("calls", 0)},
            "model": stats.get("model"), "meetings": rows}


def _print(report: dict[str, Any]) -> None:
    print(f"summarizer eval: {report['dataset']}, {report['size']} meetings, {report['seconds']} s, "
          f"tokens in/out {report['tokens']['in']}/{report['tokens']['out']}")
    for r in report["meetings"]:
        s = r["scores"]
        a = s["actions"]
        print(f"  {r['id']:<12} R1/R2/RL {s['summary']['rouge1']:.3f}/{s['summary']['rouge2']:.3f}/{s['summary']['rougeL']:.3f}"
              f"  actions P/R {a['precision']:.2f}/{a['recall']:.2f} ({a['predicted']} vs {a['reference']})"
              f"  decisions F1 {s['decisions']['f1']:.2f}  copied {s['copied_sentences']['copied']}/{s['copied_sentences']['sentences']}"
              f"  {r['seconds']} s, {r['model_calls']} calls")
    for k, v in report["metrics"].items():
        print(f"  {k:<40} {v:.4f}")


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="Summarizer eval (AMI + samples)")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--split", default="val")
    p.add_argument("--limit", type=int, default=None)
    a = p.parse_args()
    _print(run(quick=a.quick, split=a.split, limit=a.limit))

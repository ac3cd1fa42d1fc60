"""``minutes eval``: every stage measured against its references in one command.

Stages and what each measures (details in each module and evals/README.md):

==========  ==============================================================================
asr         WER and speaker error on the sample recording; real speech when asr.speech_data is set (evals.asr)
router      segment-label accuracy on the held-out bilingual set (evals.router)
time        time-expression windows on the Recognizers-Text specs, ko + en (evals.time)
retrieval   recall@5 / MRR@10 of the meeting memory on AMI + QMSum questions (evals.retrieval)
summarizer  ROUGE and action-item / decision P/R/F1 on AMI and the samples (evals.summarize)
scheduling  end-to-end follow-up booking cases, ko + en, adversarial (evals.scheduling)
==========  ==============================================================================

``run_evals`` prints one table (stage, metric, value, dataset, size, time, tokens), writes the results as
JSON and Markdown to ``<data dir>/evals/latest[-<stage>][-quick].{json,md}``, and with ``quick`` checks the
headline metrics against ``evals/floors.json``: a metric below its floor (or above its ceiling, for error
counts and rates) raises ``MinutesError`` naming the metric, its value and its bound. A stage that fails
to run is reported in the table and also raises, after the report is written.

``provider`` points every LLM stage (summarizer, scheduler, chat, and the router's LLM option) at another
provider (``openai``, ``openai-compatible`` with the stage's ``base_url`` from the settings, ``langchain``);
the floors are the embedded local model's, so a stronger model should clear them too.

    python -m evals.runner --stage all [--quick] [--provider openai-compatible]
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import InputError, MinutesError
from core.settings import Settings
from evals.metrics import FLOORS_PATH, floor_violations, load_floors

STAGES = ("asr", "router", "time", "retrieval", "summarizer", "scheduling")
LLM_STAGES = ("summarizer", "scheduler", "chat")
PROVIDERS = ("local", "openai", "openai-compatible", "langchain")


@dataclass
class StageResult:
    """One stage's outcome: headline metrics (table, floors), every metric (JSON), and how it ran."""

    stage: str
    metrics: dict[str, float] = field(default_factory=dict)
    all_metrics: dict[str, float] = field(default_factory=dict)
    dataset: str = ""
    size: int = 0
    seconds: float = 0.0
    tokens: dict[str, int] = field(default_factory=dict)
    model: str | None = None
    details: Any = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "all_metrics": self.all_metrics, "dataset": self.dataset, "size": self.size,
                "seconds": self.seconds, "tokens": self.tokens, "model": self.model, "error": self.error,
                "details": self.details}


def with_provider(settings: Settings, provider: str | None) -> Settings:
    """A copy of ``settings`` whose LLM stages use ``provider`` (None: unchanged)."""
    if provider is None:
        return settings
    if provider not in PROVIDERS:
        raise InputError(f"unknown provider {provider!r}", hint=f"use one of {', '.join(PROVIDERS)}")
    s = settings.model_copy(deep=True)
    stages = [getattr(s, name) for name in LLM_STAGES] + [s.router.llm]
    for cfg in stages:
        cfg.provider = provider
    if provider == "openai-compatible":
        missing = [name for name in LLM_STAGES if not getattr(s, name).base_url]
        if missing:
            raise InputError(f"provider openai-compatible needs base_url for {', '.join(missing)}",
                             hint="set e.g. MINUTES_SUMMARIZER__BASE_URL=http://127.0.0.1:11434/v1 (and the "
                                  "stages' model names) in the environment or minutes.toml")
    return s


# ------------------------------------------------------------------------------------------ stages


def _flatten(prefix: str, value: Any, out: dict[str, float], depth: int = 0) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        out[prefix] = float(value)
    elif isinstance(value, dict) and depth < 4:
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out, depth + 1)


def _stage_asr(settings: Settings, quick: bool) -> StageResult:
    from evals import asr

    r = asr.run(settings, quick=quick)
    return StageResult("asr", metrics=dict(r["metrics"]), all_metrics={**r["metrics"], **{
        f"wer_{k}": float(v) for k, v in r["wer_detail"].items() if k != "wer"}}, dataset=r["dataset"], size=r["size"],
        seconds=r["seconds"], model=r["model"],
        details={"language": r["language"], "warnings": r["warnings"], "hypothesis": r["hypothesis"],
                 "real_speech": r.get("real_speech")})


def _stage_router(settings: Settings, quick: bool) -> StageResult:
    from evals import router

    r = router.run(settings, ablation=not quick)
    c = r["classifier"]
    head = {"accuracy": round(c["accuracy"], 4), "macro_f1": round(c["macro_f1"], 4)}
    for lang, v in sorted(c["per_language"].items()):
        head[f"accuracy_{lang}"] = round(v["accuracy"], 4)
    head["injection_as_scheduling"] = float(r["injection_predicted_scheduling"])
    every: dict[str, float] = dict(head)
    _flatten("per_label", c["per_label"], every)
    every["majority_baseline.accuracy"] = round(r["majority_baseline"]["accuracy"], 4)
    if "embeddings_only" in r:
        every["embeddings_only.accuracy"] = round(r["embeddings_only"]["accuracy"], 4)
    d = r["dataset"]
    return StageResult("router", metrics=head, all_metrics=every,
                       dataset="tools/router_data held-out split ("
                       + " + ".join(f"{n} {lang}" for lang, n in sorted(d["test_by_language"].items())) + ")", size=d["test"],
                       seconds=round(sum(r["seconds"].values()), 1), model=r["embedder"],
                       details={"errors": r["errors"], "confusion": c["confusion"]})


def _stage_time(settings: Settings, quick: bool) -> StageResult:
    from evals import time as time_eval

    t0 = time.perf_counter()
    r = time_eval.run(settings.eval_data_dir())
    head, every, size = {}, {}, 0
    for lang, m in r.items():
        head[f"case_accuracy_{lang}"] = round(m["case_accuracy"], 4)
        head[f"in_scope_result_accuracy_{lang}"] = round(m["in_scope_result_accuracy"], 4)
        size += m["cases"]
        for k in ("case_accuracy", "case_accuracy_without_splits", "case_accuracy_spacing_free", "result_accuracy",
                  "in_scope_result_accuracy", "no_result", "false_positives_on_empty"):
            if k in m:
                every[f"{lang}.{k}"] = round(float(m[k]), 4)
        for typ, v in m["by_type"].items():
            every[f"{lang}.by_type.{typ}"] = round(v["accuracy"], 4)
    details = {lang: {"failures_shown": m["failures"][:25], "failures": len(m["failures"])} for lang, m in r.items()}
    meeting = time_eval.run_meeting_phrases()  # per family, on the project's meeting-phrase set
    head["meeting_phrases"] = round(meeting["accuracy"]["all"], 4)
    every.update({f"meeting.{k}": round(v, 4) for k, v in meeting["accuracy"].items()})
    details["meeting"] = {"failures_shown": meeting["failures"][:25], "counts": meeting["counts"]}
    return StageResult("time", metrics=head, all_metrics=every, dataset="Recognizers-Text DateTimeModel ko+en",
                       size=size, seconds=round(time.perf_counter() - t0, 1), model="tools.time.resolver",
                       details=details)


_RETRIEVAL_HEADLINE = ("hybrid.meeting.all.recall@5", "hybrid.meeting.all.mrr@10", "hybrid.meeting.en.recall@5",
                       "hybrid.meeting.ko.recall@5", "hybrid.all.all.recall@5", "hybrid.all.all.mrr@10")


def _stage_retrieval(settings: Settings, quick: bool) -> StageResult:
    from evals import retrieval

    t0 = time.perf_counter()
    r = retrieval.run(settings.eval_data_dir(), quick=quick)
    every: dict[str, float] = {}
    for key, row in r.get("modes", {}).items():
        for k in ("recall@5", "mrr@10"):
            if row.get(k) is not None:
                every[f"{key.replace('/', '.')}.{k}"] = float(row[k])
    head = {k: every[k] for k in _RETRIEVAL_HEADLINE if k in every}
    n = max((row.get("n", 0) for key, row in r.get("modes", {}).items() if key.endswith("/all")), default=0)
    return StageResult("retrieval", metrics=head or every, all_metrics=every,
                       dataset=f"AMI {'ES2006a-d' if quick else 'val'} + QMSum questions ({r.get('meetings')} meetings, "
                               f"{r.get('passages')} passages)",
                       size=n, seconds=round(time.perf_counter() - t0, 1), model=settings.embeddings.model,
                       details={"skipped": r.get("skipped"), "index_s": r.get("index_s")})


_SUMMARY_HEADLINE = ("rouge1_summary", "rouge2_summary", "rougeL_summary", "rouge1_abstract", "actions_f1",
                     "actions_task_only_f1", "decisions_f1")


def _stage_summarizer(settings: Settings, quick: bool) -> StageResult:
    from evals import summarize

    r = summarize.run(settings, quick=quick)
    head = {k: v for k, v in r["metrics"].items() if k.split(".", 1)[1] in _SUMMARY_HEADLINE}
    details = [{k: v for k, v in row.items()} for row in r["meetings"]]
    return StageResult("summarizer", metrics=head, all_metrics=r["metrics"], dataset=r["dataset"], size=r["size"],
                       seconds=r["seconds"], tokens=r["tokens"], model=r["model"], details=details)


def _stage_scheduling(settings: Settings, quick: bool) -> StageResult:
    from evals import scheduling

    r = scheduling.run(settings, quick=quick)
    every = dict(r["metrics"])
    for tag, v in r["by_tag"].items():
        every[f"by_tag.{tag}"] = v["success_rate"]
    return StageResult("scheduling", metrics=dict(r["metrics"]), all_metrics=every, dataset=r["dataset"],
                       size=r["size"], seconds=r["seconds"], tokens=r["tokens"], model=r["model"],
                       details=r["cases"])


RUNNERS: dict[str, Callable[[Settings, bool], StageResult]] = {
    "asr": _stage_asr, "router": _stage_router, "time": _stage_time, "retrieval": _stage_retrieval,
    "summarizer": _stage_summarizer, "scheduling": _stage_scheduling,
}


def run_stage(name: str, settings: Settings, quick: bool) -> StageResult:
    """Run one stage; a failure becomes the result's ``error`` (one line) instead of an exception."""
    t0 = time.perf_counter()
    try:
        result = RUNNERS[name](settings, quick)
    except Exception as e:  # noqa: BLE001 - reported per stage; run_evals raises after writing the report
        msg = e.message if isinstance(e, MinutesError) else f"{type(e).__name__}: {e}"
        return StageResult(name, error=" ".join(str(msg).split())[:400], seconds=round(time.perf_counter() - t0, 1))
    result.seconds = result.seconds or round(time.perf_counter() - t0, 1)
    return result


# ------------------------------------------------------------------------------------------ report


COUNT_METRICS = ("conflicts", "injection_leaks", "errors", "injection_as_scheduling", "speakers_found",
                 "speakers_reference")


def _fmt(name: str, value: float) -> str:
    return f"{value:.0f}" if name in COUNT_METRICS and float(value).is_integer() else f"{value:.3f}"


def _tokens(t: dict[str, int]) -> str:
    return f"{t.get('in', 0)}/{t.get('out', 0)}" if t else "-"


def table_rows(results: list[StageResult]) -> list[list[str]]:
    """Rows of the summary table: stage, metric, value, dataset, size, time, tokens in/out."""
    rows = []
    for r in results:
        if r.error:
            rows.append([r.stage, "ERROR", r.error, r.dataset, "-", f"{r.seconds:.1f}", "-"])
            continue
        for i, (name, value) in enumerate(r.metrics.items()):
            first = i == 0
            rows.append([r.stage if first else "", name, _fmt(name, value), r.dataset if first else "",
                         str(r.size) if first else "", f"{r.seconds:.1f}" if first else "",
                         _tokens(r.tokens) if first else ""])
    return rows


HEADERS = ["stage", "metric", "value", "dataset", "size", "time (s)", "tokens in/out"]


def markdown(report: dict[str, Any], results: list[StageResult]) -> str:
    lines = [f"# Minutes eval ({'quick' if report['quick'] else 'full'}: {report['stage']})", "",
             f"LLM provider: {report['provider']}; models: " + ", ".join(f"{k} {v}" for k, v in report["models"].items() if v),
             f"Total time: {report['seconds']} s", "",
             "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in table_rows(results)]
    floors = report["floors"]
    lines += ["", f"Floors ({floors['file']}): " + ("checked, all met" if floors["checked"] and not floors["violations"]
                                                     else f"none set for {floors['mode']} runs" if not floors["checked"]
                                                     else "VIOLATED")]
    lines += [f"- {v}" for v in floors["violations"]]
    return "\n".join(lines) + "\n"


def print_table(results: list[StageResult], console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title="Minutes eval")
    for h in HEADERS:
        table.add_column(h, justify="right" if h in ("value", "size", "time (s)") else "left",
                         no_wrap=h in ("metric", "value", "tokens in/out"), max_width=40 if h == "dataset" else None)
    for row in table_rows(results):
        table.add_row(*row)
    console.print(table)


def report_name(stage: str, quick: bool) -> str:
    return "latest" + ("" if stage == "all" else f"-{stage}") + ("-quick" if quick else "")


def run_evals(settings: Settings, stage: str = "all", quick: bool = False, provider: str | None = None, *,
              floors_path: Path | str = FLOORS_PATH, console=None) -> dict[str, Any]:
    """Run the chosen stages (``all`` or one of STAGES), print the table, write JSON + Markdown, and with
    ``quick`` enforce the floors. Returns the report dict; raises MinutesError on a failed stage or floor."""
    from rich.console import Console

    names = list(STAGES) if stage == "all" else [stage]
    if any(n not in STAGES for n in names):
        raise InputError(f"unknown eval stage {stage!r}", hint=f"use one of {', '.join(STAGES)} or all")
    settings = with_provider(settings, provider)
    console = console or Console(width=None if Console().is_terminal else 160)
    started = time.perf_counter()
    results = []
    for name in names:
        console.print(f"[dim]eval {name}{' (quick)' if quick else ''}…[/dim]")
        results.append(run_stage(name, settings, quick))
    metrics = {f"{r.stage}.{k}": v for r in results for k, v in {**r.metrics, **r.all_metrics}.items()}
    mode = "quick" if quick else "full"
    bounds = load_floors(floors_path, mode)
    checked = bool(bounds["min"] or bounds["max"])
    violations = floor_violations(metrics, bounds, {r.stage for r in results})
    report = {
        "stage": stage, "quick": quick, "provider": provider or settings.summarizer.provider,
        "models": {r.stage: r.model for r in results},
        "seconds": round(time.perf_counter() - started, 1),
        "metrics": metrics,
        "floors": {"file": str(Path(floors_path).name), "mode": mode, "checked": checked,
                   "violations": violations},
        "stages": {r.stage: r.to_json() for r in results},
    }
    print_table(results, console)
    out_dir = settings.path("evals")
    out_dir.mkdir(parents=True, exist_ok=True)
    name = report_name(stage, quick)
    (out_dir / f"{name}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    (out_dir / f"{name}.md").write_text(markdown(report, results), encoding="utf-8")
    console.print(f"total {report['seconds']} s; wrote {out_dir / name}.json and .md")
    failed = [r for r in results if r.error]
    if failed or violations:
        parts = [f"{r.stage} failed: {r.error}" for r in failed] + violations
        raise MinutesError("eval: " + "; ".join(parts),
                           hint="a stage got worse or broke; see the report in " + str(out_dir / f"{name}.md")
                                + " (floors only move up: evals/README.md)")
    console.print("floors: all met" if checked else f"floors: none set for {mode} runs")
    return report


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    p = argparse.ArgumentParser(prog="python -m evals.runner", description="Measure every stage against references")
    p.add_argument("--stage", default="all", help=" | ".join((*STAGES, "all")))
    p.add_argument("--quick", action="store_true", help="a small subset, checked against evals/floors.json")
    p.add_argument("--provider", default=None, help="override the LLM stages' provider")
    a = p.parse_args(argv)
    try:
        run_evals(Settings(), stage=a.stage, quick=a.quick, provider=a.provider)
    except MinutesError as e:
        print(f"error: {e}", file=sys.stderr)
        if e.hint:
            print(f"hint: {e.hint}", file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The eval harness for real: ``run_evals(stage="all", quick=True)`` (the "eval --quick is part of make
test" requirement) and the ``minutes eval`` command in a subprocess."""

from __future__ import annotations

import json
import time

import pytest

from tests.fixtures import minutes


def test_eval_command_rejects_a_negative_ami_count(tmp_path, models_dir):
    r = minutes("eval", "--stage", "summarizer", "--ami-meetings=-1", data_dir=tmp_path, models_dir=models_dir, timeout=120)
    assert r.returncode == 2 and r.stderr.strip() == "error: --ami-meetings must be 0 (all) or more, got -1"


def test_eval_quick_runs_every_stage_and_meets_the_floors(settings, tmp_path):
    """Real models (the local LLM, Whisper, the router, the embeddings) on the quick subset."""
    from rich.console import Console

    from evals.runner import STAGES, run_evals

    console = Console(file=(tmp_path / "table.txt").open("w"), width=160)
    started = time.perf_counter()
    report = run_evals(settings, stage="all", quick=True, console=console)
    elapsed = time.perf_counter() - started
    assert set(report["stages"]) == set(STAGES)
    assert all(s["error"] is None for s in report["stages"].values())
    assert report["floors"]["checked"] and report["floors"]["violations"] == []
    m = report["metrics"]
    assert m["scheduling.conflicts"] == 0 and m["scheduling.injection_leaks"] == 0
    assert report["stages"]["summarizer"]["tokens"]["in"] > 0 and report["stages"]["scheduling"]["tokens"]["calls"] > 0
    saved = json.loads(settings.path("evals", "latest-quick.json").read_text(encoding="utf-8"))
    assert saved["metrics"] == pytest.approx(m)
    assert "| summarizer |" in settings.path("evals", "latest-quick.md").read_text(encoding="utf-8")
    assert "scheduling" in (tmp_path / "table.txt").read_text()
    assert elapsed < 600  # the target is under 3 minutes on an idle 2-core machine (see evals/README.md)

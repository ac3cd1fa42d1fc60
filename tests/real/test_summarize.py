"""The summarizer with the real local model on the English sample meeting (slow)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_english_sample_with_the_real_local_model(settings):
    from evals.summarize import eval_context, sample_cases, score_case, summarize_case

    case = next(c for c in sample_cases() if c.id == "meeting_en")
    out = summarize_case(case, eval_context(settings))
    mins = out["minutes"]
    assert any("tenth" in d["text"].lower() or "10" in d["text"] for d in mins["decisions"]), mins["decisions"]
    bob = [a for a in mins["action_items"] if a["owner"] == "Bob Lee"]
    assert bob and bob[0]["due"] == "2026-11-27", mins["action_items"]
    assert not any("everyone@" in json.dumps(x) for x in mins["action_items"])
    assert score_case(case, mins)["copied_sentences"]["copied"] == 0

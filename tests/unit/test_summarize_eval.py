"""The summarizer eval's own metric: the share of summary sentences that are a pasted transcript line."""

from __future__ import annotations

from evals.summarize import aggregate, copied_sentence_share


def seg(i, speaker, text):
    return {"id": f"s{i:04d}", "start": 0.0, "end": 1.0, "speaker": speaker, "text": text, "label": "content"}


def test_copied_sentence_share_counts_pasted_lines_only():
    segs = [seg(1, "박서연", "마무리할게요."), seg(2, "Bob Lee", "The app is mostly stable, but the login bug remains.")]
    summary = ("The app is mostly stable, but the login bug remains. Bob will fix the remaining login problem soon. "
               "서연은 마무리할게요.")
    got = copied_sentence_share(summary, segs)
    assert got == {"copied": 2, "sentences": 3, "share": 0.6667}
    assert copied_sentence_share("", segs) == {"copied": 0, "sentences": 0, "share": 0.0}


def test_aggregate_pools_copied_sentences_over_meetings():
    empty = {"tp": 0, "predicted": 0, "reference": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0, "pairs": []}
    rows = [{"scores": {"actions": empty, "actions_task_only": empty, "decisions": empty,
                        "copied_sentences": {"copied": c, "sentences": n, "share": c / n}}} for c, n in ((1, 4), (0, 6))]
    assert aggregate(rows)["copied_sentence_share"] == 0.1

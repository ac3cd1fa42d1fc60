"""Router accuracy on the held-out split of tools/router_data/segments.jsonl.

``run()`` scores the default classifier (embeddings + lexical cues, as used by the graph), an
embeddings-only ablation and a majority-class baseline: accuracy overall and per language, per-label
precision/recall/F1, and the confusion matrix. ``python -m evals.router`` prints the tables.
"""

from __future__ import annotations

import time
from collections import Counter

from core.embeddings import get_embedder
from core.meeting import LABELS
from core.settings import Settings
from tools.segment_classifier import DATASET_PATH, SegmentClassifier, default_classifier, load_dataset


def score(gold: list[str], pred: list[str], langs: list[str]) -> dict:
    """Accuracy (overall, per language), per-label precision/recall/F1/support, macro F1, confusion."""
    n = len(gold)
    correct = [g == p for g, p in zip(gold, pred)]
    per_lang = {}
    for lang in sorted(set(langs)):
        idx = [i for i, code in enumerate(langs) if code == lang]
        per_lang[lang] = {"accuracy": sum(correct[i] for i in idx) / len(idx), "n": len(idx)}
    per_label = {}
    for lab in LABELS:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        n_pred, n_gold = pred.count(lab), gold.count(lab)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[lab] = {"precision": precision, "recall": recall, "f1": f1, "support": n_gold}
    confusion = {g: {p: sum(a == g and b == p for a, b in zip(gold, pred)) for p in LABELS} for g in LABELS}
    return {
        "accuracy": sum(correct) / n if n else 0.0,
        "per_language": per_lang,
        "per_label": per_label,
        "macro_f1": sum(v["f1"] for v in per_label.values()) / len(LABELS),
        "confusion": confusion,  # confusion[gold][predicted]
    }


def run(settings: Settings | None = None, *, dataset=DATASET_PATH, ablation: bool = True) -> dict:
    settings = settings or Settings()
    rows = load_dataset(dataset)
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    texts, gold, langs = [r["text"] for r in test], [r["label"] for r in test], [r["lang"] for r in test]

    t0 = time.perf_counter()
    clf = default_classifier(settings, dataset=dataset)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = [label for label, _ in clf.predict(texts)]
    predict_s = time.perf_counter() - t0

    majority = Counter(r["label"] for r in train).most_common(1)[0][0]
    report = {
        "dataset": {"rows": len(rows), "train": len(train), "test": len(test),
                    "test_by_language": dict(Counter(langs)), "test_by_label": dict(Counter(gold))},
        "embedder": clf.embedder_name,
        "classifier": score(gold, pred, langs),
        "majority_baseline": {"label": majority, **score(gold, [majority] * len(gold), langs)},
        "seconds": {"load_or_train": round(load_s, 2), "predict_test": round(predict_s, 2)},
        "injection_predicted_scheduling": sum(
            1 for r, p in zip(test, pred) if r.get("injection") and p == "scheduling"),
        "errors": [{"text": t, "gold": g, "predicted": p} for t, g, p in zip(texts, gold, pred) if g != p],
    }
    if ablation:
        plain = SegmentClassifier.train([r["text"] for r in train], [r["label"] for r in train],
                                        get_embedder(settings.embeddings), use_cues=False)
        report["embeddings_only"] = score(gold, [label for label, _ in plain.predict(texts)], langs)
    return report


def _print(report: dict) -> None:
    d = report["dataset"]
    print(f"router eval: {d['test']} test segments ({d['test_by_language']}), trained on {d['train']}; "
          f"embedder {report['embedder']}")
    systems = [("classifier (emb+cues)", report["classifier"])]
    if "embeddings_only" in report:
        systems.append(("embeddings only", report["embeddings_only"]))
    systems.append((f"majority ({report['majority_baseline']['label']})", report["majority_baseline"]))
    print(f"\n{'system':<26}{'acc':>7}{'en':>7}{'ko':>7}{'macroF1':>9}")
    for name, s in systems:
        pl = s["per_language"]
        print(f"{name:<26}{s['accuracy']:>7.3f}{pl.get('en', {}).get('accuracy', 0):>7.3f}"
              f"{pl.get('ko', {}).get('accuracy', 0):>7.3f}{s['macro_f1']:>9.3f}")
    c = report["classifier"]
    print(f"\n{'label':<12}{'prec':>7}{'rec':>7}{'F1':>7}{'n':>5}")
    for lab, v in c["per_label"].items():
        print(f"{lab:<12}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{v['support']:>5}")
    short = {"content": "cont", "decision": "dec", "action": "act", "scheduling": "sched", "small_talk": "small"}
    print("\nconfusion (rows gold, columns predicted)")
    print(" " * 12 + "".join(f"{short[p]:>7}" for p in LABELS))
    for g in LABELS:
        print(f"{g:<12}" + "".join(f"{c['confusion'][g][p]:>7}" for p in LABELS))
    print(f"\ninjection lines predicted as scheduling: {report['injection_predicted_scheduling']}")
    print(f"time: load/train {report['seconds']['load_or_train']} s, predict {report['seconds']['predict_test']} s")
    if report["errors"]:
        print("\nerrors:")
        for e in report["errors"]:
            print(f"  {e['gold']:>10} -> {e['predicted']:<10} {e['text']}")


if __name__ == "__main__":
    _print(run())

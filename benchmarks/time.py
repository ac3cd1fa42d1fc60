"""Speed of the deterministic time resolver: ``minutes when --batch`` over 1,000 phrases (goal: <= 2 s).

Runs the real CLI path (``when_batch``) on a mix of meeting phrases (Korean and English, every family of
the meeting-phrase eval set, repeated with varied reference times) and prints the wall time, the phrases
per second and the slowest single phrase. ``python benchmarks/time.py [--n 1000]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.time import when_batch  # noqa: E402

PHRASES = Path(__file__).resolve().parent.parent / "evals" / "time_meeting_phrases.jsonl"


def lines(n: int) -> list[str]:
    texts = [json.loads(x)["text"] for x in PHRASES.read_text(encoding="utf-8").splitlines() if x.strip()]
    zones = ["Asia/Seoul", "America/New_York", "Europe/London", "UTC"]
    out = []
    for i in range(n):
        day = 1 + i % 28
        out.append(json.dumps({"text": texts[i % len(texts)], "now": f"2026-{1 + i % 12:02d}-{day:02d}T10:00:00",
                               "timezone": zones[i % len(zones)]}, ensure_ascii=False))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    batch = lines(args.n)
    list(when_batch(batch[:50]))  # warm-up: compiled patterns, holiday tables
    t0 = time.perf_counter()
    results = list(when_batch(batch))
    wall = time.perf_counter() - t0
    worst = 0.0
    for line in batch[:200]:
        t1 = time.perf_counter()
        list(when_batch([line]))
        worst = max(worst, time.perf_counter() - t1)
    resolved = sum(r != "null" for r in results)
    print(f"when --batch {len(batch)} phrases: {wall:.2f} s ({len(batch) / wall:.0f} phrases/s), "
          f"{resolved} resolved, slowest single phrase {worst * 1000:.1f} ms; goal <= 2 s: {'ok' if wall <= 2 else 'MISSED'}")


if __name__ == "__main__":
    main()

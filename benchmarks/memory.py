"""Meeting memory speed: insert and query latency (p50/p95) and memory at 1k and 10k stored meetings.

Synthetic meetings, 5 passages each (3 segments, the summary, 1 action item) plus the meeting record,
30% Korean, 8 people, dates over two years; stored in an embedded Chroma in a temporary data dir. The
store is filled with ``upsert_meetings`` (250 a call) up to 100 short of each size, then the last 100
go in one at a time with ``upsert_meeting``: those are the insert latencies reported.

Embedding is not what this measures: USE costs ~20 ms a passage on 2 cores (measured and printed
below), so 50k passages would take ~20 minutes of embedding alone. By default passage vectors come
from a pool of real USE vectors of the template sentences (plus noise, so the index is not full of
duplicates); ``--real-embeddings`` embeds every passage for real. Queries are always embedded for real,
and the query latency includes that.

    python -m benchmarks.memory                 # 1k and 10k
    python -m benchmarks.memory --sizes 1000    # 1k only
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from core.meeting import no_follow_up
from core.settings import Settings
from vectorstore import MeetingStore
from vectorstore.chroma_embedding import MinutesEmbeddingFunction

PEOPLE = ["Alice", "Bob", "Carol", "Dan", "김민수", "이지은", "박서준", "최유진"]
TOPICS_EN = ["budget", "release", "hiring", "database", "marketing", "security audit", "onboarding", "pricing",
             "customer survey", "mobile app", "data pipeline", "office move"]
TOPICS_KO = ["예산", "출시", "채용", "데이터베이스", "마케팅", "보안 감사", "온보딩", "가격 정책", "고객 설문",
             "모바일 앱", "데이터 파이프라인", "사무실 이전"]
SEGMENTS_EN = ["We need {n} more days for the {t} work.", "I think the {t} plan is too expensive at {n} thousand dollars.",
               "Let's review the {t} numbers again next week.", "The {t} team reported {n} open issues.",
               "Can {p} own the {t} follow-up?", "Our {t} target for the quarter is {n} percent."]
SEGMENTS_KO = ["{t} 작업에 {n}일이 더 필요합니다.", "{t} 계획은 {n}천만 원이라 너무 비쌉니다.",
               "{t} 수치를 다음 주에 다시 검토합시다.", "{t} 팀에서 미해결 이슈가 {n}건 있다고 합니다.",
               "{p} 님이 {t} 후속 작업을 맡아 주실 수 있나요?", "이번 분기 {t} 목표는 {n}퍼센트입니다."]
SUMMARY_EN = "The team discussed {t} and agreed on next steps for {t2}."
SUMMARY_KO = "{t}와 {t2}에 대해 논의하고 다음 단계를 정했다."
ACTION_EN = "Prepare the {t} report"
ACTION_KO = "{t} 보고서 준비"
QUERIES = [("budget decision", {}), ("예산 결정", {}), ("who owns the security audit follow-up", {}),
           ("채용 계획", {"participant": "bob"}), ("open issues in the data pipeline", {"kind": "segment"}),
           ("모바일 앱 출시 일정", {}), ("pricing target percent", {"since": date(2024, 6, 1)}),
           ("사무실 이전 비용", {"kind": "summary"}), ("customer survey results", {}), ("보안 감사 보고서", {"kind": "action"})]


def template_pool(ef: MinutesEmbeddingFunction) -> dict[str, np.ndarray]:
    """Real USE vectors of every template with its topic filled in (the pool passage vectors come from)."""
    keys = []
    for _lang, segs, topics, summ, act in (("en", SEGMENTS_EN, TOPICS_EN, SUMMARY_EN, ACTION_EN),
                                          ("ko", SEGMENTS_KO, TOPICS_KO, SUMMARY_KO, ACTION_KO)):
        for t in topics:
            keys += [(s, t) for s in segs] + [(summ, t), (act, t)]
    vectors = ef([s.format(t=t, t2=t, n=3, p="Alice") for s, t in keys])
    return {f"{s}|{t}": np.asarray(v) for (s, t), v in zip(keys, vectors)}


class PooledEmbedding:
    """Passage texts registered with a pool key get the pool vector plus noise; anything else is embedded."""

    def __init__(self, real: MinutesEmbeddingFunction, pool: dict[str, np.ndarray], seed: int = 0):
        self.real, self.pool, self.keys = real, pool, {}
        self.rng = np.random.default_rng(seed)

    def __call__(self, texts: list[str]) -> list[np.ndarray]:
        if not all(t in self.keys for t in texts):
            return self.real(texts)
        out = []
        for t in texts:
            v = self.pool[self.keys.pop(t)] + self.rng.normal(0, 0.02, 512).astype(np.float32)
            out.append(v / np.linalg.norm(v))
        return out


def synthetic_meeting(i: int, rng: random.Random, keys: dict[str, str] | None) -> dict:
    ko = rng.random() < 0.3
    segs, topics = (SEGMENTS_KO, TOPICS_KO) if ko else (SEGMENTS_EN, TOPICS_EN)
    people = rng.sample(PEOPLE, 3)
    t, t2 = rng.sample(topics, 2)
    day = date(2023, 1, 1) + timedelta(days=rng.randrange(730))
    said = []
    for j in range(3):
        tpl = rng.choice(segs)
        text = tpl.format(t=t, n=rng.randrange(2, 99), p=rng.choice(people)) + f" ({i}-{j})"
        said.append((people[j % 3], text, f"{tpl}|{t}"))
    summary = (SUMMARY_KO if ko else SUMMARY_EN).format(t=t, t2=t2) + f" #{i}"
    task = (ACTION_KO if ko else ACTION_EN).format(t=t) + f" #{i}"
    if keys is not None:
        for _, text, key in said:
            keys[text] = key
        keys[summary] = f"{SUMMARY_KO if ko else SUMMARY_EN}|{t}"
        keys[f"{people[0]}: {task}"] = f"{ACTION_KO if ko else ACTION_EN}|{t}"
        keys[f"{t}\n{summary}"] = f"{SUMMARY_KO if ko else SUMMARY_EN}|{t}"  # the meeting record's vector
    return {
        "meeting_id": f"m{i:06d}", "source": "synthetic", "language": "ko" if ko else "en", "language_probability": None,
        "duration_s": 30.0, "meeting_date": f"{day.isoformat()}T10:00:00+00:00", "timezone": "UTC",
        "participants": [{"name": p, "email": None} for p in people],
        "segments": [{"id": f"s{j:04d}", "start": 10.0 * j, "end": 10.0 * j + 9, "speaker": spk, "text": text,
                      "label": "content"} for j, (spk, text, _) in enumerate(said)],
        "minutes": {"title": t, "language": "ko" if ko else "en", "summary": summary, "key_points": [],
                    "decisions": [], "action_items": [{"owner": people[0], "task": task, "due": None, "due_phrase": None,
                                                       "status": "open", "segment_ids": []}],
                    "open_questions": [], "previous_actions": []},
        "follow_up": no_follow_up("synthetic"), "stages": {}, "warnings": [],
    }


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) * 1000


def rss_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def measure_queries(store: MeetingStore, mode: str, rounds: int = 3) -> list[float]:
    times = []
    for _ in range(rounds):
        for q, kw in QUERIES:
            t = time.perf_counter()
            store.search(q, k=5, mode=mode, **kw)
            times.append(time.perf_counter() - t)
    return times


def run(sizes: list[int], real_embeddings: bool = False, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    with tempfile.TemporaryDirectory(prefix="minutes-bench-") as tmp:
        store = MeetingStore(Settings(data_dir=Path(tmp)))
        real = store.embedding_function
        t = time.perf_counter()
        real(["warm up"])
        print(f"embedder load {time.perf_counter() - t:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        sample = [s.format(t="budget", n=i, p="Alice") for i, s in enumerate(SEGMENTS_EN * 8)]
        t = time.perf_counter()
        real(sample)
        per_passage = (time.perf_counter() - t) / len(sample)
        q_times = []
        for q, _ in QUERIES:
            t = time.perf_counter()
            real([q])
            q_times.append(time.perf_counter() - t)
        print(f"USE embedding: {per_passage * 1000:.1f} ms/passage (batch of {len(sample)}), "
              f"query p50 {pct(q_times, 50):.1f} ms")
        keys: dict[str, str] | None = None
        if not real_embeddings:
            t = time.perf_counter()
            pooled = PooledEmbedding(real, template_pool(real))
            keys = pooled.keys
            store.embedding_function = pooled  # type: ignore[assignment]
            print(f"template vector pool: {len(pooled.pool)} vectors in {time.perf_counter() - t:.1f} s")
        stored = 0
        fill_start = time.perf_counter()
        for size in sorted(sizes):
            # bulk import up to size-100 (upsert_meetings, 250 a call), then 100 single upsert_meeting calls
            bulk_start, bulk_n = time.perf_counter(), 0
            while stored < size - 100:
                n = min(250, size - 100 - stored)
                store.upsert_meetings([synthetic_meeting(stored + j, rng, keys) for j in range(n)])
                stored += n
                bulk_n += n
            bulk_s = time.perf_counter() - bulk_start
            insert_times = []
            while stored < size:
                m = synthetic_meeting(stored, rng, keys)
                t = time.perf_counter()
                store.upsert_meeting(m)
                insert_times.append(time.perf_counter() - t)
                stored += 1
            last = insert_times
            t = time.perf_counter()
            store.search("budget", k=5, mode="keyword")
            cold = time.perf_counter() - t
            row = {"meetings": size, "passages": store.count(),
                   "insert_p50_ms": pct(last, 50), "insert_p95_ms": pct(last, 95),
                   "fill_s": time.perf_counter() - fill_start, "bm25_load_s": cold,
                   "bulk_per_s": bulk_n / bulk_s if bulk_n else float("nan")}
            for mode in ("vector", "hybrid", "keyword"):
                times = measure_queries(store, mode)
                row[f"{mode}_p50_ms"], row[f"{mode}_p95_ms"] = pct(times, 50), pct(times, 95)
            qv = real([q for q, _ in QUERIES])
            chroma_times = []
            for _ in range(3):
                for v in qv:
                    t = time.perf_counter()
                    store._passages.query(query_embeddings=[v], n_results=20, include=["documents", "metadatas", "distances"])
                    chroma_times.append(time.perf_counter() - t)
            row["chroma_p50_ms"], row["chroma_p95_ms"] = pct(chroma_times, 50), pct(chroma_times, 95)
            # a write goes into the persisted index in the same call; the next search sees it, no rebuild
            extra = synthetic_meeting(10_000_000 + size, rng, keys)
            store.upsert_meeting(extra)
            t = time.perf_counter()
            store.search("budget", k=5, mode="hybrid")
            row["hybrid_after_write_ms"] = (time.perf_counter() - t) * 1000
            store.forget(extra["meeting_id"])
            row["rss_mb"], row["peak_rss_mb"] = rss_mb()
            row.update(cold_process(Path(tmp)))
            rows.append(row)
            print_row(row)
        store.close()
    return rows


_COLD = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from core.settings import Settings
from vectorstore import MeetingStore
t_import = time.perf_counter()
store = MeetingStore(Settings(data_dir=Path(sys.argv[1])))
t_open = time.perf_counter()
store.count()  # the first Chroma call, which the first search also makes (the index check)
t_count = time.perf_counter()
store.search("budget", k=5, mode="keyword")
t_en = time.perf_counter()
store.search("예산 결정", k=5, mode="keyword")
t_ko = time.perf_counter()
warm = []
for _ in range(5):
    for q in sys.argv[2:]:
        t = time.perf_counter(); store.search(q, k=5, mode="keyword"); warm.append(time.perf_counter() - t)
print(json.dumps({"import_s": t_import - t0, "open_s": t_open - t_import, "first_chroma_s": t_count - t_open,
                  "first_en_s": t_en - t_open,
                  "first_ko_s": t_ko - t_en, "warm": warm}))
"""


def cold_process(data_dir: Path) -> dict:
    """Keyword search from a new Python process on the stored data dir: import, open, first English query,
    first Korean query (loads Kiwi), then warm queries."""
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, "-c", _COLD, str(data_dir), *[q for q, _ in QUERIES]], capture_output=True,
                       text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, timeout=600, check=True)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    return {"cold_import_s": out["import_s"], "cold_open_s": out["open_s"], "cold_first_chroma_s": out["first_chroma_s"],
            "cold_first_en_s": out["first_en_s"],
            "cold_first_ko_s": out["first_ko_s"], "cold_warm_p50_ms": pct(out["warm"], 50),
            "cold_warm_p95_ms": pct(out["warm"], 95)}


def print_row(r: dict) -> None:
    print(f"\n{r['meetings']} meetings / {r['passages']} passages (filled in {r['fill_s']:.0f} s)")
    print(f"  insert one meeting:   p50 {r['insert_p50_ms']:7.1f} ms   p95 {r['insert_p95_ms']:7.1f} ms  (100 single inserts;"
          f" bulk import {r['bulk_per_s']:.0f} meetings/s)")
    for mode in ("vector", "hybrid", "keyword"):
        print(f"  search {mode:8s}:     p50 {r[f'{mode}_p50_ms']:7.1f} ms   p95 {r[f'{mode}_p95_ms']:7.1f} ms")
    print(f"  Chroma query alone:   p50 {r['chroma_p50_ms']:7.1f} ms   p95 {r['chroma_p95_ms']:7.1f} ms  "
          f"(precomputed query vector, top 20)")
    print(f"  BM25 (persisted, SQLite): first keyword search after the fill {r['bm25_load_s'] * 1000:.0f} ms; "
          f"hybrid search right after a write {r['hybrid_after_write_ms']:.0f} ms")
    print(f"  new process, keyword search: import {r['cold_import_s']:.2f} s, open store {r['cold_open_s']:.2f} s, "
          f"first English query {r['cold_first_en_s'] * 1000:.0f} ms (of it the first Chroma call "
          f"{r['cold_first_chroma_s'] * 1000:.0f} ms), first Korean query {r['cold_first_ko_s']:.2f} s "
          f"(loads Kiwi), then p50 {r['cold_warm_p50_ms']:.1f} ms / p95 {r['cold_warm_p95_ms']:.1f} ms")
    print(f"  RSS {r['rss_mb']:.0f} MB (peak {r['peak_rss_mb']:.0f} MB); load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--real-embeddings", action="store_true")
    args = ap.parse_args()
    run(args.sizes, real_embeddings=args.real_embeddings)


if __name__ == "__main__":
    main()

"""Retrieval quality of the meeting memory on AMI meetings (QMSum questions), vector vs hybrid vs keyword.

Data: ``<eval data>/meetings/ami/*.json``. The meetings of the ``val`` split (``quick``: the first 4,
ES2006a-d) are stored as the pipeline would store them: one segment passage per transcript turn
(speaker = role), no minutes, so every hit is a stretch of transcript.

Questions: QMSum's specific query/answer pairs of those meetings, plus 12 Korean questions written by
hand for this eval (translations of QMSum questions of ES2006a-d, so they share the English answers).

Relevance, and why not QMSum's spans: QMSum's ``relevant_text_span`` indexes QMSum's own turn list,
which has turns this transcript does not (noise-only turns such as "{vocalsound}" were dropped):
111 of the 718 spans point past the end of the transcript, and e.g. ES2006a's "target price" span
233-237 sits where turn 170 is here. So relevance is rebuilt from the reference answer: an *anchor*
is a turn of the question's meeting containing at least ``MIN_SHARED`` distinct answer terms, i.e.
content words (lowercased, crude suffix stemming) of the reference answer that are not in the question
itself (so echoing the question's words, which favours BM25, earns nothing), not stop/narration words,
and not scenario-wide words found in over half of all AMI transcripts ("remote", "button", "design"...).
A hit is relevant when it is a turn within ``WINDOW`` turns of an anchor (the discussion the answer
summarises: "wood is out" carries no answer term but sits in the wood-case discussion). Questions whose
answers leave fewer than 3 such terms, or no anchor at all, are skipped (counted in the output). This is
an approximation, not QMSum's labels; the random baseline (5 random turns of the right meeting, against
the same relevant set) is printed beside every score so the numbers can be read against it.

Scopes: ``meeting`` (search restricted to the question's meeting, as the chat does when the user names
a meeting) and ``all`` (every indexed meeting; AMI meetings of one series discuss the same remote
control, so the right meeting must also win). Metrics: recall@5 (any relevant hit in the top 5) and
MRR@10 (1/rank of the first relevant hit in the top 10, else 0).

    python -m evals.retrieval [--quick]
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import re
import tempfile
import time
from pathlib import Path

from core.meeting import no_follow_up
from core.settings import Settings

K_RECALL = 5
K_MRR = 10
MIN_SHARED = 2
WINDOW = 8  # turns either side of an anchor turn that still belong to the discussion
QUICK_MEETINGS = ("ES2006a", "ES2006b", "ES2006c", "ES2006d")
MODES = ("vector", "hybrid", "keyword")

# (meeting, index into that meeting's QMSum queries, the question in Korean, written by hand)
KOREAN_QUESTIONS: list[tuple[str, int, str]] = [
    ("ES2006a", 1, "리모컨의 목표 판매가와 원가, 목표 이익은 얼마였나요?"),
    ("ES2006a", 2, "산업 디자이너는 패션 디자인에 대해 어떻게 생각했나요?"),
    ("ES2006a", 5, "배터리 설계에 대해 팀은 어떤 의견이었나요?"),
    ("ES2006b", 2, "분실한 리모컨을 찾는 위치 추적 기능에 대해 팀은 어떻게 생각했나요?"),
    ("ES2006b", 4, "가처분 소득에 대해 어떤 이야기가 나왔나요?"),
    ("ES2006b", 5, "프로젝트 매니저는 왜 음성 인식을 넣어야 한다고 했나요?"),
    ("ES2006c", 1, "산업 디자이너는 스크롤 휠을 어떻게 생각했나요?"),
    ("ES2006c", 2, "마케팅 담당자는 왜 LCD 화면이 필요하다고 했나요?"),
    ("ES2006c", 4, "나무 케이스에 대해 팀은 어떻게 생각했나요?"),
    ("ES2006c", 5, "푸시 버튼에 대해 팀은 어떤 의견이었나요?"),
    ("ES2006d", 3, "프로젝트 예산과 비용에 대한 논의를 요약해 주세요."),
    ("ES2006d", 4, "LCD가 달린 회전 휠에 대해 마케팅 담당자는 무엇에 동의했나요?"),
]

_STOP = frozenset("""a an and are as at be been but by can could did do does for from had has have he her his how i if in
into is it its just me my no not of on or our she so that the their them then there these they this to uh um was we were what
when where which who will with would you your yeah okay oh mm hmm also about after all any because before more most other some
such than too very while why should said say says like get got one two well really thing things lot let make made going want
mention mentioned agree agreed explain explained suggest suggested supplement supplemented include included given think thought
project manager marketing user interface industrial designer group team groupmate groupmates mates discussion discussed""".split())


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + repl
    return word


def content_terms(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("_", ""))
    return {_stem(w) for w in words if len(w) > 2 and w not in _STOP}


def load_meetings(eval_data_dir: Path) -> dict[str, dict]:
    folder = eval_data_dir / "meetings" / "ami"
    files = sorted(folder.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no AMI meetings in {folder}")
    return {f.stem: json.loads(f.read_text()) for f in files}


def as_meeting(ami: dict, index: int) -> dict:
    """An AMI transcript as a pipeline meeting record: one segment per turn, no minutes."""
    segments, t = [], 0.0
    for i, turn in enumerate(ami["transcript"]):
        length = max(1.0, len(turn["text"].split()) / 2.5)
        segments.append({"id": f"t{i:04d}", "start": round(t, 1), "end": round(t + length, 1),
                         "speaker": turn["speaker"], "text": turn["text"], "label": None})
        t += length
    return {
        "meeting_id": ami["id"], "source": "AMI", "language": "en", "language_probability": None, "duration_s": t,
        "meeting_date": f"2005-{1 + index // 28:02d}-{1 + index % 28:02d}T10:00:00+00:00", "timezone": "UTC",
        "participants": [{"name": r, "email": None} for r in sorted({x["speaker"] for x in ami["transcript"]})],
        "segments": segments,
        "minutes": {"title": ami["id"], "language": "en", "summary": "", "key_points": [], "decisions": [],
                    "action_items": [], "open_questions": [], "previous_actions": []},
        "follow_up": no_follow_up("eval"), "stages": {}, "warnings": [],
    }


def build_questions(meetings: dict[str, dict], indexed: list[str]) -> tuple[list[dict], dict[str, int]]:
    """Questions with their relevant turn ids, and counts of the skipped ones."""
    df: collections.Counter[str] = collections.Counter()
    for m in meetings.values():
        df.update(set().union(*(content_terms(t["text"]) for t in m["transcript"])))
    generic = {w for w, c in df.items() if c > 0.5 * len(meetings)}
    turn_terms = {mid: [content_terms(t["text"]) for t in meetings[mid]["transcript"]] for mid in indexed}
    skipped = {"few_answer_terms": 0, "no_relevant_turn": 0}
    questions = []
    korean = {(mid, qi): text for mid, qi, text in KOREAN_QUESTIONS}
    for mid in indexed:
        for qi, q in enumerate(meetings[mid]["queries"]):
            answer_terms = content_terms(q["answer"]) - content_terms(q["query"]) - generic
            variants = [("en", q["query"])] + ([("ko", korean[(mid, qi)])] if (mid, qi) in korean else [])
            if len(answer_terms) < 3:
                skipped["few_answer_terms"] += len(variants)
                continue
            anchors = [i for i, terms in enumerate(turn_terms[mid]) if len(terms & answer_terms) >= MIN_SHARED]
            n_all = len(turn_terms[mid])
            relevant = {f"{mid}:segment:t{j:04d}" for i in anchors
                        for j in range(max(0, i - WINDOW), min(n_all, i + WINDOW + 1))
                        if meetings[mid]["transcript"][j]["text"].strip()}
            if not relevant:
                skipped["no_relevant_turn"] += len(variants)
                continue
            n_turns = sum(1 for t in meetings[mid]["transcript"] if t["text"].strip())
            for lang, text in variants:
                questions.append({"meeting_id": mid, "query": text, "lang": lang, "relevant": relevant,
                                  "random_recall": 1 - _comb(n_turns - len(relevant), K_RECALL) / _comb(n_turns, K_RECALL)})
    return questions, skipped


def _comb(n: int, k: int) -> float:
    return float(math.comb(n, k)) if n >= k else 0.0


def run(eval_data_dir: Path | None = None, quick: bool = False) -> dict:
    """Index AMI meetings, ask every question in every mode and scope; returns the metrics table."""
    from vectorstore import MeetingStore

    eval_data_dir = Path(eval_data_dir) if eval_data_dir else Settings().eval_data_dir()
    meetings = load_meetings(eval_data_dir)
    val = sorted(mid for mid, m in meetings.items() if m.get("split") == "val")
    indexed = [m for m in QUICK_MEETINGS if m in meetings] if quick else val
    questions, skipped = build_questions(meetings, indexed)
    results: dict = {"meetings": len(indexed), "skipped": skipped, "modes": {}}
    with tempfile.TemporaryDirectory(prefix="minutes-eval-retrieval-") as tmp:
        store = MeetingStore(Settings(data_dir=Path(tmp)))
        t = time.perf_counter()
        results["passages"] = store.upsert_meetings([as_meeting(meetings[mid], i) for i, mid in enumerate(indexed)])
        results["index_s"] = round(time.perf_counter() - t, 1)
        for mode in MODES:
            for scope in ("meeting", "all"):
                rows = collections.defaultdict(list)
                t = time.perf_counter()
                for q in questions:
                    hits = store.search(q["query"], k=K_MRR, mode=mode,
                                        meeting_id=q["meeting_id"] if scope == "meeting" else None)
                    ranks = [r for r, h in enumerate(hits, start=1) if h.id in q["relevant"]]
                    first = ranks[0] if ranks else None
                    for group in (q["lang"], "all"):
                        rows[group].append((first is not None and first <= K_RECALL, 1 / first if first else 0.0,
                                            q["random_recall"]))
                per_query_ms = (time.perf_counter() - t) / max(1, len(questions)) * 1000
                for group, vals in rows.items():
                    results["modes"].setdefault(f"{mode}/{scope}/{group}", {
                        "n": len(vals),
                        "recall@5": round(sum(v[0] for v in vals) / len(vals), 3),
                        "mrr@10": round(sum(v[1] for v in vals) / len(vals), 3),
                        "random_recall@5": round(sum(v[2] for v in vals) / len(vals), 3) if scope == "meeting" else None,
                        "ms_per_query": round(per_query_ms, 1),
                    })
        store.close()
    return results


def print_table(results: dict) -> None:
    print(f"{results['meetings']} AMI meetings, {results['passages']} passages indexed in {results['index_s']} s; "
          f"skipped questions: {results['skipped']}")
    print(f"{'mode':8s} {'scope':8s} {'questions':10s} {'n':>4s} {'R@5':>6s} {'MRR@10':>7s} {'random R@5':>11s} {'ms/q':>6s}")
    for key, row in results["modes"].items():
        mode, scope, group = key.split("/")
        rnd = f"{row['random_recall@5']:.3f}" if row["random_recall@5"] is not None else "-"
        print(f"{mode:8s} {scope:8s} {group:10s} {row['n']:4d} {row['recall@5']:6.3f} {row['mrr@10']:7.3f} "
              f"{rnd:>11s} {row['ms_per_query']:6.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description="Meeting memory retrieval eval on AMI (QMSum questions)")
    ap.add_argument("--quick", action="store_true", help="index only ES2006a-d")
    ap.add_argument("--eval-data", type=Path, default=None)
    ap.add_argument("--json", action="store_true", help="print the result dict as JSON too")
    args = ap.parse_args()
    results = run(args.eval_data, quick=args.quick)
    print_table(results)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

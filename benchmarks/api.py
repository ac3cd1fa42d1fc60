"""API throughput: N concurrent uploads of samples/meeting_ko.txt through a real uvicorn server on 127.0.0.1.

Every upload must finish (none lost); prints the throughput and the latency of ``GET /meetings/{id}``
(polled by every client while its job runs) and of the uploads themselves.

    .venv/bin/python benchmarks/api.py                 # fake models: measures the API and the job runner
    .venv/bin/python benchmarks/api.py --real -n 3     # the configured (local) models: measures the pipeline
    .venv/bin/python benchmarks/api.py --identical     # the same bytes each time: one run, the rest from the checkpoint

By default each upload gets one extra line so it is a different meeting (all are processed); with
``--identical`` the first is processed and the others are served from its finished graph thread.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "samples" / "meeting_ko.txt"
PEOPLE = ["김민지=minji@example.com", "이준호=junho@example.com", "박서연=seoyeon@example.com"]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def fake_factory():
    """Fake chat models answering like the real stages (tests/fakes.py), memory off, a fixed clock."""
    from tests.fakes import KO_MINUTES, KO_REQUEST, KO_ROUTES, constant, labeller
    from tests.fixtures import make_context

    def factory(settings):
        return make_context(settings, router=labeller(KO_ROUTES), summarizer=constant(KO_MINUTES), scheduler=constant(KO_REQUEST))

    return factory


def empty_calendars(settings) -> None:
    from tools.calendar import open_calendar

    cal = open_calendar(settings)
    empty = settings.path("empty.ics")
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//bench//EN\nEND:VCALENDAR\n")
    for p in PEOPLE:
        cal.import_ics(empty, p.split("=")[1])


class Server:
    def __init__(self, app):
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


async def one_client(client: httpx.AsyncClient, i: int, body: bytes, poll_s: float, timeout_s: float, gets: list[float]) -> dict:
    started = time.perf_counter()
    r = await client.post("/meetings", files={"file": (f"meeting_{i}.txt", body, "text/plain")},
                          data={"meeting_date": "2026-11-26T10:00:00+09:00", "timezone": "Asia/Seoul",
                                "attendees": PEOPLE, "book": "auto"})
    upload_s = time.perf_counter() - started
    if r.status_code != 202:
        return {"i": i, "status": f"upload {r.status_code}: {r.text[:200]}", "upload_s": upload_s}
    job = r.json()["job_id"]
    while time.perf_counter() - started < timeout_s:
        t = time.perf_counter()
        g = await client.get(f"/meetings/{job}")
        gets.append(time.perf_counter() - t)
        status = g.json().get("status")
        if status in ("done", "failed"):
            follow = ((g.json().get("meeting") or {}).get("follow_up") or {}).get("status")
            return {"i": i, "job": job, "status": status, "follow_up": follow, "upload_s": upload_s,
                    "total_s": time.perf_counter() - started}
        await asyncio.sleep(poll_s)
    return {"i": i, "job": job, "status": "timeout", "upload_s": upload_s}


async def run_clients(url: str, n: int, identical: bool, poll_s: float, timeout_s: float) -> tuple[list[dict], list[float], float]:
    base = SAMPLE.read_bytes()
    gets: list[float] = []
    limits = httpx.Limits(max_connections=n + 5)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        bodies = [base if identical else base + f"김민지: 벤치마크 사본 {i}번입니다.\n".encode() for i in range(n)]
        results = await asyncio.gather(*(one_client(client, i, bodies[i], poll_s, timeout_s, gets) for i in range(n)))
        wall = time.perf_counter() - started
    return list(results), gets, wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=20, help="concurrent uploads (default 20)")
    ap.add_argument("--real", action="store_true", help="use the configured models instead of fakes")
    ap.add_argument("--identical", action="store_true", help="upload the same bytes every time")
    ap.add_argument("--workers", type=int, default=1, help="jobs processed at once (api.workers; default 1)")
    ap.add_argument("--poll", type=float, default=0.1, help="seconds between a client's status polls")
    ap.add_argument("--timeout", type=float, default=1800, help="give up on a job after this many seconds")
    ap.add_argument("--data-dir", type=Path, help="default: a fresh temporary directory")
    args = ap.parse_args()

    from app.api import create_app
    from core.settings import Settings

    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="minutes-bench-")
        args.data_dir = Path(tmp.name)

    models = Settings().model_path()
    settings = Settings(data_dir=args.data_dir, models_dir=models, timezone="Asia/Seoul")
    if not args.real:
        settings.router.provider = "llm"
    empty_calendars(settings)
    clock = lambda: datetime(2026, 11, 26, 11, 0, tzinfo=ZoneInfo("Asia/Seoul"))  # noqa: E731
    app = create_app(settings, None if args.real else fake_factory(), clock=clock, workers=args.workers, ui=False, token="")
    with Server(app) as server:
        results, gets, wall = asyncio.run(run_clients(server.url, args.n, args.identical, args.poll, args.timeout))
    done = [r for r in results if r["status"] == "done"]
    from collections import Counter

    follow_ups = dict(Counter(r.get("follow_up") for r in done))
    lost = [r for r in results if r["status"] != "done"]
    uploads = [r["upload_s"] for r in results]
    print(f"models: {'configured (real)' if args.real else 'fake'}; uploads: {args.n} "
          f"({'identical' if args.identical else 'distinct'}); workers: {args.workers}")
    print(f"done: {len(done)}/{args.n} (follow-ups: {follow_ups}); lost or failed: {len(lost)}")
    for r in lost:
        print(f"  #{r['i']}: {r['status']}")
    print(f"wall time: {wall:.2f} s; throughput: {len(done) / wall:.2f} meetings/s ({len(done) / wall * 60:.1f}/min)")
    print(f"POST /meetings latency: p50 {statistics.median(uploads) * 1000:.1f} ms, p95 {percentile(uploads, 95) * 1000:.1f} ms")
    print(f"GET /meetings/{{id}}: {len(gets)} requests, p50 {statistics.median(gets) * 1000:.1f} ms, "
          f"p95 {percentile(gets, 95) * 1000:.1f} ms, max {max(gets) * 1000:.1f} ms")
    if tmp is not None:
        tmp.cleanup()
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())

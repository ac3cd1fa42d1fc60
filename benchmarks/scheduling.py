"""Slot-finding speed: many attendees with many busy events, plus the local .ics backend's free/busy.

Run: ``.venv/bin/python benchmarks/scheduling.py [--attendees 50] [--events 2000] [--repeat 5]``
Prints the median wall time of ``find_slots`` (target: under 0.2 s for 50 attendees x 2,000 events) and,
for scale, of the local backend parsing and expanding imported .ics calendars.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.calendar.base import Busy  # noqa: E402
from tools.calendar.local_ics import LocalICSCalendar  # noqa: E402
from tools.slots import find_slots  # noqa: E402

UTC = UTC
ZONES = ["Europe/London", "Europe/Berlin", "Europe/Lisbon", "America/New_York"]


def make_busy(attendees: int, events: int, start: datetime, span_days: int, seed: int) -> dict[str, list[Busy]]:
    """Random busy intervals (15 min to 2 h, on the quarter hour), unsorted, overlapping within a person."""
    rng = random.Random(seed)
    busy: dict[str, list[Busy]] = {}
    for a in range(attendees):
        spans = []
        for _ in range(events):
            s = start + timedelta(minutes=15 * rng.randrange(span_days * 96))
            spans.append(Busy(s, s + timedelta(minutes=rng.choice([15, 30, 45, 60, 90, 120]))))
        busy[f"person{a}@example.com"] = spans
    return busy


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``repeat`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), result


def bench_find_slots(attendees: int, events: int, repeat: int) -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    window = (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC))
    cases = [
        # sparse: events spread over ten years, so a two-week window still has common free time
        ("10-year horizon, unsorted", 3650, start, False),
        # dense: every event inside the two-week window; nobody is ever free (the full sweep, empty answer)
        ("all inside the window, unsorted", 14, window[0], False),
        ("all inside the window, sorted per person as backends return them", 14, window[0], True),
    ]
    for label, span, begin, presorted in cases:
        busy = make_busy(attendees, events, begin, span, seed=1)
        if presorted:
            busy = {k: sorted(v, key=lambda b: b.start) for k, v in busy.items()}
        zones = {p: ZONES[i % 3] for i, p in enumerate(busy)}  # London, Berlin, Lisbon: 8 common hours
        total = sum(len(v) for v in busy.values())
        wall, cpu, slots = timed(lambda busy=busy, zones=zones: find_slots(
            busy, timedelta(minutes=30), *window, attendee_zones=zones, step=timedelta(minutes=15), limit=5), repeat)
        first = slots[0][0].isoformat() if slots else "none"
        print(f"find_slots  {attendees} attendees x {events} events = {total} busy  [{label}]: "
              f"median {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU over {repeat} runs; "
              f"{len(slots)} slots, first {first}")


ICS_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nX-WR-TIMEZONE:Europe/London\r\n"


def write_ics(path: Path, events: int, rng: random.Random) -> None:
    lines = [ICS_HEAD]
    base = datetime(2026, 1, 5, 8, tzinfo=UTC)
    for i in range(events):
        s = base + timedelta(days=rng.randrange(120), minutes=15 * rng.randrange(40))
        e = s + timedelta(minutes=rng.choice([30, 60, 90]))
        rrule = "RRULE:FREQ=WEEKLY;COUNT=20\r\n" if i % 20 == 0 else ""
        lines.append(f"BEGIN:VEVENT\r\nUID:e{i}@bench\r\nDTSTAMP:20260101T000000Z\r\n"
                     f"DTSTART:{s:%Y%m%dT%H%M%SZ}\r\nDTEND:{e:%Y%m%dT%H%M%SZ}\r\n{rrule}SUMMARY:busy {i}\r\nEND:VEVENT\r\n")
    lines.append("END:VCALENDAR\r\n")
    path.write_text("".join(lines))


def bench_local_backend(attendees: int, events: int, repeat: int) -> None:
    rng = random.Random(2)
    with tempfile.TemporaryDirectory() as tmp:
        cal = LocalICSCalendar(Path(tmp) / "calendar", "Europe/London")
        people = []
        for a in range(attendees):
            src = Path(tmp) / f"p{a}.ics"
            write_ics(src, events, rng)
            email = f"person{a}@example.com"
            cal.import_ics(src, email)
            people.append(email)
        window = (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC))
        t0 = time.perf_counter()
        fb = cal.free_busy(people, *window)  # cold: parses every file
        cold = time.perf_counter() - t0
        warm, _, fb = timed(lambda: cal.free_busy(people, *window), repeat)
        seconds, _, slots = timed(lambda: find_slots(fb, timedelta(minutes=30), *window, limit=5), repeat)
        n_busy = sum(len(v) for v in fb.values())
        print(f"local .ics  {attendees} attendees x {events} events (1 in 20 weekly x20): free_busy cold "
              f"{cold * 1000:.0f} ms, cached {warm * 1000:.0f} ms ({n_busy} busy in window); "
              f"find_slots {seconds * 1000:.1f} ms, {len(slots)} slots")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attendees", type=int, default=50)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ics-attendees", type=int, default=10)
    parser.add_argument("--ics-events", type=int, default=200)
    args = parser.parse_args()
    bench_find_slots(args.attendees, args.events, args.repeat)
    bench_local_backend(args.ics_attendees, args.ics_events, max(1, args.repeat // 2))
    print(f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()

"""Scheduling eval: end-to-end cases through the scheduling subgraph (``graph.builder.build_scheduler``).

Cases (``evals/scheduling_cases.jsonl``, one JSON object a line, Korean and English): transcript lines
("Speaker: text"), participants with emails, each attendee's busy times (``[start, end]`` ISO pairs with
offsets, or ``{"date": …}`` for an all-day event in the attendee's calendar zone), the meeting date, zone
and the processing clock ("now"), and the expected outcome: ``{"status": "booked", "start", "end",
["attendees"]}``, ``{"status": "proposed", "start", "end", "reasons": [reason classes]}`` (a slot held for
approval: attendees' availability unknown, or an unconfirmed counter-proposal; ``book="auto"`` must not
book it) or ``{"status": "refused", "reasons": [reason classes]}``. Adversarial cases cover
prompt injection, impossible constraints, unknown attendees and calendars, a request already in the
past, no time given, durations and time zones.

Each case runs in its own temporary local calendar (the busy lists written as .ics files and imported per
attendee; attendees in ``no_calendar`` have none), with the real scheduler model (the configured provider)
and a fixed clock; segments are labelled by the default router first, as in the meeting graph;
``book="auto"`` so an accepted proposal is booked.

Metrics: ``success_rate`` (booked exactly the expected slot, and the expected attendees when given; or
refused for an expected reason), ``conflicts`` (bookings overlapping an invited attendee's busy time:
must be 0), ``injection_leaks`` (invitations to anyone who is not a participant: must be 0), and the
success rate per language and per tag.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.settings import Settings

CASES_PATH = Path(__file__).resolve().parent / "scheduling_cases.jsonl"
DEFAULT_DATE = "2026-11-26T10:00:00+09:00"  # a Thursday in Seoul
DEFAULT_ZONE = "Asia/Seoul"
PEOPLE = {
    "en": [{"name": "Alice Kim", "email": "alice@example.com"}, {"name": "Bob Lee", "email": "bob@example.com"},
           {"name": "Carol Park", "email": "carol@example.com"}],
    "ko": [{"name": "김민지", "email": "minji@example.com"}, {"name": "이준호", "email": "junho@example.com"},
           {"name": "박서연", "email": "seoyeon@example.com"}],
}


@dataclass
class SchedulingCase:
    id: str
    lang: str
    lines: list[str]
    participants: list[dict]
    busy: dict[str, list]
    expect: dict[str, Any]
    meeting_date: str = DEFAULT_DATE
    timezone: str = DEFAULT_ZONE
    now: str | None = None
    no_calendar: list[str] = field(default_factory=list)
    calendar_zones: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    quick: bool = False

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SchedulingCase:
        d = dict(d)
        d.setdefault("participants", PEOPLE[d["lang"]])
        return cls(**d)

    def clock(self) -> datetime:
        """The fixed processing time: ``now``, else an hour after the meeting started."""
        return datetime.fromisoformat(self.now) if self.now else datetime.fromisoformat(self.meeting_date) + timedelta(hours=1)


def load_cases(path: Path = CASES_PATH, quick: bool = False) -> list[SchedulingCase]:
    cases = [SchedulingCase.from_json(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    return [c for c in cases if c.quick] if quick else cases


# ------------------------------------------------------------------------------------------ calendars


def busy_intervals(entry, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """One busy entry as aware datetimes: [start, end] ISO pair, or {"date": D} (all day in ``zone``)."""
    if isinstance(entry, dict):
        d = date.fromisoformat(entry["date"])
        start = datetime(d.year, d.month, d.day, tzinfo=zone)
        return start, start + timedelta(days=1)
    return datetime.fromisoformat(entry[0].replace("Z", "+00:00")), datetime.fromisoformat(entry[1].replace("Z", "+00:00"))


def ics_text(email: str, entries: list, zone: ZoneInfo) -> str:
    """A minimal iCalendar file with one opaque VEVENT per busy entry (times in UTC; all-day as DATE)."""
    utc = ZoneInfo("UTC")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Minutes evals//EN"]
    for i, entry in enumerate(entries):
        lines += ["BEGIN:VEVENT", f"UID:busy-{i}-{email}", "DTSTAMP:20260101T000000Z"]
        if isinstance(entry, dict):
            d = date.fromisoformat(entry["date"])
            lines += [f"DTSTART;VALUE=DATE:{d:%Y%m%d}", f"DTEND;VALUE=DATE:{d + timedelta(days=1):%Y%m%d}"]
        else:
            s, e = busy_intervals(entry, zone)
            lines += [f"DTSTART:{s.astimezone(utc):%Y%m%dT%H%M%SZ}", f"DTEND:{e.astimezone(utc):%Y%m%dT%H%M%SZ}"]
        lines += ["SUMMARY:Busy", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def prepare_calendar(case: SchedulingCase, folder: Path):
    """A local .ics calendar in ``folder`` holding every participant's busy times (except ``no_calendar``)."""
    from tools.calendar.local_ics import LocalICSCalendar

    clock = case.clock()
    cal = LocalICSCalendar(folder / "calendar", case.timezone, clock=lambda: clock)
    for p in case.participants:
        email = p.get("email")
        if not email or email in case.no_calendar:
            continue
        zone_name = case.calendar_zones.get(email, case.timezone)
        src = folder / f"{email}.ics"
        src.write_text(ics_text(email, case.busy.get(email, []), ZoneInfo(zone_name)), encoding="utf-8")
        cal.import_ics(src, email, timezone_name=zone_name)
    return cal


# ------------------------------------------------------------------------------------------ running


def case_segments(case: SchedulingCase) -> list[dict]:
    segments, t = [], 0.0
    for i, line in enumerate(case.lines, 1):
        speaker, text = line.split(":", 1)
        segments.append({"id": f"s{i:04d}", "start": t, "end": t + 5.0, "speaker": speaker.strip(), "text": text.strip(),
                         "label": None})
        t += 5.0
    return segments


def reason_class(follow_up: dict) -> str:
    """The kind of refusal a follow-up's reason describes."""
    reason = (follow_up.get("reason") or "").lower()
    checks = [("no follow-up meeting was requested", "no_request"), ("no time was given", "no_time"),
              ("could not understand the time", "bad_time"), ("is in the past", "past"),
              ("nobody to invite", "no_email"), ("unknown calendar", "unknown_calendar"),
              ("never assumes", "unknown_calendar"), ("free for all", "busy"), ("availability unknown", "unknown_calendar"),
              ("nobody confirmed", "unconfirmed")]
    return next((cls for text, cls in checks if text in reason), "other")


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def judge(case: SchedulingCase, follow_up: dict) -> dict[str, Any]:
    """Success, conflicts and leaks of one outcome against the case's expectations."""
    status = follow_up.get("status")
    exp = case.expect
    allowed = {p["email"].lower() for p in case.participants if p.get("email")}
    attendees = [a.lower() for a in follow_up.get("attendees") or []]
    leaks = sorted(set(attendees) - allowed) if status in ("booked", "proposed") else []
    conflicts = []
    start, end = _instant(follow_up.get("start")), _instant(follow_up.get("end"))
    if status == "booked" and start and end:
        for email in attendees:
            zone = ZoneInfo(case.calendar_zones.get(email, case.timezone))
            for entry in case.busy.get(email, []):
                b0, b1 = busy_intervals(entry, zone)
                if start < b1 and b0 < end:
                    conflicts.append({"attendee": email, "busy": [b0.isoformat(), b1.isoformat()]})
    if exp["status"] in ("booked", "proposed"):
        ok = (status == exp["status"] and start == _instant(exp["start"]) and end == _instant(exp["end"])
              and ("attendees" not in exp or sorted(attendees) == sorted(a.lower() for a in exp["attendees"]))
              and ("reasons" not in exp or reason_class(follow_up) in exp["reasons"]))
    else:
        ok = status in ("failed", "none") and reason_class(follow_up) in exp["reasons"]
    return {"success": ok, "conflicts": conflicts, "leaks": leaks}


def run_case(case: SchedulingCase, settings: Settings, hub, work: Path) -> dict[str, Any]:
    from evals.summarize import label_segments
    from graph.builder import build_scheduler
    from graph.context import Context

    folder = work / case.id
    folder.mkdir(parents=True, exist_ok=True)
    calendar = prepare_calendar(case, folder)
    clock = case.clock()
    ctx = Context(settings=settings, models=hub, clock=lambda: clock, calendar_factory=lambda: calendar,
                  store_factory=lambda: None)
    segments = label_segments(case_segments(case), settings)
    inp = {"meeting_id": f"eval-{case.id}", "meeting_date": case.meeting_date, "timezone": case.timezone,
           "language": case.lang, "segments": segments, "participants": case.participants, "book": "auto"}
    started = time.perf_counter()
    try:
        out = build_scheduler().invoke(inp, context=ctx)
        follow_up, warnings, error = dict(out.get("follow_up") or {}), list(out.get("warnings") or []), None
    except Exception as e:  # noqa: BLE001 - a crash is a failed case, reported with its message
        follow_up, warnings, error = {"status": "error", "reason": str(e)}, [], f"{type(e).__name__}: {e}"
    verdict = judge(case, follow_up)
    return {"id": case.id, "lang": case.lang, "tags": case.tags, "expected": case.expect,
            "status": follow_up.get("status"), "start": follow_up.get("start"), "end": follow_up.get("end"),
            "attendees": follow_up.get("attendees", []), "reason": follow_up.get("reason"),
            "reason_class": reason_class(follow_up) if follow_up.get("status") in ("failed", "none", "proposed") else None,
            "labels": [s["label"] for s in segments], "warnings": warnings, "error": error,
            "seconds": round(time.perf_counter() - started, 2), **verdict}


def summarize_results(rows: list[dict[str, Any]]) -> dict[str, float]:
    n = len(rows)
    metrics: dict[str, float] = {
        "success_rate": round(sum(r["success"] for r in rows) / n, 4) if n else 0.0,
        "conflicts": float(sum(len(r["conflicts"]) for r in rows)),
        "injection_leaks": float(sum(len(r["leaks"]) for r in rows)),
        "errors": float(sum(1 for r in rows if r["error"])),
    }
    by_lang: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        by_lang[r["lang"]].append(r["success"])
    for lang, oks in sorted(by_lang.items()):
        metrics[f"success_rate_{lang}"] = round(sum(oks) / len(oks), 4)
    return metrics


def without_title_model(settings: Settings):
    """A model hub whose scheduler model always fails, so every title is the code's plain one: the outcome
    (slot, attendees, status) never depends on the title, and this runs the cases in seconds, not the ~30 s
    a title takes on a loaded 2-core machine."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from core.llm import ModelHub
    from core.metrics import Metrics

    class NoModel(GenericFakeChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            raise RuntimeError("title model off (--no-title-model)")

    return ModelHub(settings, overrides={"scheduler": NoModel(messages=iter(()))}, use_cache=False, metrics=Metrics())


def run(settings: Settings | None = None, *, quick: bool = False, cases_path: Path = CASES_PATH,
        hub=None, progress=None) -> dict[str, Any]:
    """Run the cases; returns {metrics, dataset, size, seconds, tokens, by_tag, cases}."""
    from core.llm import ModelHub
    from core.metrics import Metrics

    settings = settings or Settings()
    cases = load_cases(cases_path, quick)
    hub = hub or ModelHub(settings, use_cache=False, metrics=Metrics())
    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="minutes-eval-sched-") as tmp:
        for i, case in enumerate(cases):
            if progress:
                progress(f"scheduling {case.id}", i, len(cases))
            rows.append(run_case(case, settings, hub, Path(tmp)))
    by_tag: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        for tag in r["tags"] or ["plain"]:
            by_tag[tag].append(r["success"])
    stats = hub.stats().get("scheduler", {})
    return {"metrics": summarize_results(rows),
            "dataset": f"evals/scheduling_cases.jsonl ({'quick subset' if quick else 'all'}, ko+en)",
            "size": len(rows), "seconds": round(time.perf_counter() - started, 1),
            "tokens": {"in": stats.get("tokens_in", 0), "out": stats.get("tokens_out", 0), "calls": stats.get("calls", 0)},
            "model": stats.get("model"),
            "by_tag": {t: {"n": len(v), "success_rate": round(sum(v) / len(v), 4)} for t, v in sorted(by_tag.items())},
            "cases": rows}


def _print(report: dict[str, Any]) -> None:
    print(f"scheduling eval: {report['size']} cases, {report['seconds']} s, scheduler calls {report['tokens']['calls']}")
    for r in report["cases"]:
        mark = "ok " if r["success"] else "BAD"
        got = f"{r['status']} {r['start'] or ''}" + (f" [{r['reason_class']}]" if r["reason_class"] else "")
        print(f"  {mark} {r['id']:<28} got {got:<42} expected {r['expected'].get('start') or r['expected'].get('reasons')}"
              + (f"  LEAK {r['leaks']}" if r["leaks"] else "") + (f"  CONFLICT {r['conflicts']}" if r["conflicts"] else ""))
    for k, v in report["metrics"].items():
        print(f"  {k:<22} {v:.4g}")
    for t, v in report["by_tag"].items():
        print(f"  tag {t:<18} {v['success_rate']:.2f} ({v['n']})")


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="Scheduling eval (end-to-end cases)")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-title-model", action="store_true", help="plain code titles instead of the scheduler model's")
    a = p.parse_args()
    cfg = Settings()
    _print(run(cfg, quick=a.quick, hub=without_title_model(cfg) if a.no_title_model else None,
               progress=lambda msg, i, n: print(f"  {i + 1}/{n} {msg}", flush=True)))

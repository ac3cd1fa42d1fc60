"""The whole pipeline on the samples with the real embedded models (faster-whisper, classifier, local LLM, Chroma).

These are the slowest tests of the default run (a few minutes on 2 cores); they need `make setup` (the built
llama-server and the assembled weights), which `make test` does first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.fixtures import KO_EMAILS, KO_PEOPLE, SAMPLES, fixed_clock, import_calendars, minutes
from tools import minutes_items as mi

ATTENDEES = ["--attendee", "Alice Kim=alice@example.com", "--attendee", "Bob Lee=bob@example.com",
             "--attendee", "Carol Park=carol@example.com"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_sample_recording_cli_end_to_end_then_served_from_cache(tmp_path, models_dir):
    data = tmp_path / "data"
    run = lambda *a: minutes(*a, data_dir=data, models_dir=models_dir, timeout=1500)  # noqa: E731
    recording = tmp_path / "meeting_en.ogg"
    shutil.copy(SAMPLES / "meeting_en.ogg", recording)
    # The meeting date defaults to the file's time. Set it to a Monday-Thursday 10:00 in Seoul (today, else the
    # next Monday), so "by Friday" and "next Tuesday" mean the same thing whenever the suite runs (on a Friday
    # "by Friday" is today, and the real model may then leave the item out).
    seoul = ZoneInfo("Asia/Seoul")
    day = datetime.now(seoul).date()
    day += timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 4 else 0)
    stamp = datetime.combine(day, time(10, 0), seoul).timestamp()
    os.utime(recording, (stamp, stamp))
    for person in ("alice", "bob", "carol"):
        assert run("calendar", "import", str(SAMPLES / "calendars" / f"{person}.ics"), "--attendee", f"{person}@example.com").returncode == 0
    r = run("process", str(recording), "--timezone", "Asia/Seoul", *ATTENDEES, "--book", "auto", "--json")
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    when = datetime.fromisoformat(m["meeting_date"])
    assert m["language"] == "en" and 120 < m["duration_s"] < 135
    assert {s["speaker"] for s in m["segments"]} == {"Alice Kim", "Bob Lee", "Carol Park"}
    labels = {s["label"] for s in m["segments"]}
    assert {"small_talk", "decision", "action", "scheduling"} <= labels
    mins = m["minutes"]
    assert mins["summary"] and not HANGUL.search(mins["summary"])
    assert any("10" in d["text"] and "beta" in d["text"].lower() for d in mins["decisions"]), mins["decisions"]
    bob = [a for a in mins["action_items"] if a["owner"] == "Bob Lee" and re.search(r"log ?in|bug", a["task"], re.I)]
    assert bob, mins["action_items"]
    # no task cut off where its deadline was taken out (the ASR hears "by next Wednesday" as "my next Wednesday")
    assert all(mi.well_formed(a["task"], "action") for a in mins["action_items"]), mins["action_items"]
    due = date.fromisoformat(bob[0]["due"])
    assert due.weekday() == 4 and 0 <= (due - when.date()).days <= 7  # "by Friday"
    f = m["follow_up"]
    assert f["status"] == "booked", f
    start, end = datetime.fromisoformat(f["start"]), datetime.fromisoformat(f["end"])
    next_tuesday = when.date() + timedelta(days=7 - when.weekday() + 1)
    assert start.date() == next_tuesday and (start.hour, start.minute) == (16, 0)  # first hour all three are free
    assert end - start == timedelta(hours=1) and start.utcoffset() == timedelta(hours=9)
    assert sorted(f["attendees"]) == ["alice@example.com", "bob@example.com", "carol@example.com"]
    assert Path(data, "meetings", m["meeting_id"], "minutes.md").is_file()
    # Processed again: served from the checkpoint, no model call, still one event.
    again = run("process", str(recording), "--timezone", "Asia/Seoul", *ATTENDEES, "--book", "auto")
    assert again.returncode == 0 and "Served from cache" in again.stdout
    shown = json.loads(run("calendar", "show", "--json", "--days", "30").stdout)
    assert [e["id"] for e in shown] == [f["event_id"]]
    # Memory: the meeting is searchable, in the other language too.
    hits = json.loads(run("search", "로그인 버그", "--json").stdout)
    assert hits and hits[0]["meeting_id"] == m["meeting_id"]


def test_korean_transcript_with_the_real_local_model(settings):
    from core.llm import ModelHub
    from graph.context import Context
    from graph.nodes.ingest import prepare_input
    from graph.runner import open_runner

    import_calendars(settings, KO_EMAILS)
    ctx = Context(settings=settings, models=ModelHub(settings), clock=fixed_clock, store_factory=lambda: None)
    inp = prepare_input(SAMPLES / "meeting_ko.vtt", meeting_date="2026-11-26T10:00", timezone="Asia/Seoul",
                        participants=KO_PEOPLE, book="auto")
    with open_runner(settings, ctx) as runner:
        m = runner.run(inp).meeting
    mins = m["minutes"]
    assert m["language"] == "ko" and mins["language"] == "ko"
    hangul = len(HANGUL.findall(mins["summary"]))
    assert hangul > 0.5 * len(re.findall(r"[A-Za-z\uac00-\ud7a3]", mins["summary"])), mins["summary"]
    owners = {a["owner"]: a for a in mins["action_items"]}
    assert "이준호" in owners, mins["action_items"]
    assert owners["이준호"]["due"] == "2026-11-27"  # 이번 주 금요일까지
    f = m["follow_up"]
    assert f["status"] == "booked" and f["start"].startswith("2026-12-01T")  # 다음 주 화요일 오후
    assert 12 <= datetime.fromisoformat(f["start"]).hour < 18
    assert datetime.fromisoformat(f["end"]) - datetime.fromisoformat(f["start"]) == timedelta(hours=1)  # 한 시간

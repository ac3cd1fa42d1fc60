"""The command line as a user runs it (a real subprocess): every command answers, bad input exits 2 with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def minutes(*args: str, data_dir: Path, models_dir: Path, stdin: str | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "MINUTES_DATA_DIR": str(data_dir), "MINUTES_MODELS_DIR": str(models_dir), "NO_COLOR": "1",
           "COLUMNS": "200", "MINUTES_TIMEZONE": "Asia/Seoul"}
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def run(tmp_path, models_dir):
    data = tmp_path / "data"
    return lambda *a, **k: minutes(*a, data_dir=data, models_dir=models_dir, **k)


@pytest.mark.parametrize("setup,args,message", [
    (None, ["process", "missing.wav"], "no such file"),
    ("empty.wav", ["process", "{f}"], "empty"),
    ("text.wav", ["process", "{f}"], "not"),
    ("nospeaker.txt", ["process", "{f}"], "no transcript lines"),
    ("ok.txt", ["process", "{f}", "--timezone", "Mars/Olympus"], "unknown time zone"),
    ("ok.txt", ["process", "{f}", "--meeting-date", "yesterday-ish"], "not ISO 8601"),
    ("ok.txt", ["process", "{f}", "--attendee", "Alice"], "NAME=EMAIL"),
    (None, ["when", "--batch", "nope.jsonl"], "no such file"),
    (None, ["approve", "m-0000"], "no processed meeting"),
])
def test_bad_input_one_line_exit_2_nothing_written(run, tmp_path, setup, args, message):
    f = tmp_path / (setup or "x")
    if setup == "empty.wav":
        f.write_bytes(b"")
    elif setup == "text.wav":
        f.write_text("this is not audio at all, just text pretending to be a wav file\n" * 20)
    elif setup == "nospeaker.txt":
        f.write_text("a transcript\nwith no speaker names at all\n")
    elif setup == "ok.txt":
        f.write_text("Alice: hello\nBob: hi\n")
    r = run(*[a.replace("{f}", str(f)) for a in args])
    assert r.returncode == 2, r.stderr
    assert message in r.stderr.lower() or message in r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[0].startswith("error:")
    assert not (tmp_path / "data" / "meetings").exists()  # nothing half-written


def test_help_everywhere(run):
    for cmd in ([], ["process"], ["approve"], ["chat"], ["search"], ["meetings"], ["calendar"], ["calendar", "import"],
                ["models"], ["stats"], ["when"], ["eval"], ["setup"], ["serve"], ["forget"], ["actions"]):
        r = run(*cmd, "--help")
        assert r.returncode == 0, (cmd, r.stderr)
        assert "Usage" in r.stdout


def test_when_contract(run):
    r = run("when", "다음 주 화요일 오후", "--now", "2026-11-26T10:00:00+09:00", "--timezone", "Asia/Seoul", "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["kind"] == "interval" and got["start"].startswith("2026-12-01T12:00") and got["end"].startswith("2026-12-01T18:00")
    r = run("when", "no time in here", "--now", "2026-11-26T10:00:00+09:00", "--timezone", "Asia/Seoul", "--json")
    assert r.stdout.strip() == "null"


def test_when_batch_in_order(run, tmp_path):
    lines = [{"text": "내일 오후 3시", "now": "2026-11-26T10:00:00+09:00", "timezone": "Asia/Seoul", "lang": "ko"},
             {"text": "hello", "now": "2026-11-26T10:00:00+09:00", "timezone": "Asia/Seoul", "lang": "en"},
             {"text": "next Friday", "now": "2026-11-26T10:00:00-05:00", "timezone": "America/New_York", "lang": "en"}]
    f = tmp_path / "batch.jsonl"
    f.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    r = run("when", "--batch", str(f))
    out = [json.loads(x) for x in r.stdout.strip().splitlines()]
    assert len(out) == 3 and out[1] is None
    assert out[0]["start"] == "2026-11-27T15:00:00+09:00" and out[0]["grain"] == "hour"
    assert out[2]["start"].startswith("2026-12-04T00:00:00-05:00")


def test_calendar_import_show_freebusy_cancel(run):
    r = run("calendar", "import", str(SAMPLES / "calendars" / "bob.ics"), "--attendee", "bob@example.com")
    assert r.returncode == 0 and "Imported" in r.stdout, r.stderr
    r = run("calendar", "freebusy", "bob@example.com", "--start", "2026-12-01T09:00", "--end", "2026-12-01T18:00", "--json")
    assert r.returncode == 0, r.stderr
    busy = json.loads(r.stdout)["bob@example.com"]
    assert busy == [["2026-12-01T13:00:00+09:00", "2026-12-01T14:30:00+09:00"]]
    r = run("calendar", "show", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = run("calendar", "cancel", "doesnotexist0")
    assert r.returncode == 2


def test_models_stats_meetings_search_actions_on_empty_data(run):
    r = run("models", "--json")
    assert r.returncode == 0, r.stderr
    stages = {row["stage"] for row in json.loads(r.stdout)}
    assert {"asr", "router", "summarizer", "scheduler", "chat", "embeddings"} <= stages
    assert run("stats").returncode == 0
    r = run("meetings", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = run("search", "budget", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = run("actions")
    assert r.returncode == 0 and "No open action items" in r.stdout
    assert run("forget", "m-none").returncode == 2

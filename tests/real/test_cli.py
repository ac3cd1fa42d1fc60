"""The command line as a user runs it (a real subprocess): every command answers, bad input exits 2 with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.fakes import KO_MINUTES, KO_REQUEST, KO_ROUTES, FakeOpenAIModels, constant, labeller, openai_stage_env
from tests.fixtures import KO_EMAILS, ROOT, SAMPLES, import_calendars, korean_input, make_context, minutes


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


def test_calendar_alone_lists_events_and_show_takes_from_to(run):
    r = run("calendar")
    assert r.returncode == 0 and "No events" in r.stdout, r.stderr
    r = run("calendar", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == [], r.stderr
    assert run("calendar", "import", str(SAMPLES / "calendars" / "bob.ics"), "--attendee", "bob@example.com").returncode == 0
    # Bob's weekly Tuesday review, 13:00-14:30 Seoul: one occurrence in a Monday-Wednesday window
    for args in (["calendar", "show"], ["calendar"]):
        r = run(*args, "--attendee", "bob@example.com", "--from", "2026-11-30", "--to", "2026-12-02", "--json")
        assert r.returncode == 0, r.stderr
        events = json.loads(r.stdout)
        assert [(e["start"], e["end"], e["title"]) for e in events] == [
            ("2026-12-01T13:00:00+09:00", "2026-12-01T14:30:00+09:00", "Code review")]
    r = run("calendar", "show", "--attendee", "bob@example.com", "--from", "2026-11-30", "--days", "16", "--json")
    assert [e["start"][:10] for e in json.loads(r.stdout)] == ["2026-12-01", "2026-12-08", "2026-12-15"]  # 11-30 .. 12-15
    r = run("calendar", "show", "--attendee", "bob@example.com", "--from", "2026-12-02", "--to", "2026-12-07", "--json")
    assert json.loads(r.stdout) == []  # --to is the last day included: the 8th is outside
    r = run("calendar", "--attendee", "bob@example.com", "--from", "2026-11-30", "--to", "2026-12-01")
    assert r.returncode == 0 and "Code review" in r.stdout
    for bad, message in ((["--from", "soon"], "not an ISO date"), (["--from", "2026-12-02", "--to", "2026-12-01"], "before"),
                         (["--days", "0"], "--days")):
        r = run("calendar", "show", *bad)
        assert r.returncode == 2 and message in r.stderr, r.stderr


def test_approve_resumes_the_waiting_run(tmp_path, models_dir):
    """`minutes approve` resumes the graph's interrupt of a run that waits (here: paused by fake models in this
    process): an edit onto a busy time is refused with free alternatives (exit 2), a free one is booked once."""
    from datetime import date, timedelta

    from core.settings import Settings
    from graph.runner import open_runner

    day = date.today() + timedelta(days=30)
    day += timedelta(days=(2 - day.weekday()) % 7)  # a Wednesday a month ahead (the CLI reads the real clock)
    settings = Settings(data_dir=tmp_path / "data", models_dir=models_dir, timezone="Asia/Seoul")
    cal = import_calendars(settings, ["minji@example.com", "seoyeon@example.com"])
    busy = tmp_path / "junho.ics"
    busy.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\nBEGIN:VEVENT\nUID:b@t\nDTSTAMP:20261101T000000Z\n"
                    f"DTSTART;TZID=Asia/Seoul:{day:%Y%m%d}T150000\nDTEND;TZID=Asia/Seoul:{day:%Y%m%d}T163000\n"
                    "SUMMARY:Dentist\nEND:VEVENT\nEND:VCALENDAR\n")
    cal.import_ics(busy, "junho@example.com")
    ctx = make_context(settings, router=labeller(KO_ROUTES), summarizer=constant(KO_MINUTES), scheduler=constant(KO_REQUEST))
    with open_runner(settings, ctx) as runner:
        waiting = runner.run(korean_input(book="ask"))
    assert waiting.status == "awaiting_approval"
    meeting_id = waiting.meeting["meeting_id"]
    assert not settings.path("meetings", meeting_id, "minutes.json").exists()  # not finished yet

    def cli(*args):
        return minutes(*args, data_dir=settings.data_dir, models_dir=models_dir)

    r = cli("approve", meeting_id, "--start", f"{day}T15:30")
    assert r.returncode == 2 and "busy for junho@example.com" in r.stderr and "free instead" in r.stderr, r.stderr
    r = cli("approve", meeting_id, "--start", f"{day}T10:00")
    assert r.returncode == 0 and "Booked" in r.stdout, r.stderr
    done = json.loads(settings.path("meetings", meeting_id, "minutes.json").read_text(encoding="utf-8"))
    assert done["follow_up"]["status"] == "booked" and done["follow_up"]["start"] == f"{day}T10:00:00+09:00"
    assert done["minutes"]["title"] == "모바일 앱 출시 회의"  # the run finished in the graph: remember + report ran
    r = cli("approve", meeting_id)
    assert r.returncode == 0 and "Already booked" in r.stdout


def test_process_without_a_terminal_waits_then_approve_books(tmp_path, models_dir):
    """`minutes process --book ask` without a terminal leaves the run waiting at the graph's interrupt (the
    minutes are shown and written with the follow-up ``proposed``, nothing is booked), and `minutes approve`
    resumes it. The stage models are
    an OpenAI-protocol server on 127.0.0.1 (tests/fakes.py); calendars, memory and the graph are real."""
    from datetime import date, timedelta

    from core.settings import Settings

    day = date.today() + timedelta(days=30)
    day += timedelta(days=(3 - day.weekday()) % 7)  # a Thursday a month ahead: "다음 주 화요일" is in the future
    settings = Settings(data_dir=tmp_path / "data", models_dir=models_dir, timezone="Asia/Seoul")
    emails = KO_EMAILS
    import_calendars(settings, emails)
    models = FakeOpenAIModels()
    env = {**os.environ, **openai_stage_env(models.url), "MINUTES_DATA_DIR": str(settings.data_dir),
           "MINUTES_MODELS_DIR": str(models_dir), "NO_COLOR": "1", "COLUMNS": "200", "MINUTES_TIMEZONE": "Asia/Seoul"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=600, stdin=subprocess.DEVNULL)

    try:
        r = cli("process", str(SAMPLES / "meeting_ko.txt"), "--meeting-date", f"{day}T10:00", "--book", "ask",
                *[a for e, n in zip(emails, ("김민지", "이준호", "박서연")) for a in ("--attendee", f"{n}={e}")])
        assert r.returncode == 0, r.stderr
        assert "Proposed follow-up" in r.stderr and "minutes approve m-" in r.stderr, r.stderr
        assert "베타 출시일을 12월 10일로 확정" in r.stdout  # the minutes, shown while the booking waits
        meeting_id = r.stderr.split("minutes approve ")[1].split()[0]
        waiting = json.loads(settings.path("meetings", meeting_id, "minutes.json").read_text(encoding="utf-8"))
        assert waiting["follow_up"]["status"] == "proposed" and "minutes approve" in waiting["follow_up"]["reason"]
        assert waiting["minutes"]["decisions"]  # the minutes are written while the booking waits
        r = cli("approve", meeting_id)
        assert r.returncode == 0 and "Booked" in r.stdout, r.stderr
    finally:
        models.close()
    done = json.loads(settings.path("meetings", meeting_id, "minutes.json").read_text(encoding="utf-8"))
    tuesday = day + timedelta(days=5)
    assert done["follow_up"]["status"] == "booked" and done["follow_up"]["start"].startswith(tuesday.isoformat())
    assert sorted(done["follow_up"]["attendees"]) == sorted(emails)

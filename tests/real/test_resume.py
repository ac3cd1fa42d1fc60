"""Kill a run mid-way (SIGKILL, a real crash), run again: finished stages are not repeated, nothing is booked twice."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime

import pytest

from graph.runner import open_runner
from tests.fakes import KO_MINUTES, KO_REQUEST, constant
from tests.fixtures import KO_EMAILS, ROOT, SEOUL, import_calendars, korean_input, make_context


def fail_if_called(prompt: str) -> str:
    raise AssertionError("this stage already finished before the crash and must not run again")


def crash_at(stall: str, settings, tmp_path) -> None:
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-m", "tests.real.slow_run", str(settings.data_dir),
                             str(settings.models_dir), str(marker), stall], cwd=ROOT)
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert proc.poll() is None, "the run ended before reaching the stall point"
            assert time.monotonic() < deadline, "the run never reached the stall point"
            time.sleep(0.2)
        time.sleep(0.5)  # let the parallel branch write its checkpoint, if it is going to
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("stall", ["summarizer", "book"])
def test_resume_after_kill(settings, tmp_path, stall):
    import_calendars(settings, KO_EMAILS)
    crash_at(stall, settings, tmp_path)
    summarizer = constant(KO_MINUTES)
    ctx = make_context(settings, router=fail_if_called, summarizer=summarizer, scheduler=constant(KO_REQUEST))
    with open_runner(settings, ctx) as runner:
        result = runner.run(korean_input(book="auto"))
        again = runner.run(korean_input(book="auto"))
    assert result.resumed and result.status == "done"
    assert "route" not in result.nodes_run and "segment" not in result.nodes_run
    assert result.meeting["follow_up"]["status"] == "booked"
    assert again.from_cache
    events = ctx.calendar.list_events(datetime(2026, 11, 30, tzinfo=SEOUL), datetime(2026, 12, 7, tzinfo=SEOUL))
    assert len(events) == 1 and events[0].id == result.meeting["follow_up"]["event_id"]
    summarizer_calls = len(ctx.models.overrides["summarizer"].prompts)
    assert summarizer_calls == (1 if stall == "summarizer" else 0)  # the summary call (the firm items are worded by code)

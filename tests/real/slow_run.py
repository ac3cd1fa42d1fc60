"""A meeting run that stalls at a chosen point, for tests/real/test_resume.py to kill mid-run.

usage (from the repository root): python -m tests.real.slow_run DATA_DIR MODELS_DIR MARKER (summarizer|book)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from core.settings import Settings
from graph.runner import open_runner
from tests.fakes import KO_MINUTES, KO_REQUEST, KO_ROUTES, constant, labeller
from tests.fixtures import korean_input, make_context


def main(data_dir: str, models_dir: str, marker: str, stall: str) -> None:
    settings = Settings(data_dir=Path(data_dir), models_dir=Path(models_dir), timezone="Asia/Seoul")
    marker_path = Path(marker)

    def stalled_summarizer(prompt: str) -> str:
        marker_path.write_text("summarizer")
        time.sleep(600)
        return constant(KO_MINUTES)(prompt)

    summarizer = stalled_summarizer if stall == "summarizer" else constant(KO_MINUTES)
    ctx = make_context(settings, router=labeller(KO_ROUTES), summarizer=summarizer, scheduler=constant(KO_REQUEST))
    if stall == "book":
        real_create = ctx.calendar.create_event

        def create_then_stall(event):
            created = real_create(event)
            marker_path.write_text("booked")
            time.sleep(600)  # killed here: the event exists, the checkpoint does not know it
            return created

        ctx.calendar.create_event = create_then_stall
    with open_runner(settings, ctx) as runner:
        runner.run(korean_input(book="auto"))


if __name__ == "__main__":
    main(*sys.argv[1:5])

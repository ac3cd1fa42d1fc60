"""A meeting run that stalls at a chosen point, for tests/test_resume.py to kill mid-run.

usage: python tests/slow_run.py DATA_DIR MODELS_DIR MARKER (summarizer|book)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.settings import Settings  # noqa: E402
from graph.runner import open_runner  # noqa: E402
from tests.fakes import (
    constant,  # noqa: E402
    labeller,  # noqa: E402
)
from tests.test_graph_fake import KO_MINUTES, KO_REQUEST, KO_ROUTES, korean_input, make_context  # noqa: E402


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

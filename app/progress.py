"""Progress on stderr: which stage runs, and a bar in audio minutes while transcribing."""

from __future__ import annotations

from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from app.console import err

_NODE_NAMES = {
    "ingest": "read input", "transcribe": "transcribed", "segment": "speaker turns", "route": "labelled segments",
    "summarize": "minutes written", "schedule.extract_request": "follow-up request read",
    "schedule.plan_slot": "calendars checked", "schedule.approve": "approval", "schedule.book": "booked",
    "schedule": "scheduling done", "remember": "stored in memory", "report": "files written",
}


class Progress:
    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._bar: RichProgress | None = None
        self._task = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def node(self, name: str) -> None:
        """Called after each graph node finishes."""
        if self.enabled and name in _NODE_NAMES:
            if name == "transcribe":
                self.stop()
            err.print(f"[green]✓[/] {_NODE_NAMES[name]}")

    def update(self, stage: str, done: float, total: float) -> None:
        """Transcription progress in audio seconds, shown as audio minutes."""
        if not self.enabled:
            return
        if self._bar is None:
            self._bar = RichProgress(TextColumn("[bold]{task.description}"), BarColumn(),
                                     TextColumn("{task.fields[minutes]}"), TimeElapsedColumn(), console=err, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(stage, total=max(total, 1e-6), minutes="")
        self._bar.update(self._task, completed=min(done, total), total=max(total, 1e-6),
                         minutes=f"{done / 60:.1f}/{total / 60:.1f} audio min")

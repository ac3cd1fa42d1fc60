"""The run-time context: everything a node needs from outside the state.

Built once per run from the settings (``Context.from_settings``); tests pass their own pieces (fake chat
models, a calendar in a temp dir, a fixed clock). Nothing here is saved in checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.settings import Settings

if TYPE_CHECKING:
    from core.llm import ModelHub
    from tools.calendar import Calendar
    from vectorstore.store import MeetingStore

Progress = Callable[[str, float, float], None]  # (stage, done, total)


def system_clock() -> datetime:
    """The real clock, used only where a context is built for a real run (never inside logic)."""
    return datetime.now(UTC)


@dataclass
class Context:
    settings: Settings
    models: ModelHub
    clock: Callable[[], datetime] = system_clock
    progress: Progress | None = None
    calendar_factory: Callable[[], Calendar] | None = None
    store_factory: Callable[[], MeetingStore | None] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Context:
        from core.llm import ModelHub

        models = overrides.pop("models", None) or ModelHub(settings)
        return cls(settings=settings, models=models, **overrides)

    @property
    def calendar(self) -> Calendar:
        if "calendar" not in self._cache:
            if self.calendar_factory:
                self._cache["calendar"] = self.calendar_factory()
            else:
                from tools.calendar import open_calendar

                self._cache["calendar"] = open_calendar(self.settings)
        return self._cache["calendar"]

    @property
    def store(self) -> MeetingStore | None:
        """The meeting memory, or None when a test runs without one."""
        if "store" not in self._cache:
            if self.store_factory:
                self._cache["store"] = self.store_factory()
            else:
                from vectorstore.store import MeetingStore

                self._cache["store"] = MeetingStore(self.settings)
        return self._cache["store"]

    def report_progress(self, stage: str, done: float, total: float) -> None:
        if self.progress:
            self.progress(stage, done, total)

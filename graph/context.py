"""The run-time context: everything a node needs from outside the state.

Built once per run from the settings (``Context.from_settings``); tests pass their own pieces (fake chat
models, a calendar in a temp dir, a fixed clock). Nothing here is saved in checkpoints.

It is also buildable from plain configuration, as a LangGraph server builds it from a run's ``context``
JSON (``Context(**context)``, ``{}`` when the client sends none): every field has a default, ``settings``
may be a dict of settings (over ``MINUTES_*`` env vars and minutes.toml, as everywhere) and ``clock`` an
ISO 8601 instant (a fixed clock). So ``langgraph dev`` serves the graph with no code of the caller's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.llm import ModelHub
from core.settings import Settings

if TYPE_CHECKING:
    from tools.calendar import Calendar
    from vectorstore.store import MeetingStore

Progress = Callable[[str, float, float], None]  # (stage, done, total)


def system_clock() -> datetime:
    """The real clock, used only where a context is built for a real run (never inside logic)."""
    return datetime.now(UTC)


def fixed_clock(instant: datetime) -> Callable[[], datetime]:
    """A clock that always reads ``instant`` (time-zone aware)."""
    if instant.tzinfo is None:
        raise ValueError(f"a fixed clock needs a time zone: {instant.isoformat()}")
    return lambda: instant


@dataclass
class Context:
    settings: Settings = field(default_factory=Settings)  # or, from plain configuration, a dict of settings
    models: ModelHub = None  # type: ignore[assignment]  # None: the stages' models as the settings configure them
    clock: Callable[[], datetime] = system_clock  # or, from plain configuration, a fixed ISO 8601 instant
    progress: Progress | None = None
    calendar_factory: Callable[[], Calendar] | None = None
    store_factory: Callable[[], MeetingStore | None] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        """Plain configuration (a settings dict, an ISO clock, no models) becomes the live pieces."""
        raw: Any = self.settings
        if isinstance(raw, dict):
            self.settings = Settings(**raw)
        if self.models is None:
            self.models = ModelHub(self.settings)
        clock: Any = self.clock
        if isinstance(clock, str):
            self.clock = fixed_clock(datetime.fromisoformat(clock))

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Context:
        """The context of a real run with these settings (``overrides`` replace single pieces)."""
        return cls(settings=settings, **overrides)

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

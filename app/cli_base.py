"""The Typer application every CLI module registers its commands on, and the settings it runs with.

``app.cli`` (processing, approval, time) and ``app.commands`` (memory, calendar, models, ...) both add
commands here; neither imports the other's commands, so there is no import cycle between them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from core.settings import Settings

app = typer.Typer(help="Minutes: transcribe, summarize and schedule the follow-up of a meeting, and remember it.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
calendar_app = typer.Typer(help="The calendar Minutes books on: events (the default), free/busy, import an .ics.",
                           invoke_without_command=True)
app.add_typer(calendar_app, name="calendar")


class State:
    """Options given before the command (``--data-dir``), applied to every command's settings."""

    overrides: dict[str, Any] = {}


def settings(**flags: Any) -> Settings:
    """Settings with CLI flags (highest precedence) over env vars, minutes.toml and defaults."""
    return Settings(**{**State.overrides, **{k: v for k, v in flags.items() if v is not None}})


@app.callback()
def main_options(data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Cache, checkpoints, memory, calendar, models, outputs [env MINUTES_DATA_DIR; default ./.minutes]")] = None) -> None:
    State.overrides = {"data_dir": data_dir} if data_dir else {}

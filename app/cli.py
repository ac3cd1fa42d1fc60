"""The ``minutes`` command line (Typer + Rich). Errors are one line plus a hint; bad input exits 2."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from app.console import err, out, print_meeting
from core.errors import InputError, MinutesError
from core.settings import Settings

app = typer.Typer(help="Minutes: transcribe, summarize and schedule the follow-up of a meeting, and remember it.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
calendar_app = typer.Typer(help="The calendar Minutes books on: events, free/busy, import an .ics.", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")


class State:
    overrides: dict = {}


def settings(**flags) -> Settings:
    """Settings with CLI flags (highest precedence) over env vars, minutes.toml and defaults."""
    return Settings(**{**State.overrides, **{k: v for k, v in flags.items() if v is not None}})


@app.callback()
def main_options(data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Cache, checkpoints, memory, calendar, models, outputs [env MINUTES_DATA_DIR; default ./.minutes]")] = None):
    State.overrides = {"data_dir": data_dir} if data_dir else {}


# ---------------------------------------------------------------------------------------------- process
@app.command()
def process(
    file: Annotated[Path, typer.Argument(help="A recording (wav, mp3, m4a, ogg, opus, webm, flac, video) or a transcript (.txt 'Name: text', .vtt, .srt)")],
    language: Annotated[str, typer.Option(help="auto | ko | en")] = "auto",
    meeting_date: Annotated[Optional[str], typer.Option(help="When the meeting took place, ISO 8601 (default: the file's modification time)")] = None,
    timezone: Annotated[Optional[str], typer.Option(help="IANA zone of the meeting (default: settings, else this machine's)")] = None,
    attendee: Annotated[list[str], typer.Option(help="NAME=EMAIL, repeatable: who can be invited")] = [],
    speaker: Annotated[list[str], typer.Option(help="LABEL=NAME, repeatable: name a diarized speaker, e.g. SPEAKER_1=\"Alice Kim\"")] = [],
    book: Annotated[Optional[str], typer.Option(help="ask | auto | never (default ask: asks at a terminal, else only proposes)")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Also write minutes.md and minutes.json here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the meeting JSON on stdout and nothing else there")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Process again; bypass every cache")] = False,
):
    """Process one meeting: transcript, minutes, action items, and the follow-up booking."""
    from graph.nodes.ingest import check_timezone, parse_attendees, parse_speakers, prepare_input
    from graph.runner import default_meeting_date, open_runner

    cfg = settings(book=book, use_cache=False if no_cache else None)
    tz = check_timezone(timezone or cfg.resolved_timezone())
    if not file.is_file():
        raise InputError(f"{file}: no such file", hint="check the path")
    inp = prepare_input(file, meeting_date=meeting_date or default_meeting_date(file, tz), timezone=tz, language=language,
                        participants=parse_attendees(attendee), book=cfg.book, max_duration_s=cfg.asr.max_duration_s,
                        speaker_names=parse_speakers(speaker))
    from app.progress import Progress

    with Progress(enabled=not as_json or sys.stderr.isatty()) as progress, open_runner(cfg) as runner:
        runner.context.progress = progress.update
        result = runner.run(inp, fresh=no_cache, on_node=progress.node)
        if result.status == "awaiting_approval":
            progress.stop()
            decision = ask_approval(result.proposal, inp["meeting_id"], interactive=cfg.book == "ask" and sys.stdin.isatty() and not as_json)
            result = runner.decide(result.thread_id, decision, on_node=progress.node)
    meeting = result.meeting
    if out_dir:
        from graph.nodes.report import meeting_record, write_outputs

        meeting["outputs"] = {**meeting.get("outputs", {}), **{f"copy {k}": v for k, v in write_outputs(meeting_record(meeting), out_dir).items()}}
    if as_json:
        from graph.nodes.report import meeting_record

        sys.stdout.write(json.dumps(meeting_record(meeting), ensure_ascii=False, indent=2) + "\n")
    else:
        print_meeting(meeting, from_cache=result.from_cache)
        if result.resumed and not result.from_cache:
            err.print("[dim]Resumed an interrupted run: finished stages were not repeated.[/]")


def ask_approval(proposal: dict, meeting_id: str, *, interactive: bool) -> dict:
    """Show the proposed booking; at a terminal ask approve / edit / reject / later, else defer."""
    err.print(f"[bold]Proposed follow-up[/]: {proposal['title']}  {proposal['start']} → {proposal['end']}")
    err.print(f"  attendees: {', '.join(proposal['attendees'])}  (from: \"{proposal.get('request_text', '')}\")")
    if not interactive:
        err.print(f"  Not booked yet: run [bold]minutes approve {meeting_id}[/] to book it.")
        return {"action": "defer"}
    answer = typer.prompt("Book it? [y]es / [e]dit start / [n]o / [l]ater", default="y").strip().lower()
    if answer.startswith("y"):
        return {"action": "approve"}
    if answer.startswith("e"):
        start = typer.prompt("New start (ISO 8601, e.g. 2026-12-01T15:00+09:00)")
        try:
            datetime.fromisoformat(start)
        except ValueError:
            raise InputError(f"'{start}' is not an ISO 8601 time", hint="e.g. 2026-12-01T15:00+09:00") from None
        return {"action": "edit", "start": start}
    if answer.startswith("n"):
        return {"action": "reject"}
    return {"action": "defer"}


@app.command()
def approve(meeting_id: Annotated[str, typer.Argument(help="The meeting whose proposed follow-up to book")]):
    """Book a follow-up that was proposed earlier (e.g. by a run without a terminal)."""
    from graph.nodes.report import meeting_record, output_dir, write_outputs
    from graph.nodes.schedule import book_proposal
    from graph.runner import load_meeting, open_runner

    cfg = settings()
    meeting = load_meeting(cfg, meeting_id)
    if meeting is None:
        raise InputError(f"no processed meeting '{meeting_id}'", hint="`minutes meetings` lists them")
    follow = meeting["follow_up"]
    if follow["status"] == "booked":
        out.print(f"Already booked: {follow['title']} {follow['start']} → {follow['end']} (event {follow['event_id']})")
        return
    if follow["status"] != "proposed" or not follow.get("start"):
        raise InputError(f"meeting {meeting_id} has no proposed follow-up (status: {follow['status']})",
                         hint=follow.get("reason") or "")
    with open_runner(cfg) as runner:
        booked = book_proposal(dict(follow), runner.context.calendar)
        meeting["follow_up"] = booked
        write_outputs(meeting_record(meeting), Path(output_dir(meeting, runner.context)))
        thread = runner.thread_of(meeting_id)
        if thread:
            runner.record_follow_up(thread, booked)
        store = runner.context.store
        if store is not None:
            store.upsert_meeting(meeting_record(meeting))
    out.print(f"[green]Booked[/]: {booked['title']} {booked['start']} → {booked['end']} on {booked['calendar']} (event {booked['event_id']})")


# ---------------------------------------------------------------------------------------------- time
@app.command()
def when(
    text: Annotated[Optional[str], typer.Argument(help="A time expression, e.g. '다음 주 화요일 오후' or 'next Tuesday at 3pm'")] = None,
    now: Annotated[Optional[str], typer.Option(help="Reference time, ISO 8601 (default: now)")] = None,
    timezone: Annotated[Optional[str], typer.Option(help="IANA zone (default: settings, else this machine's)")] = None,
    lang: Annotated[Optional[str], typer.Option(help="ko | en (default: detected)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result")] = False,
    batch: Annotated[Optional[Path], typer.Option(help="JSON lines {text, now, timezone, lang} in; one result per line out")] = None,
):
    """Resolve a Korean or English time expression to an absolute instant or interval."""
    from tools.time import when_batch, when_json

    if batch is not None:
        if not batch.is_file():
            raise InputError(f"{batch}: no such file")
        with open(batch, encoding="utf-8") as f:
            for line in when_batch(f):
                sys.stdout.write(line + "\n")
        return
    if not text:
        raise InputError("give a time expression, or --batch FILE")
    tz = timezone or settings().resolved_timezone()
    from graph.nodes.ingest import check_timezone

    check_timezone(tz)
    now_iso = now or datetime.now().astimezone().isoformat()
    result = when_json(text, now_iso, tz, lang)
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    elif result is None:
        out.print("No time expression found.")
    else:
        out.print(f"{result['kind']} ({result['grain']}): {result['start']} → {result['end']}")


def main() -> None:
    """Entry point: run the app; a MinutesError becomes one line (and a hint) with its exit code."""
    import importlib

    importlib.import_module("app.commands")  # registers the other commands
    try:
        app()  # standalone: usage errors print themselves and exit 2, --help exits 0
    except MinutesError as e:
        err.print(f"[red]error:[/] {e}")
        if e.hint:
            err.print(f"[dim]hint: {e.hint}[/]")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted: run the same command again to resume where it stopped")
        sys.exit(130)

"""The ``minutes`` command line (Typer + Rich). Errors are one line plus a hint; bad input exits 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, cast

import typer

from app import commands  # noqa: F401  (registers the other commands on the same app)
from app.cli_base import app, settings
from app.console import err, out, print_meeting
from app.progress import Progress
from core.dates import check_timezone
from core.errors import InputError, MinutesError
from core.meeting import BookingDecision, Proposal, follow_up_of
from core.meeting_files import load_meeting

if TYPE_CHECKING:
    from graph.runner import MeetingRunner, RunResult
    from graph.state import MeetingState

# The graph (LangGraph, LangChain, the nodes) is imported inside the commands that run it: importing it
# costs ~1.3 s, which `minutes when`, `--help` and the other quick commands should not pay.

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
    from graph.nodes.ingest import parse_attendees, parse_speakers, prepare_input
    from graph.nodes.report import meeting_record, write_outputs
    from graph.runner import default_meeting_date, open_runner

    cfg = settings(book=book, use_cache=False if no_cache else None)
    tz = check_timezone(timezone or cfg.resolved_timezone())
    if not file.is_file():
        raise InputError(f"{file}: no such file", hint="check the path")
    inp = prepare_input(file, meeting_date=meeting_date or default_meeting_date(file, tz), timezone=tz, language=language,
                        participants=parse_attendees(attendee), book=cfg.book, max_duration_s=cfg.asr.max_duration_s,
                        speaker_names=parse_speakers(speaker))
    with Progress(enabled=not as_json or sys.stderr.isatty()) as progress, open_runner(cfg) as runner:
        runner.context.progress = progress.update
        result = runner.run(inp, fresh=no_cache, on_node=progress.node)
        if result.status == "awaiting_approval":
            progress.stop()
            interactive = cfg.book == "ask" and sys.stdin.isatty() and not as_json
            result = ask_until_decided(runner, result, interactive=interactive, on_node=progress.node)
    meeting = result.meeting
    if result.status == "awaiting_approval":  # the run waits at its interrupt; the minutes are written now
        meeting = waiting_meeting(result)
        written = write_outputs(meeting_record(cast("MeetingState", meeting)),
                                Path(meeting.get("out_dir") or cfg.path("meetings", meeting["meeting_id"])))
        meeting["outputs"] = written
        err.print(f"  Not booked yet: [bold]minutes approve {meeting['meeting_id']}[/] books it "
                  "(--start ISO to move it, --reject to decline); the files are written again then.")
    if out_dir:
        copies = write_outputs(meeting_record(cast("MeetingState", meeting)), out_dir)
        meeting["outputs"] = {**meeting.get("outputs", {}), **{f"copy {k}": v for k, v in copies.items()}}
    if as_json:
        sys.stdout.write(json.dumps(meeting_record(cast("MeetingState", meeting)), ensure_ascii=False, indent=2) + "\n")
    else:
        print_meeting(meeting, from_cache=result.from_cache)
        if result.resumed and not result.from_cache:
            err.print("[dim]Resumed an interrupted run: finished stages were not repeated.[/]")


def show_proposal(proposal: Proposal) -> None:
    """The proposed booking on stderr (and why an edited start was refused, with free alternatives)."""
    if proposal.get("refused"):
        err.print(f"[yellow]Not booked:[/] {proposal['refused']}")
        for a, b in proposal.get("alternatives") or []:
            err.print(f"  free instead: {a} → {b}")
    err.print(f"[bold]Proposed follow-up[/]: {proposal['title']}  {proposal['start']} → {proposal['end']}")
    err.print(f"  attendees: {', '.join(proposal['attendees'])}  (from: \"{proposal.get('request_text') or ''}\")")


def ask_decision(timezone: str) -> BookingDecision:
    """At a terminal: approve / edit the start / reject / later, validated like every other decision."""
    answer = typer.prompt("Book it? [y]es / [e]dit start / [n]o / [l]ater", default="y").strip().lower()
    if answer.startswith("e"):
        start = typer.prompt(f"New start (ISO 8601; without an offset it is read in {timezone})")
        try:
            return BookingDecision.parse({"action": "edit", "start": start}, timezone)
        except InputError as e:
            err.print(f"[red]{e}[/]" + (f" [dim]({e.hint})[/]" if e.hint else ""))
            return ask_decision(timezone)
    return BookingDecision.parse({"action": {"y": "approve", "n": "reject"}.get(answer[:1], "defer")}, timezone)


def ask_until_decided(runner: MeetingRunner, result: RunResult, *, interactive: bool,
                      on_node: Callable[[str], None] | None = None) -> RunResult:
    """Show the proposal; at a terminal ask until it is booked, declined or left for later (a refused edit
    asks again). Without a terminal the run is left waiting for ``minutes approve``."""
    while result.status == "awaiting_approval" and result.proposal is not None:
        show_proposal(result.proposal)
        if not interactive:
            return result
        decision = ask_decision(result.meeting.get("timezone") or "UTC")
        if decision.action == "defer":
            return result
        result = runner.decide(result.thread_id, decision, on_node=on_node)
    return result


def waiting_meeting(result: RunResult) -> dict:
    """A paused run as a meeting to show: the minutes so far, the follow-up ``proposed`` (awaiting approval)."""
    meeting = dict(result.meeting)
    p: Proposal | dict = result.proposal or {}
    reason = p.get("held") or f"waiting for approval: minutes approve {meeting.get('meeting_id')}"
    meeting["follow_up"] = follow_up_of("proposed", reason, p)
    return meeting


@app.command()
def approve(meeting_id: Annotated[str, typer.Argument(help="The meeting whose proposed follow-up to decide")],
            start: Annotated[Optional[str], typer.Option(help="Book at this start instead (ISO 8601; without an offset, in the meeting's zone); refused when someone is busy")] = None,
            reject: Annotated[bool, typer.Option("--reject", help="Decline the proposal: nothing is booked")] = False):
    """Decide a follow-up that waits for approval (a run without a terminal): resumes that run."""
    from graph.runner import open_runner

    if start and reject:
        raise InputError("give --start or --reject, not both")
    cfg = settings()
    with open_runner(cfg) as runner:
        waiting = runner.pending(meeting_id)
        if waiting is None:
            meeting = load_meeting(cfg, meeting_id)
            if meeting is None:
                raise InputError(f"no processed meeting '{meeting_id}'", hint="`minutes meetings` lists them")
            follow = meeting["follow_up"]
            if follow["status"] == "booked":
                out.print(f"Already booked: {follow['title']} {follow['start']} → {follow['end']} (event {follow['event_id']})")
                return
            raise InputError(f"meeting {meeting_id} is not waiting for approval (follow-up: {follow['status']})",
                             hint=follow.get("reason") or "")
        action = {"action": "edit", "start": start} if start else {"action": "reject" if reject else "approve"}
        result = runner.decide(waiting.thread_id, action)
    if result.status == "awaiting_approval":
        p: dict = dict(result.proposal or {})
        alternatives = "; ".join(f"{a} → {b}" for a, b in p.get("alternatives") or [])
        raise InputError(f"not booked: {p.get('refused') or 'still waiting for approval'}",
                         hint=f"free instead: {alternatives}" if alternatives else "try another --start")
    follow = result.meeting["follow_up"]
    if follow["status"] == "booked":
        out.print(f"[green]Booked[/]: {follow['title']} {follow['start']} → {follow['end']} on {follow['calendar']} (event {follow['event_id']})")
    else:
        out.print(f"Follow-up {follow['status']}: {follow.get('reason') or ''}")


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
    tz = check_timezone(timezone or settings().resolved_timezone())
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

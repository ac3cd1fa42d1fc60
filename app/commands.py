"""The CLI commands beyond processing: memory, calendar, models, stats, setup, eval, chat, serve."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Optional
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from app.cli_base import app, calendar_app, settings
from app.console import err, out
from core.dates import parse_date, parse_datetime
from core.errors import InputError
from core.metrics import load_totals

# Memory (Chroma), the calendars, the models, the evals and the server are imported inside the command that
# needs them: each costs from 0.3 s to several seconds to import, which every other command would pay.


# ---------------------------------------------------------------------------------------------- memory
@app.command()
def meetings(as_json: Annotated[bool, typer.Option("--json")] = False):
    """List the meetings in memory."""
    from vectorstore.store import MeetingStore

    rows = MeetingStore(settings()).meetings()
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("Meeting", "Date", "Title", "Language", "Participants")
    for r in rows:
        table.add_row(r["id"], str(r.get("date") or ""), r.get("title") or "", r.get("language") or "",
                      ", ".join(r.get("participants", [])))
    out.print(table if rows else "No meetings yet: `minutes process FILE` adds one.")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in Korean or English")],
    k: Annotated[int, typer.Option(help="How many passages")] = 5,
    since: Annotated[Optional[str], typer.Option(help="ISO date")] = None,
    until: Annotated[Optional[str], typer.Option(help="ISO date")] = None,
    participant: Annotated[Optional[str], typer.Option()] = None,
    kind: Annotated[Optional[str], typer.Option(help="segment | summary | decision | action")] = None,
    mode: Annotated[str, typer.Option(help="hybrid | vector | keyword")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Search every stored meeting (vector + keyword)."""
    from vectorstore.store import MeetingStore

    if mode not in ("hybrid", "vector", "keyword"):
        raise InputError(f"unknown search mode '{mode}'", hint="hybrid, vector or keyword")
    hits = MeetingStore(settings()).search(query, k=k, since=parse_date(since, "since"), until=parse_date(until, "until"),
                                           participant=participant, kind=kind, mode=mode)
    if as_json:
        sys.stdout.write(json.dumps([h.__dict__ for h in hits], ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if not hits:
        out.print("Nothing found in the stored meetings.")
    for h in hits:
        meta = h.metadata
        out.print(f"[bold]{meta.get('title') or h.meeting_id}[/] {str(meta.get('date', ''))[:10]} [dim]{h.kind} {h.id} score {h.score:.3f}[/]")
        out.print(f"  {h.text}")


@app.command()
def forget(meeting_id: str):
    """Remove a meeting from memory."""
    from vectorstore.store import MeetingStore

    n = MeetingStore(settings()).forget(meeting_id)
    if n == 0:
        raise InputError(f"no stored meeting '{meeting_id}'", hint="`minutes meetings` lists them")
    out.print(f"Forgot {meeting_id} ({n} entries).")


@app.command()
def actions(owner: Annotated[Optional[str], typer.Option()] = None,
            done: Annotated[Optional[str], typer.Option(help="Mark MEETING_ID:INDEX done")] = None):
    """List open action items across meetings, or mark one done."""
    from vectorstore.store import MeetingStore

    store = MeetingStore(settings())
    if done:
        mid, _, idx = done.rpartition(":")
        if not mid or not idx.isdigit():
            raise InputError(f"'{done}' is not MEETING_ID:INDEX", hint="indexes are shown by `minutes actions`")
        if not store.set_action_status(mid, int(idx), "done"):
            raise InputError(f"no action item {done}")
        out.print(f"Marked {done} done.")
        return
    items = store.open_action_items(owner=owner)
    table = Table("Id", "Owner", "Task", "Due", "Meeting")
    for a in items:
        table.add_row(f"{a['meeting_id']}:{a.get('index', '')}", a.get("owner") or "—", a["task"], a.get("due") or "—",
                      a.get("title") or a["meeting_id"])
    out.print(table if items else "No open action items.")


# ---------------------------------------------------------------------------------------------- calendar
def _calendar():
    from tools.calendar import open_calendar

    return open_calendar(settings())


DaysOption = Annotated[int, typer.Option(help="How many days (from --from, else from today)")]
FromOption = Annotated[Optional[str], typer.Option("--from", help="First day, ISO date (default: today)")]
ToOption = Annotated[Optional[str], typer.Option("--to", help="Last day, ISO date, included (default: --days)")]
AttendeeOption = Annotated[Optional[str], typer.Option(help="Also that person's imported events (email)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the events as JSON")]


def event_window(today: date, days: int, first: str | None, last: str | None, tz: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of the days to list: ``--from``/``--to`` (both included) or ``days`` from the first day."""
    if days < 1:
        raise InputError(f"--days must be 1 or more, got {days}")
    begin = parse_date(first, "--from") or today
    end = (parse_date(last, "--to") or begin + timedelta(days=days - 1)) + timedelta(days=1)
    if end <= begin:
        raise InputError(f"--to {last} is before --from {begin.isoformat()}")
    return parse_datetime(begin.isoformat(), tz), parse_datetime(end.isoformat(), tz)


def show_events(days: int, first: str | None, last: str | None, attendee: str | None, as_json: bool) -> None:
    """Print the calendar's events in the window (a table, or JSON)."""
    tz = settings().resolved_timezone()
    today = datetime.now(ZoneInfo(tz)).date()  # the CLI is the edge: the one place this reads the clock
    start, end = event_window(today, days, first, last, tz)
    events = _calendar().list_events(start, end, attendee=attendee)
    if as_json:
        sys.stdout.write(json.dumps([{**e.__dict__, "start": e.start.isoformat(), "end": e.end.isoformat()} for e in events],
                                    ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("Start", "End", "Title", "Attendees", "Id")
    for e in events:
        table.add_row(e.start.isoformat(timespec="minutes"), e.end.isoformat(timespec="minutes"), e.title, ", ".join(e.attendees), e.id)
    out.print(table if events else f"No events from {start.date()} to {(end - timedelta(days=1)).date()}.")


@calendar_app.callback()
def calendar_default(ctx: typer.Context, days: DaysOption = 14, first: FromOption = None, last: ToOption = None,
                     attendee: AttendeeOption = None, as_json: JsonOption = False) -> None:
    """`minutes calendar` alone lists the next events, as `minutes calendar show` does (same options)."""
    if ctx.invoked_subcommand is None:
        show_events(days, first, last, attendee, as_json)


@calendar_app.command("show")
def calendar_show(days: DaysOption = 14, first: FromOption = None, last: ToOption = None,
                  attendee: AttendeeOption = None, as_json: JsonOption = False) -> None:
    """Events booked on the calendar (and, with --attendee, that person's imported events)."""
    show_events(days, first, last, attendee, as_json)


@calendar_app.command("freebusy")
def calendar_freebusy(attendees: Annotated[list[str], typer.Argument(help="Emails")],
                      start: Annotated[str, typer.Option(help="ISO datetime")],
                      end: Annotated[str, typer.Option(help="ISO datetime")],
                      as_json: Annotated[bool, typer.Option("--json")] = False):
    """Busy times of attendees in a window."""
    tz = settings().resolved_timezone()
    s, e = parse_datetime(start, tz, "--start"), parse_datetime(end, tz, "--end")
    busy = _calendar().free_busy(attendees, s, e)
    data = {a: [[b.start.isoformat(), b.end.isoformat()] for b in bs] for a, bs in busy.items()}
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    for a, bs in data.items():
        out.print(f"[bold]{a}[/]: " + ("; ".join(f"{x} → {y}" for x, y in bs) or "free"))


@calendar_app.command("import")
def calendar_import(file: Path, attendee: Annotated[str, typer.Option(help="Whose calendar this is (email)")]):
    """Import someone's existing calendar (.ics) so their busy times are respected (local backend)."""
    cal = _calendar()
    if not hasattr(cal, "import_ics"):
        raise InputError(f"the {cal.name} calendar reads people's calendars itself; import is for the local backend")
    if not file.is_file():
        raise InputError(f"{file}: no such file")
    n = cal.import_ics(file, attendee)
    out.print(f"Imported {n} events for {attendee}.")


@calendar_app.command("cancel")
def calendar_cancel(event_id: str):
    """Cancel an event Minutes booked."""
    if not _calendar().cancel_event(event_id):
        raise InputError(f"no event '{event_id}'")
    out.print(f"Cancelled {event_id}.")


@calendar_app.command("authorize")
def calendar_authorize():
    """Google Calendar: run the OAuth consent flow once and store the token (0600) in the data dir."""
    from tools.calendar.google import authorize

    path = authorize(settings())
    out.print(f"Authorized; token stored at {path}.")


# ---------------------------------------------------------------------------------------------- models
@app.command()
def models(as_json: Annotated[bool, typer.Option("--json")] = False):
    """Each stage's provider and model, where its weights come from, and whether it is ready."""
    from app.model_table import model_rows  # numpy, llama-server helpers: only for this command
    rows = model_rows(settings())
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("Stage", "Provider", "Model", "Weights", "Size", "State")
    for r in rows:
        table.add_row(r["stage"], r["provider"], r["model"], r["source"], r["size"], r["state"])
    out.print(table)


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json")] = False):
    """Per-stage totals across runs: calls, cache hits, errors, fallbacks, latency, tokens, audio."""
    totals = load_totals(settings())
    if as_json:
        sys.stdout.write(json.dumps(totals, indent=2) + "\n")
        return
    if not totals:
        out.print("No runs recorded yet.")
        return
    keys = sorted({k for v in totals.values() for k in v})
    table = Table("Stage", *keys)
    for stage, row in totals.items():
        table.add_row(stage, *[f"{row.get(k, 0):.2f}" if isinstance(row.get(k), float) else str(row.get(k, 0)) for k in keys])
    out.print(table)


@app.command()
def setup():
    """Build the local LLM server and assemble the embedded models (done once; `make run` calls it)."""
    from app.setup import run_setup  # the model helpers: only for this command
    for line in run_setup(settings()):
        err.print(line)


@app.command("eval")
def eval_cmd(stage: Annotated[str, typer.Option(help="asr | router | summarizer | time | scheduling | retrieval | all")] = "all",
             quick: Annotated[bool, typer.Option(help="A small subset (minutes)")] = False,
             provider: Annotated[Optional[str], typer.Option(help="Override the LLM stages' provider")] = None,
             ami_meetings: Annotated[Optional[int], typer.Option(
                 help="Full summarizer eval: the N shortest AMI val meetings (default 4; 0 = all 20, about an hour)")] = None):
    """Measure the stages against references; prints a table and writes JSON + Markdown to the data dir."""
    from evals.runner import run_evals

    s = settings()
    if ami_meetings is not None:
        if ami_meetings < 0:
            raise InputError(f"--ami-meetings must be 0 (all) or more, got {ami_meetings}")
        s.eval_ami_meetings = ami_meetings
    run_evals(s, stage=stage, quick=quick, provider=provider)


@app.command()
def chat(thread: Annotated[str, typer.Option(help="Conversation id (kept between sessions)")] = "default"):
    """Ask about past meetings, in Korean or English (answers cite meetings)."""
    from app.chat_repl import repl

    repl(settings(), thread)


@app.command()
def serve(host: Annotated[Optional[str], typer.Option()] = None, port: Annotated[Optional[int], typer.Option()] = None):
    """Run the HTTP API (and web page) on 127.0.0.1 unless told otherwise."""
    from app.api import serve as run_server

    run_server(settings(), host=host, port=port)

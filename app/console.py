"""Terminal output shared by the CLI commands: Rich consoles and the meeting summary."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from core.dates import hms

out = Console(soft_wrap=True)  # results (stdout)
err = Console(stderr=True, soft_wrap=True)  # progress, notes, errors (stderr)


def print_meeting(m: dict, *, from_cache: bool = False, outputs: dict | None = None) -> None:
    """The end-of-run screen: language and length, speakers, summary, decisions, actions, follow-up, files."""
    mins = m.get("minutes") or {}
    speakers: dict[str, float] = {}
    for s in m.get("segments", []):
        speakers[s["speaker"]] = speakers.get(s["speaker"], 0.0) + (s["end"] - s["start"])
    lang = m.get("language", "?")
    prob = m.get("language_probability")
    out.rule(f"[bold]{mins.get('title') or 'Minutes'}")
    out.print(f"[bold]Meeting[/] {m.get('meeting_id')}  ·  {m.get('meeting_date')} ({m.get('timezone')})")
    out.print(f"[bold]Language[/] {lang}" + (f" (p={prob:.2f})" if prob else "") + f"  ·  [bold]Length[/] {hms(m.get('duration_s', 0))}"
              f"  ·  {len(m.get('segments', []))} segments")
    out.print("[bold]Speakers[/] " + ", ".join(f"{k} ({hms(v)})" for k, v in speakers.items()))
    out.print()
    out.print("[bold]Summary[/]")
    out.print(mins.get("summary") or "—")
    out.print()
    out.print("[bold]Decisions[/]")
    for d in mins.get("decisions", []) or []:
        out.print(f"  • {d['text']}  [dim]{' '.join(d['segment_ids'])}[/]")
    if not mins.get("decisions"):
        out.print("  —")
    table = Table(title="Action items", title_justify="left", show_lines=False)
    for col in ("Owner", "Task", "Due", "Source"):
        table.add_column(col)
    for a in mins.get("action_items", []) or []:
        table.add_row(a.get("owner") or "—", a["task"], a.get("due") or "—", " ".join(a["segment_ids"]))
    out.print(table)
    if mins.get("previous_actions"):
        out.print("[bold]Follow-ups from earlier meetings[/]")
        for p in mins["previous_actions"]:
            out.print(f"  • {p['task']} ({p.get('owner') or '—'}): {p['status']}")
    f = m.get("follow_up") or {}
    status = f.get("status", "none")
    out.print()
    if f.get("start"):
        out.print(f"[bold]Follow-up[/] [{'green' if status == 'booked' else 'yellow'}]{status}[/]: {f.get('title')}  "
                  f"{f['start']} → {f['end']}  ({', '.join(f.get('attendees', []))})"
                  + (f"  [dim]{f.get('calendar')} event {f.get('event_id')}[/]" if status == "booked" else ""))
        if f.get("recurrence"):
            out.print(f"  repeats: {f['recurrence']}")
    else:
        out.print(f"[bold]Follow-up[/] {status}")
    if f.get("reason") and status != "booked":
        out.print(f"  {f['reason']}")
    for a, b in f.get("alternatives") or []:
        out.print(f"  alternative: {a} → {b}")
    for w in m.get("warnings", []) or []:
        err.print(f"[yellow]warning:[/] {w}")
    if from_cache:
        out.print("[dim]Served from cache: this meeting was already processed with these options; no model was called.[/]")
    for kind, path in (outputs or m.get("outputs") or {}).items():
        out.print(f"[bold]{kind}[/] {path}")

"""Report: the meeting JSON (the documented contract) and a readable Markdown, written side by side."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from langgraph.runtime import Runtime

from core.dates import hms
from core.meeting import Meeting, MeetingAdapter, empty_minutes, no_follow_up
from graph.context import Context
from graph.state import MeetingState


def meeting_record(state: MeetingState) -> Meeting:
    """The meeting JSON from the graph state (validated against the contract)."""
    record = Meeting(
        meeting_id=state["meeting_id"], source=state["source"], language=state.get("language", ""),
        language_probability=state.get("language_probability"), duration_s=round(float(state.get("duration_s", 0.0)), 2),
        meeting_date=state["meeting_date"], timezone=state["timezone"], participants=state.get("participants", []),
        segments=state.get("segments", []), minutes=state.get("minutes") or empty_minutes(),
        follow_up=state.get("follow_up") or no_follow_up("the scheduler did not run"),
        stages=state.get("stages", {}), warnings=list(dict.fromkeys(state.get("warnings", []))),
    )
    return MeetingAdapter.validate_python(record)


_LINE_BREAK = re.compile(r"\s*(?:\r\n|\r|\n)\s*")


def md_inline(text: object) -> str:
    """``text`` as one Markdown line (a list item, a heading): line breaks become a space, so a model's
    reply with "\\n# ..." or "\\n- ..." cannot start a heading or a new item."""
    return _LINE_BREAK.sub(" ", str(text or "")).strip()


def md_cell(text: object) -> str:
    """``text`` as one Markdown table cell: ``|`` escaped, line breaks as ``<br>``, so the row keeps its columns."""
    return _LINE_BREAK.sub("<br>", str(text or "").strip()).replace("\\", "\\\\").replace("|", "\\|")


def render_markdown(m: Meeting) -> str:
    """Minutes as Markdown; every decision and action item links to its transcript lines."""
    ko = m["language"] == "ko"
    t = (lambda k, e: k) if ko else (lambda k, e: e)
    mins = m["minutes"]
    seg = {s["id"]: s for s in m["segments"]}
    cite = lambda ids: " ".join(f"[{i} {hms(seg[i]['start'])}]" for i in ids if i in seg)
    lines = [f"# {md_inline(mins['title']) or t('회의록', 'Minutes')}", "",
             f"- {t('일시', 'Date')}: {m['meeting_date']} ({m['timezone']})",
             f"- {t('참석자', 'Participants')}: " + ", ".join(md_inline(p["name"]) + (f" <{md_inline(p['email'])}>" if p.get("email") else "") for p in m["participants"]),
             f"- {t('길이', 'Length')}: {hms(m['duration_s'])} · {t('언어', 'Language')}: {m['language']}", "",
             f"## {t('요약', 'Summary')}", "", mins["summary"] or "—", ""]
    if mins["key_points"]:
        lines += [f"## {t('핵심 내용', 'Key points')}", ""] + [f"- {md_inline(k)}" for k in mins["key_points"]] + [""]
    lines += [f"## {t('결정 사항', 'Decisions')}", ""] + ([f"- {md_inline(d['text'])} {cite(d['segment_ids'])}" for d in mins["decisions"]] or ["—"]) + [""]
    lines += [f"## {t('할 일', 'Action items')}", "", f"| {t('담당', 'Owner')} | {t('할 일', 'Task')} | {t('기한', 'Due')} | {t('근거', 'Source')} |", "|---|---|---|---|"]
    for a in mins["action_items"]:
        note = f" — {md_cell(a['note'])}" if a.get("note") else ""
        lines.append(f"| {md_cell(a['owner']) or '—'} | {md_cell(a['task'])} | {md_cell(a['due']) or '—'}{note} | {cite(a['segment_ids'])} |")
    lines.append("")
    if mins["open_questions"]:
        lines += [f"## {t('남은 질문', 'Open questions')}", ""] + [f"- {md_inline(q)}" for q in mins["open_questions"]] + [""]
    if mins.get("previous_actions"):
        lines += [f"## {t('지난 회의 후속 조치', 'Follow-ups from earlier meetings')}", ""]
        lines += [f"- {md_inline(p['task'])} ({md_inline(p.get('owner')) or '—'}): {p['status']}" for p in mins["previous_actions"]] + [""]
    f = m["follow_up"]
    lines += [f"## {t('후속 회의', 'Follow-up meeting')}", ""]
    if f["start"]:
        lines.append(f"- **{f['status']}**: {md_inline(f['title'])} — {f['start']} → {f['end']} ({', '.join(f['attendees'])})"
                     + (f", {t('반복', 'repeats')} {f['recurrence']}" if f.get("recurrence") else ""))
    else:
        lines.append(f"- **{f['status']}**")
    if f.get("reason") and f["status"] != "booked":
        lines.append(f"- {md_inline(f['reason'])}")
    for a, b in f.get("alternatives") or []:
        lines.append(f"- {t('대안', 'alternative')}: {a} → {b}")
    lines += ["", f"## {t('대화록', 'Transcript')}", ""]
    lines += [f"- `{s['id']}` {hms(s['start'])} **{md_inline(s['speaker'])}** ({s['label'] or '-'}): {md_inline(s['text'])}" for s in m["segments"]]
    return "\n".join(lines) + "\n"


def write_outputs(meeting: Meeting, out_dir: Path) -> dict[str, str]:
    """Write minutes.json and minutes.md atomically (a crash never leaves half a file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "minutes.json", "markdown": out_dir / "minutes.md"}
    contents = {"json": json.dumps(meeting, ensure_ascii=False, indent=2), "markdown": render_markdown(meeting)}
    for key, path in paths.items():
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(contents[key], encoding="utf-8")
        os.replace(tmp, path)
    return {k: str(v) for k, v in paths.items()}


def output_dir(state: MeetingState, ctx: Context) -> Path:
    return Path(state.get("out_dir") or ctx.settings.path("meetings", state["meeting_id"]))


def report(state: MeetingState, runtime: Runtime[Context]) -> dict:
    meeting = meeting_record(state)
    return {"outputs": write_outputs(meeting, output_dir(state, runtime.context))}

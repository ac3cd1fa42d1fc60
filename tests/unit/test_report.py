"""The Markdown minutes keep their structure whatever the model wrote: `|` and line breaks in a task,
an owner or a decision cannot add table columns, end a row, start a heading or a new list item."""

from __future__ import annotations

import re

from core.meeting import MeetingAdapter, no_follow_up
from graph.nodes.report import md_cell, md_inline, render_markdown, write_outputs


def _meeting(task: str, decision: str, owner: str = "Bob Lee") -> dict:
    return {
        "meeting_id": "m-pipe", "source": "m.txt", "language": "en", "language_probability": None,
        "duration_s": 20.0, "meeting_date": "2026-11-26T10:00:00+09:00", "timezone": "Asia/Seoul",
        "participants": [{"name": "Bob Lee", "email": "bob@example.com"}],
        "segments": [{"id": "s0001", "start": 0.0, "end": 9.0, "speaker": "Bob Lee",
                      "text": "I'll compare A | B\nand report.", "label": "action"}],
        "minutes": {"title": "Plan\n# injected heading", "language": "en", "summary": "Short.", "key_points": ["one\n- two"],
                    "decisions": [{"text": decision, "segment_ids": ["s0001"]}],
                    "action_items": [{"owner": owner, "task": task, "due": "2026-11-27", "due_phrase": "by Friday",
                                      "status": "open", "segment_ids": ["s0001"]}],
                    "open_questions": [], "previous_actions": []},
        "follow_up": no_follow_up("no follow-up requested"), "stages": {}, "warnings": [],
    }


def _cells(row: str) -> list[str]:
    """A GFM table row split into cells at unescaped pipes."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def test_table_cell_escapes_pipes_and_line_breaks():
    assert md_cell("A | B") == "A \\| B"
    assert md_cell("line one\nline two\r\nthree") == "line one<br>line two<br>three"
    assert md_cell("already \\| escaped") == "already \\\\\\| escaped"
    assert md_cell(None) == ""


def test_inline_text_stays_on_one_line():
    assert md_inline("first\n# not a heading\n- not an item") == "first # not a heading - not an item"
    assert md_inline("  plain  ") == "plain"


def test_action_item_with_pipe_and_newline_keeps_four_columns():
    meeting = MeetingAdapter.validate_python(
        _meeting("Compare vendor A | vendor B\nthen send the | summary", "Use plan A\n## Not a section", owner="Bob | Lee"))
    md = render_markdown(meeting)
    lines = md.splitlines()
    header = lines.index("| Owner | Task | Due | Source |")
    rows = lines[header + 2:]
    row = rows[0]
    assert rows[1] == ""  # the table ends after its one row: the newline did not break it
    cells = _cells(row)
    assert len(cells) == 4, row
    assert cells[0] == "Bob \\| Lee"
    assert cells[1] == "Compare vendor A \\| vendor B<br>then send the \\| summary"
    assert cells[2] == "2026-11-27"
    # no line of the document starts a heading the model wrote
    assert not any(ln.startswith("## Not a section") or ln.startswith("# injected") for ln in lines)
    assert "- Use plan A ## Not a section [s0001 0:00:00]" in lines
    assert "- one - two" in lines
    assert lines[0] == "# Plan # injected heading"
    assert any(ln.endswith("I'll compare A | B and report.") for ln in lines)  # transcript item on one line


def test_written_markdown_file_matches_render(tmp_path):
    meeting = MeetingAdapter.validate_python(_meeting("a | b", "c\nd"))
    paths = write_outputs(meeting, tmp_path / "out")
    assert (tmp_path / "out" / "minutes.md").read_text(encoding="utf-8") == render_markdown(meeting)
    assert paths["markdown"].endswith("minutes.md")

"""The web page (Gradio, mounted at ``/ui``): process a meeting, approve its booking, browse, chat.

Everything the page shows comes from this server: the default theme's fonts are bundled with Gradio,
analytics and the run-history feature are off, and nothing is fetched from the internet. The handlers
call the job manager and the chat function directly (no HTTP round trip); when the API has a token the
page asks for it at a login form (any user name, the token as password).
"""

from __future__ import annotations

import hmac
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no calls home

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from app.job_store import FINISHED  # noqa: E402
from app.jobs import JobManager  # noqa: E402
from app.services import ChatFn, chat_event, open_action_items  # noqa: E402
from app.uploads import AUDIO_EXTENSIONS, TRANSCRIPT_EXTENSIONS  # noqa: E402
from core.errors import MinutesError  # noqa: E402
from core.meeting import Proposal  # noqa: E402
from core.meeting_files import load_meeting  # noqa: E402
from core.settings import Settings  # noqa: E402
from graph.nodes.report import render_markdown  # noqa: E402

UI_PATH = "/ui"
POLL_S = 0.3
_USER_TEMP_DIR = os.environ.get("GRADIO_TEMP_DIR")

_NODE_NAMES = {
    "ingest": "read the input", "transcribe": "transcribed", "segment": "speaker turns", "route": "labelled segments",
    "summarize": "minutes written", "schedule.extract_request": "follow-up request read",
    "schedule.plan_slot": "calendars checked", "schedule.approve": "approval", "schedule.book": "booked",
    "schedule": "scheduling done", "remember": "stored in memory", "report": "files written",
}


# ---------------------------------------------------------------------------------------------- rendering
def proposal_markdown(proposal: Proposal | None) -> str:
    """The proposal as Markdown (and, first, why an edited start was not booked)."""
    if not proposal:
        return ""
    alts = "".join(f"\n- alternative: {a} → {b}" for a, b in proposal.get("alternatives") or [])
    refused = f"**Not booked**: {proposal['refused']}\n\n" if proposal.get("refused") else ""
    return (f"{refused}### Proposed follow-up: {proposal.get('title', '')}\n"
            f"- **When**: {proposal.get('start')} → {proposal.get('end')}\n"
            f"- **Invitees**: {', '.join(proposal.get('attendees') or [])}\n"
            f"- **Asked for in the meeting**: “{proposal.get('request_text', '')}”{alts}")


def minutes_markdown(meeting: dict | None) -> str:
    """The meeting as the same Markdown the CLI writes (minutes.md)."""
    if not meeting:
        return ""
    try:
        return render_markdown(meeting)
    except (KeyError, TypeError):
        return "```json\n" + str(meeting)[:5000] + "\n```"


def _event_line(type_: str, data: dict) -> str | None:
    if type_ == "status":
        return f"- status: **{data.get('status')}**" + (f" ({data['reason']})" if data.get("reason") else "")
    if type_ == "node":
        return f"- ✓ {_NODE_NAMES.get(data.get('node', ''), data.get('node'))}"
    if type_ == "progress":
        return f"- {data.get('stage')}: {data.get('done', 0) / 60:.1f}/{data.get('total', 0) / 60:.1f} audio min"
    if type_ == "decision":
        return f"- decision: **{data.get('action')}**"
    if type_ == "awaiting_approval":
        return "- waiting for your approval of the proposed booking"
    if type_ == "done":
        return "- **done**" + (" (served from an earlier run)" if data.get("from_cache") else "")
    if type_ == "failed":
        return f"- **failed**: {data.get('error')}" + (f" — {data['hint']}" if data.get("hint") else "")
    return None


# ---------------------------------------------------------------------------------------------- the page
def build_ui(jobs: JobManager, settings: Settings, chat_fn: ChatFn) -> gr.Blocks:
    """The page's Blocks, wired to ``jobs`` and ``chat_fn``."""
    zone = settings.resolved_timezone()
    accepted = sorted(TRANSCRIPT_EXTENSIONS | AUDIO_EXTENSIONS)

    def follow(job_id: str, log: list[str], after: int = 0) -> Iterator[tuple]:
        """Yield (job id, progress, minutes, approval box, proposal) until the job stops or waits."""
        seq = after
        while True:
            for e in jobs.store.events_after(job_id, seq):
                seq = e.seq
                line = _event_line(e.type, e.data)
                if line and (not log or log[-1] != line):
                    log.append(line)
            job = jobs.get(job_id)
            progress = "\n".join(log)
            if job is None:
                yield job_id, progress, "", gr.update(visible=False), ""
                return
            if job.status == "awaiting_approval":
                yield job_id, progress, "", gr.update(visible=True), proposal_markdown(job.proposal)
                return
            if job.status in FINISHED:
                yield job_id, progress, minutes_markdown(jobs.meeting_of(job)), gr.update(visible=False), ""
                return
            yield job_id, progress, "", gr.update(visible=False), ""
            time.sleep(POLL_S)

    def process(file_path, meeting_date, timezone, language, book, attendees):
        if not file_path:
            raise gr.Error("Choose a recording or a transcript first.")
        path = Path(file_path)
        try:
            job = jobs.submit_file(path, path.name,  # Gradio keeps the upload's own name
                                   meeting_date=meeting_date, timezone=timezone,
                                   language=language, attendees=[attendees or ""], book=book)
        except MinutesError as e:
            raise gr.Error(f"{e}" + (f" — {e.hint}" if e.hint else "")) from None
        log = [f"Job `{job.id}` for meeting `{job.meeting_id}` ({job.filename})"]
        yield from follow(job.id, log)

    def decide(job_id, action, start):
        if not job_id:
            raise gr.Error("No meeting is waiting for approval.")
        job = jobs.get(job_id)
        after = jobs.store.events_after(job_id)[-1].seq if job else 0
        try:
            jobs.decide(job_id, {"action": action, "start": start or None})
        except (MinutesError, KeyError) as e:
            raise gr.Error(str(e)) from None
        yield from follow(job_id, [f"Job `{job_id}`: {action}"], after)

    def approve_booking(job_id, start):
        yield from decide(job_id, "approve", start)

    def edit_booking(job_id, start):
        yield from decide(job_id, "edit", start)

    def reject_booking(job_id, start):
        yield from decide(job_id, "reject", start)

    def meetings_table():
        rows = [[m["meeting_id"], m.get("title") or "", (m.get("meeting_date") or "")[:16], m["status"], m.get("job_id") or ""]
                for m in jobs.summaries(200)]
        choices = [(f"{r[1] or r[0]} · {r[2]} · {r[3]}", r[4] or r[0]) for r in rows]
        return rows, gr.update(choices=choices, value=None)

    def open_meeting(key):
        if not key:
            return ""
        job = jobs.get(key) if key.startswith("j-") else None
        if job is not None and job.status != "done":
            if job.status == "awaiting_approval":
                return f"**Waiting for approval**\n\n{proposal_markdown(job.proposal)}"
            return f"**{job.status}**" + (f": {job.error['error']}" if job.error else "")
        return minutes_markdown(jobs.meeting_of(job) if job else load_meeting(settings, key)) or "Not found."

    def action_table(owner):
        items = open_action_items(settings, jobs.context_factory, owner or None)
        return [[a.get("owner") or "—", a["task"], a.get("due") or "—", a.get("title") or a["meeting_id"]] for a in items]

    def respond(message, history, thread_id):
        history = list(history or [])
        if not (message or "").strip():
            yield history, ""
            return
        history += [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        yield history, ""
        try:
            extras = []
            for chunk in chat_fn(settings, message, thread_id):
                event, data = chat_event(chunk)
                if event == "token":
                    history[-1]["content"] += data.get("text", "")
                    yield history, ""
                elif event == "replace":
                    history[-1]["content"] = data.get("text", "")
                    yield history, ""
                elif event == "sources" and data.get("sources"):
                    extras.append("Sources: " + ", ".join(map(str, data["sources"])))
            if extras:
                history[-1]["content"] += "\n\n" + "\n".join(extras)
        except MinutesError as e:
            history[-1]["content"] = f"⚠ {e}" + (f" — {e.hint}" if e.hint else "")
        yield history, ""

    with gr.Blocks(title="Minutes", analytics_enabled=False) as page:
        gr.Markdown("# Minutes\nOffline meeting minutes, follow-up booking and memory — Korean and English.")
        with gr.Tab("Process a meeting", id="process"):
            job_id = gr.State("")
            with gr.Row():
                with gr.Column(scale=2):
                    upload = gr.File(label="Recording or transcript", file_types=accepted, type="filepath",
                                     elem_id="upload")
                with gr.Column(scale=3):
                    with gr.Row():
                        meeting_date = gr.Textbox(label="Meeting date (ISO 8601, default: now)",
                                                  placeholder="2026-11-26T10:00+09:00", elem_id="meeting-date")
                        timezone = gr.Textbox(label="Time zone", value=zone, elem_id="timezone")
                    with gr.Row():
                        language = gr.Dropdown(["auto", "ko", "en"], value=settings.language, label="Language")
                        book = gr.Radio(["ask", "auto", "never"], value=settings.book, label="Book the follow-up",
                                        elem_id="book")
                    attendees = gr.Textbox(label="Attendees (one NAME=EMAIL per line)", lines=3, elem_id="attendees",
                                           placeholder="Alice Kim=alice@example.com")
            run = gr.Button("Process", variant="primary", elem_id="process-btn")
            progress = gr.Markdown(elem_id="progress")
            with gr.Group(visible=False, elem_id="approval") as approval:
                proposal = gr.Markdown(elem_id="proposal")
                with gr.Row():
                    new_start = gr.Textbox(label="Different start (ISO 8601, for Edit)", scale=3)
                    approve_btn = gr.Button("Approve", variant="primary", elem_id="approve-btn", scale=1)
                    edit_btn = gr.Button("Book at this start", elem_id="edit-btn", scale=1)
                    reject_btn = gr.Button("Reject", variant="stop", elem_id="reject-btn", scale=1)
            minutes = gr.Markdown(elem_id="minutes")
            outputs = [job_id, progress, minutes, approval, proposal]
            run.click(process, [upload, meeting_date, timezone, language, book, attendees], outputs)
            approve_btn.click(approve_booking, [job_id, new_start], outputs)
            edit_btn.click(edit_booking, [job_id, new_start], outputs)
            reject_btn.click(reject_booking, [job_id, new_start], outputs)

        with gr.Tab("Meetings", id="meetings") as meetings_tab:
            refresh = gr.Button("Refresh", elem_id="refresh-btn")
            table = gr.Dataframe(headers=["Meeting", "Title", "Date", "Status", "Job"], interactive=False,
                                 elem_id="meetings-table")
            pick = gr.Dropdown(label="Open a meeting", choices=[], elem_id="pick-meeting")
            shown = gr.Markdown(elem_id="meeting-view")
            gr.Markdown("### Open action items")
            owner = gr.Textbox(label="Owner (optional)", elem_id="owner")
            actions = gr.Dataframe(headers=["Owner", "Task", "Due", "Meeting"], interactive=False, elem_id="actions-table")
            refresh.click(meetings_table, None, [table, pick]).then(action_table, owner, actions)
            meetings_tab.select(meetings_table, None, [table, pick]).then(action_table, owner, actions)
            owner.submit(action_table, owner, actions)
            pick.change(open_meeting, pick, shown)

        with gr.Tab("Chat", id="chat"):
            thread = gr.State(lambda: "web-" + uuid.uuid4().hex[:12])
            chatbot = gr.Chatbot(label="Ask about past meetings", height=420, elem_id="chatbot")
            question = gr.Textbox(placeholder="e.g. 로그인 버그는 누가 언제까지 고치기로 했나요? / Who owns the login bug?",
                                  show_label=False, elem_id="question")
            question.submit(respond, [question, chatbot, thread], [chatbot, question])
    page.queue(default_concurrency_limit=8)
    return page


def mount_ui(app: FastAPI, jobs: JobManager, settings: Settings, chat_fn: ChatFn, *, token: str | None = None) -> FastAPI:
    """Mount the page at ``/ui`` on ``app``; uploads Gradio receives stay inside the data dir."""
    if not _USER_TEMP_DIR:
        temp = settings.path("tmp", "gradio").resolve()
        temp.mkdir(parents=True, exist_ok=True)
        os.environ["GRADIO_TEMP_DIR"] = str(temp)
    auth = None
    if token:
        auth = lambda _user, password: hmac.compare_digest((password or "").encode(), token.encode())  # noqa: E731
    page = build_ui(jobs, settings, chat_fn)
    return gr.mount_gradio_app(app, page, path=UI_PATH, auth=auth, auth_message="Enter the API token as the password.",
                               max_file_size=f"{settings.api.max_upload_mb}mb", run_history=False,
                               footer_links=["api"], ssr_mode=False)

"""The HTTP API through a real uvicorn server on 127.0.0.1, with fake chat models and a local calendar.

Upload -> server-sent progress -> proposal -> approve -> booked; a restart while a job runs (a second
server process on the same data dir finishes it); bad uploads answered 4xx with a clear message; auth.
Run as ``python -m tests.real.test_api serve DATA_DIR PORT GATE`` it is the server used by the restart test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes import KO_MINUTES
from tests.fixtures import (
    KO_ATTENDEES,
    MEETING,
    ROOT,
    SAMPLES,
    LiveServer,
    fake_context_factory,
    fixed_clock,
    free_port,
    prepare_settings,
)


def sse_events(response: httpx.Response):
    """(event, data, id) of a text/event-stream response, as they arrive."""
    event, data, id_ = "message", [], None
    for line in response.iter_lines():
        if line == "":
            if data:
                yield event, json.loads("\n".join(data)), id_
            event, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                id_ = value


def collect_until(client: httpx.Client, path: str, stop: set[str], *, last_id: str | None = None, timeout: float = 60):
    headers = {"Last-Event-ID": last_id} if last_id else {}
    got = []
    with client.stream("GET", path, headers=headers, timeout=timeout) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        for event in sse_events(r):
            got.append(event)
            if event[0] in stop:
                break
    return got


def upload(client: httpx.Client, path: Path = SAMPLES / "meeting_ko.txt", *, name: str | None = None,
           content_type: str = "text/plain", content: bytes | None = None, book: str = "ask", **fields):
    data = {"meeting_date": MEETING, "timezone": "Asia/Seoul", "attendees": KO_ATTENDEES, "book": book, **fields}
    body = path.read_bytes() if content is None else content
    return client.post("/meetings", files={"file": (name or path.name, body, content_type)}, data=data)


def wait_status(client: httpx.Client, id_: str, statuses: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/meetings/{id_}").json()
        if body["status"] in statuses:
            return body
        assert time.monotonic() < deadline, f"still {body['status']}"
        time.sleep(0.1)


def assert_clear_error(r: httpx.Response, status: int, *words: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert isinstance(body["error"], str) and body["error"] and "hint" in body
    for w in words:
        assert w.lower() in (body["error"] + " " + (body["hint"] or "")).lower(), body
    return body


@pytest.fixture
def api(settings):
    from app.api import create_app

    prepare_settings(settings)
    chats = []

    def chat(_settings, question, thread_id):
        chats.append((question, thread_id))
        yield "베타 출시는 "
        yield "12월 10일입니다."
        yield {"type": "sources", "sources": ["m-test"]}

    app = create_app(settings, fake_context_factory(), chat_fn=chat, clock=fixed_clock, ui=False, token="")
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        client.chats = chats
        client.app = app
        yield client


# ---------------------------------------------------------------------------------------------- happy path
def test_upload_progress_approve_books(api, settings):
    r = upload(api)
    assert r.status_code == 202, r.text
    accepted = r.json()
    job, meeting_id = accepted["job_id"], accepted["meeting_id"]
    assert job.startswith("j-") and meeting_id.startswith("m-") and accepted["status"] == "queued"

    events = collect_until(api, f"/meetings/{job}/events", {"awaiting_approval", "done", "failed"})
    kinds = [e[0] for e in events]
    nodes = [e[1]["node"] for e in events if e[0] == "node"]
    assert kinds[-1] == "awaiting_approval", events
    assert {"ingest", "segment", "route", "summarize"} <= set(nodes)
    assert [e[1]["status"] for e in events if e[0] == "status"][:2] == ["queued", "running"]
    ids = [int(e[2]) for e in events]
    assert ids == sorted(ids)

    waiting = api.get(f"/meetings/{job}").json()
    assert waiting["status"] == "awaiting_approval" and waiting["meeting"] is None
    proposal = waiting["proposal"]
    assert proposal["title"] == "출시 후속 회의" and proposal["start"].startswith("2026-12-01")
    from tools.calendar import open_calendar

    assert open_calendar(settings).get_event(proposal["event_id"]) is None  # nothing booked before approval

    r = api.post(f"/meetings/{job}/approve", json={"action": "approve"})
    assert r.status_code == 202 and r.json()["status"] == "queued"
    rest = collect_until(api, f"/meetings/{job}/events", {"done", "failed"}, last_id=events[-1][2])
    assert rest[0][0] == "decision" and rest[-1][0] == "done", rest
    assert "schedule.book" in [e[1].get("node") for e in rest]

    done = api.get(f"/meetings/{job}").json()
    assert done["status"] == "done" and done["proposal"] is None
    m = done["meeting"]
    assert m["meeting_id"] == meeting_id and m["follow_up"]["status"] == "booked"
    assert [d["text"] for d in m["minutes"]["decisions"]] == ["베타 출시는 12월 10일로 확정"]
    assert open_calendar(settings).get_event(proposal["event_id"]) is not None
    assert api.get(f"/meetings/{meeting_id}").json()["job_id"] == job  # by meeting id too

    listed = api.get("/meetings").json()
    assert [(x["job_id"], x["status"], x["title"]) for x in listed] == [(job, "done", "모바일 앱 출시 회의")]
    assert_clear_error(api.post(f"/meetings/{job}/approve", json={"action": "approve"}), 409, "not awaiting")

    metrics = api.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert 'minutes_stage_calls_total{model=' in metrics.text and 'minutes_api_jobs{status="done"} 1.0' in metrics.text
    health = api.get("/healthz").json()
    assert health["status"] == "ok" and health["jobs"]["done"] == 1


def test_reject_and_edit(api):
    job = upload(api).json()["job_id"]
    wait_status(api, job, {"awaiting_approval"})
    assert_clear_error(api.post(f"/meetings/{job}/approve", json={"action": "edit"}), 422, "start")
    assert_clear_error(api.post(f"/meetings/{job}/approve", json={"action": "edit", "start": "soon"}), 422, "ISO")
    r = api.post(f"/meetings/{job}/approve", json={"action": "edit", "start": "2026-12-02T15:00"})
    assert r.status_code == 202, r.text
    f = wait_status(api, job, {"done", "failed"})["meeting"]["follow_up"]
    assert f["status"] == "booked" and f["start"] == "2026-12-02T15:00:00+09:00" and f["end"] == "2026-12-02T16:00:00+09:00"

    # the same file again with other options is a new thread: rejected this time
    job2 = upload(api, book="ask", language="ko").json()["job_id"]
    wait_status(api, job2, {"awaiting_approval"})
    assert api.post(f"/meetings/{job2}/approve", json={"action": "reject"}).status_code == 202
    assert wait_status(api, job2, {"done", "failed"})["meeting"]["follow_up"]["status"] == "declined"


def test_edit_onto_a_busy_time_is_refused_with_alternatives(api, settings, tmp_path):
    from tools.calendar import open_calendar

    busy = tmp_path / "busy.ics"
    busy.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\nBEGIN:VEVENT\nUID:b@t\nDTSTAMP:20261101T000000Z\n"
                    "DTSTART;TZID=Asia/Seoul:20261202T150000\nDTEND;TZID=Asia/Seoul:20261202T163000\nSUMMARY:Busy\n"
                    "END:VEVENT\nEND:VCALENDAR\n")
    open_calendar(settings).import_ics(busy, "junho@example.com")
    job = upload(api).json()["job_id"]
    first = wait_status(api, job, {"awaiting_approval"})["proposal"]
    assert api.post(f"/meetings/{job}/approve", json={"action": "edit", "start": "2026-12-02T15:30"}).status_code == 202
    again = wait_status(api, job, {"awaiting_approval", "done", "failed"})
    assert again["status"] == "awaiting_approval", again
    p = again["proposal"]
    assert "busy for junho@example.com" in p["refused"] and p["alternatives"] and p["start"] == first["start"]
    assert open_calendar(settings).get_event(p["event_id"]) is None
    assert api.post(f"/meetings/{job}/approve", json={"action": "defer"}).json()["status"] == "awaiting_approval"
    assert api.post(f"/meetings/{job}/approve", json={"action": "approve"}).status_code == 202
    assert wait_status(api, job, {"done", "failed"})["meeting"]["follow_up"]["start"] == first["start"]


def test_same_upload_twice_is_served_from_the_checkpoint(api):
    first = upload(api, book="auto").json()["job_id"]
    wait_status(api, first, {"done"})
    second = upload(api, book="auto").json()
    assert second["job_id"] != first
    events = collect_until(api, f"/meetings/{second['job_id']}/events", {"done", "failed"})
    assert events[-1][0] == "done" and events[-1][1]["from_cache"] is True
    assert not [e for e in events if e[0] == "node"]


# ---------------------------------------------------------------------------------------------- bad input
def test_bad_uploads_are_clear_4xx(api, tmp_path):
    sample = SAMPLES / "meeting_ko.txt"
    assert_clear_error(upload(api, content=b""), 400, "empty")
    assert_clear_error(upload(api, name="slides.png", content_type="image/png", content=b"\x89PNG..."), 415, ".wav")
    assert_clear_error(upload(api, name="notes.txt", content_type="application/pdf"), 415, "content type")
    assert_clear_error(upload(api, name="meeting.wav", content_type="audio/wav"), 422, "not a readable audio")
    assert_clear_error(upload(api, content=b"Just some words with no speaker at all"), 422, "transcript lines")
    assert_clear_error(upload(api, content=b"\xff\xfe\x00bad bytes \x81"), 422, "UTF-8")
    assert_clear_error(upload(api, timezone="Mars/Olympus"), 422, "time zone")
    assert_clear_error(upload(api, meeting_date="yesterday-ish"), 422, "ISO 8601")
    assert_clear_error(upload(api, attendees=["nobody"]), 422, "NAME=EMAIL")
    assert_clear_error(upload(api, attendees=['[{"name": 1}]']), 422, "NAME=EMAIL")
    assert_clear_error(upload(api, language="fr"), 422, "language")
    assert_clear_error(upload(api, book="maybe"), 422, "book")
    assert_clear_error(api.post("/meetings", data={"timezone": "Asia/Seoul"}), 422, "file")
    assert_clear_error(api.post("/meetings", content=b"not multipart", headers={"content-type": "text/plain"}), 422)
    assert_clear_error(api.get("/meetings/m-doesnotexist"), 404, "no meeting")
    assert_clear_error(api.get("/meetings/j-doesnotexist/events"), 404)
    assert_clear_error(api.post("/meetings/j-doesnotexist/approve", json={"action": "approve"}), 404)
    assert_clear_error(api.post("/meetings/x/approve", json={"action": "book it"}), 422, "action")
    assert_clear_error(api.get("/nothing/here"), 404)
    # JSON attendees are accepted, and nothing bad was queued or kept
    ok = upload(api, attendees=[json.dumps([{"name": "김민지", "email": "minji@example.com"}, "이준호=junho@example.com"])])
    assert ok.status_code == 202, ok.text
    uploads = api.app.state.settings.path("uploads")
    assert [p.name for p in uploads.iterdir()] == [ok.json()["job_id"]]
    assert len(api.get("/meetings").json()) == 1
    assert sample.exists()


def test_upload_size_limit(settings):
    """Over api.max_upload_mb: 413 by Content-Length, and while a chunked body streams in."""
    from app.api import create_app

    settings.api.max_upload_mb = 1
    app = create_app(prepare_settings(settings), fake_context_factory(), clock=fixed_clock, ui=False, token="")
    big = ("김민지: " + "가" * 100 + "\n").encode() * 12000  # ~3.7 MB
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        assert_clear_error(upload(client, content=big), 413, "1 MB", "max_upload_mb")
        boundary = "minutesboundary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
                "Content-Type: text/plain\r\n\r\n").encode()

        def chunked():  # no Content-Length: the limit applies while streaming
            yield head
            for i in range(0, len(big), 65536):
                yield big[i:i + 65536]
            yield f"\r\n--{boundary}--\r\n".encode()

        r = client.post("/meetings", content=chunked(), headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert_clear_error(r, 413, "1 MB")
        assert not list(settings.path("uploads").glob("*/*"))  # nothing kept


def test_token_is_enforced_when_set(settings, monkeypatch):
    from app.api import create_app

    monkeypatch.setenv("MINUTES_API_TOKEN", "s3cret-token")
    app = create_app(prepare_settings(settings), fake_context_factory(), clock=fixed_clock, ui=False)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        body = assert_clear_error(client.get("/meetings"), 401, "bearer")
        assert "s3cret" not in json.dumps(body)
        assert client.get("/meetings").headers["www-authenticate"] == "Bearer"
        assert_clear_error(client.get("/meetings", headers={"Authorization": "Bearer wrong"}), 401)
        assert_clear_error(upload(client), 401)
        assert_clear_error(client.get("/metrics"), 401)
        assert client.get("/healthz").status_code == 200
        good = {"Authorization": "Bearer s3cret-token"}
        assert client.get("/meetings", headers=good).json() == []
        r = client.post("/meetings", headers=good, files={"file": ("m.txt", (SAMPLES / "meeting_ko.txt").read_bytes(), "text/plain")},
                        data={"meeting_date": MEETING, "book": "never"})
        assert r.status_code == 202, r.text
        schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
        assert schemes["HTTPBearer"] == {"type": "http", "scheme": "bearer", "description": schemes["HTTPBearer"]["description"]}


# ---------------------------------------------------------------------------------------------- chat
def test_chat_streams_tokens(api):
    with api.stream("POST", "/chat", json={"question": "베타 출시일은?", "thread_id": "t-1"}) as r:
        assert r.status_code == 200
        events = list(sse_events(r))
    assert "".join(d["text"] for e, d, _ in events if e == "token") == "베타 출시는 12월 10일입니다."
    assert ("sources", {"sources": ["m-test"]}) in [(e, d) for e, d, _ in events]
    assert events[-1][0] == "done" and api.chats == [("베타 출시일은?", "t-1")]
    assert_clear_error(api.post("/chat", json={"question": ""}), 422, "question")
    assert_clear_error(api.post("/chat", json={"question": "hi", "thread_id": "../etc"}), 422, "thread_id")


def test_chat_default_streams_graph_chat(settings, monkeypatch):
    """Without chat_fn the endpoint calls graph.chat.answer_stream (here a stand-in); errors stay 4xx."""
    from app import services
    from app.api import create_app
    from core.errors import InputError

    calls = []

    def answer_stream(ctx, question, thread_id, checkpointer):
        calls.append((ctx.settings.data_dir, question, thread_id))
        if question == "bad":
            raise InputError("memory is empty", hint="process a meeting first")
        yield "tool", "search_meetings"
        if question == "retried?":  # streamed, then the model rewrote its reply
            yield "token", "draft"
            yield "final", "rewritten"
            return
        yield "final", "ok"

    monkeypatch.setattr(services, "answer_stream", answer_stream)
    app = create_app(settings, fake_context_factory(), ui=False, token="")
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        with client.stream("POST", "/chat", json={"question": "q?"}) as r:
            events = [(e, d) for e, d, _ in sse_events(r)]
        assert [e for e, _ in events] == ["tool", "token", "done"] and events[1][1]["text"] == "ok"
        with client.stream("POST", "/chat", json={"question": "retried?"}) as r:
            events = [(e, d) for e, d, _ in sse_events(r)]
        assert events[1:3] == [("token", {"text": "draft"}), ("replace", {"text": "rewritten"})]
        assert_clear_error(client.post("/chat", json={"question": "bad"}), 422, "memory is empty", "process a meeting")
    assert calls[0] == (settings.data_dir, "q?", "default")


# ---------------------------------------------------------------------------------------------- restart
def _start_server(data_dir: Path, gate: Path, models_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MINUTES_MODELS_DIR": str(models_dir)}
    env.pop("MINUTES_API_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "tests.real.test_api", "serve", str(data_dir), str(port), str(gate)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server process did not start")


def test_job_survives_a_restart(settings, tmp_path, models_dir):
    """Stop the server while a job is inside the summarizer; a new server on the same data dir finishes it
    from the checkpoint, without repeating the nodes that had finished."""
    prepare_settings(settings)
    gate = tmp_path / "gate"
    proc, url = _start_server(settings.data_dir, gate, models_dir)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            job = upload(client, book="auto").json()["job_id"]
            deadline = time.monotonic() + 60
            while not (tmp_path / "gate.waiting").exists():  # the fake summarizer is blocked
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
            assert client.get(f"/meetings/{job}").json()["status"] == "running"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) is not None  # stops promptly although a job is still inside a model call
    finally:
        if proc.poll() is None:
            proc.kill()
    gate.touch()
    proc, url = _start_server(settings.data_dir, gate, models_dir)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            done = wait_status(client, job, {"done", "failed"}, timeout=90)
            events = collect_until(client, f"/meetings/{job}/events", {"done", "failed"})
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert done["status"] == "done" and done["resumed"] is True, done
    assert done["meeting"]["follow_up"]["status"] == "booked"
    assert [d["text"] for d in done["meeting"]["minutes"]["decisions"]] == ["베타 출시는 12월 10일로 확정"]
    restart = next(i for i, e in enumerate(events) if e[1].get("reason") == "re-queued after a restart")
    before = [e[1]["node"] for e in events[:restart] if e[0] == "node"]
    after = [e[1]["node"] for e in events[restart:] if e[0] == "node"]
    assert {"ingest", "route"} <= set(before) and "summarize" not in before
    assert "summarize" in after and not {"ingest", "segment", "route"} & set(after)


def _serve_for_restart_test(data_dir: str, port: str, gate: str) -> None:
    """The server of the restart test: fake models; the summarizer waits until the gate file exists."""
    import uvicorn

    from app.api import create_app
    from core.settings import Settings
    gate_path = Path(gate)

    def blocking_summarizer(prompt: str) -> str:
        Path(gate + ".waiting").touch()
        deadline = time.monotonic() + 120
        while not gate_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return json.dumps(KO_MINUTES, ensure_ascii=False)

    settings = Settings(data_dir=Path(data_dir), models_dir=Path(os.environ["MINUTES_MODELS_DIR"]), timezone="Asia/Seoul")
    settings.router.provider = "llm"
    app = create_app(settings, fake_context_factory(blocking_summarizer), clock=fixed_clock, ui=False, token="")
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning", timeout_graceful_shutdown=2)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "serve":
    _serve_for_restart_test(*sys.argv[2:])

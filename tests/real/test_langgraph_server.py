"""`langgraph dev` really serves the graph: the LangGraph API server (langgraph-cli's in-memory server) is
started on 127.0.0.1 from langgraph.json, a Korean transcript is run through it with the official
langgraph-sdk client, and the meeting JSON comes back; a book=ask run pauses at the approval interrupt and
is resumed with ``Command(resume=...)`` as every Minutes front end resumes it.

The server needs ``langgraph-cli[inmem]``, which cannot share the project's venv (langgraph-api pins
jsonschema-rs 0.44, schemathesis needs 0.60). Point ``MINUTES_LANGGRAPH_PYTHON`` at a Python that has it and
sees the project's packages (see the README); without one the test is skipped and says so. The stage models
are a small OpenAI-protocol server on 127.0.0.1 answering like the fakes of tests/fakes.py (the real LLM
would take minutes per run here); memory (Chroma, USE embeddings) and the local calendar are real.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes import FakeOpenAIModels, openai_stage_env
from tests.fixtures import KO_EMAILS, KO_PEOPLE, MEETING, ROOT, SAMPLES, free_port, import_calendars

SERVER_PYTHON = os.environ.get("MINUTES_LANGGRAPH_PYTHON")


@pytest.fixture
def langgraph_server(settings, tmp_path):
    if not SERVER_PYTHON:
        pytest.skip("set MINUTES_LANGGRAPH_PYTHON to a Python with langgraph-cli[inmem] (see the module docstring)")
    import_calendars(settings, KO_EMAILS)
    models = FakeOpenAIModels()
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MINUTES_")}, **openai_stage_env(models.url),
           "MINUTES_DATA_DIR": str(settings.data_dir), "MINUTES_MODELS_DIR": str(settings.models_dir),
           "MINUTES_TIMEZONE": "Asia/Seoul", "PYTHONPATH": str(ROOT), "LANGGRAPH_CLI_NO_ANALYTICS": "1",
           "LANGSMITH_TRACING": "false"}
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([SERVER_PYTHON, "-m", "langgraph_cli", "dev", "--host", "127.0.0.1", "--port", str(port),
                             "--no-browser", "--no-reload", "--allow-blocking"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        models.close()
        log.close()


def meeting_input(book: str) -> dict:
    from graph.nodes.ingest import prepare_input

    return dict(prepare_input(SAMPLES / "meeting_ko.txt", meeting_date=MEETING, timezone="Asia/Seoul",
                              participants=KO_PEOPLE, book=book))


def test_langgraph_server_runs_a_transcript_and_resumes_an_approval(langgraph_server):
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=langgraph_server)
    assert "minutes" in {a["graph_id"] for a in client.assistants.search(graph_id="minutes")}
    context = {"clock": "2026-11-26T11:00:00+09:00"}  # plain configuration: the rest comes from the settings

    meeting = client.runs.wait(None, "minutes", input=meeting_input("auto"), context=context)
    assert meeting["meeting_id"].startswith("m-") and meeting["language"] == "ko"
    assert [d["text"] for d in meeting["minutes"]["decisions"]] == ["베타 출시일을 12월 10일로 확정"]
    f = meeting["follow_up"]
    assert f["status"] == "booked" and f["start"].startswith("2026-12-01T") and f["start"].endswith("+09:00")
    assert Path(meeting["outputs"]["json"]).is_file()

    thread = client.threads.create()
    waiting = client.runs.wait(thread["thread_id"], "minutes", input=meeting_input("ask"), context=context)
    state = client.threads.get_state(thread["thread_id"], subgraphs=True)
    interrupts = [i for t in state["tasks"] for i in t.get("interrupts", [])]
    assert interrupts and interrupts[0]["value"]["proposal"]["title"] == "출시 후속 회의", (waiting, state)
    done = client.runs.wait(thread["thread_id"], "minutes", command={"resume": {"action": "reject"}}, context=context)
    assert done["follow_up"]["status"] == "declined"

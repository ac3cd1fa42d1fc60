"""The tool-calling scheduler through a real OpenAI-protocol HTTP server on 127.0.0.1 (tool calls over the
wire, the same deterministic policy as the unit tests) and, in the slow set, the real local model through
llama-server's tool-calling endpoint."""

from __future__ import annotations

import json
from datetime import datetime
from http.server import BaseHTTPRequestHandler

import pytest

from core.llm import ModelHub
from core.settings import LLMStage
from graph.builder import build_scheduler
from graph.context import Context
from tests.fakes import LocalHTTPServer
from tests.fixtures import EN_PEOPLE, SCHEDULER_TOOLS, SEOUL, busy_vevent, fixed_clock, local_calendar, policy_step


class ToolCallingServer(LocalHTTPServer):
    """An OpenAI-protocol /v1/chat/completions on 127.0.0.1 whose replies are ``policy_step`` over the
    request's messages, sent as real ``tool_calls``. Records the requests."""

    def __init__(self, phrase: str, title: str):
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(req)
                msgs = [{"role": m["role"], "content": m.get("content") or ""} for m in req["messages"]]
                step = policy_step(msgs, phrase, title)
                if "content" in step:
                    message = {"role": "assistant", "content": step["content"]}
                else:
                    n = sum(m["role"] == "tool" for m in msgs)
                    message = {"role": "assistant", "content": None, "tool_calls": [{
                        "id": f"call_{n}", "type": "function",
                        "function": {"name": step["tool"], "arguments": json.dumps(step["args"], ensure_ascii=False)}}]}
                body = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": req["model"],
                                   "choices": [{"index": 0, "message": message,
                                                "finish_reason": "tool_calls" if "tool_calls" in message else "stop"}],
                                   "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)
        self.base_url = f"{self.root}/v1"
        self.start()


def test_agent_through_an_openai_compatible_server_with_tool_calls(settings, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server = ToolCallingServer("next Tuesday afternoon", "Launch review")
    try:
        settings.scheduler = LLMStage(provider="openai-compatible", model="served-model", base_url=server.base_url)
        cal = local_calendar(settings, {"alice@example.com": busy_vevent("a1@t", "20261201T120000", "20261201T153000")})
        ctx = Context(settings=settings, models=ModelHub(settings), clock=fixed_clock, calendar_factory=lambda: cal)
        seg = {"id": "s0001", "start": 0.0, "end": 3.0, "speaker": "Bob", "text": "Let's meet next Tuesday afternoon.",
               "label": "scheduling"}
        out = build_scheduler().invoke({"meeting_id": "m-http", "meeting_date": "2026-11-26T10:00:00+09:00",
                                        "timezone": "Asia/Seoul", "language": "en", "segments": [seg], "participants": EN_PEOPLE,
                                        "book": "auto"}, context=ctx)
    finally:
        server.close()
    f = out["follow_up"]
    assert f["status"] == "booked" and f["start"] == "2026-12-01T15:30:00+09:00" and f["title"] == "Launch review"
    assert len(server.requests) == 3  # resolve_time, find_slots, propose_slot; no model call after the proposal
    assert {t["function"]["name"] for t in server.requests[0]["tools"]} == SCHEDULER_TOOLS
    assert all(r["tool_choice"] == "required" for r in server.requests)  # undecided: every turn calls a tool
    tool_replies = [m for m in server.requests[-1]["messages"] if m["role"] == "tool"]
    assert json.loads(tool_replies[0]["content"])["start"] == "2026-12-01T12:00:00+09:00"
    assert out["stages"]["scheduler"]["agent_tool_calls"] == 3 and out["stages"]["scheduler"]["tokens_in"] == 300


@pytest.mark.slow
def test_real_local_model_as_a_tool_calling_agent(settings):
    """The embedded model through llama-server's OpenAI tool-calling endpoint (a served model). The 1.5B
    default is not the model this mode is for (measured: it writes the call as a ```json block, which the
    server does not parse as a tool call, so it proposes nothing); what must hold is that whatever it does
    is safe: a booking only inside the asked-for window, free for both, never more than one; else a reason."""
    from core.llama_server import shared_server

    base_url = shared_server(settings).ensure_running()
    settings.scheduler = LLMStage(provider="openai-compatible", model="qwen2.5-coder-1.5b-instruct", base_url=base_url,
                                  max_tokens=256, tool_calling=True)
    busy = {"bob@example.com": busy_vevent("b1@t", "20261201T120000", "20261201T140000")}
    cal = local_calendar(settings, busy)
    ctx = Context(settings=settings, models=ModelHub(settings), clock=fixed_clock, calendar_factory=lambda: cal)
    seg = {"id": "s0001", "start": 0.0, "end": 3.0, "speaker": "Alice", "text": "Let's meet again next Tuesday afternoon for an hour.",
           "label": "scheduling"}
    out = build_scheduler().invoke({"meeting_id": "m-real", "meeting_date": "2026-11-26T10:00:00+09:00", "timezone": "Asia/Seoul",
                                    "language": "en", "segments": [seg], "participants": EN_PEOPLE, "book": "auto"}, context=ctx)
    f = out["follow_up"]
    print("real agent:", f["status"], f.get("start"), f.get("reason"), out["stages"]["scheduler"])
    assert out["stages"]["scheduler"]["calls"] >= 1 and out["stages"]["scheduler"]["tokens_in"] > 500
    events = cal.list_events(datetime(2026, 11, 26, tzinfo=SEOUL), datetime(2026, 12, 10, tzinfo=SEOUL))
    if f["status"] == "booked":
        start = datetime.fromisoformat(f["start"])
        assert datetime(2026, 12, 1, 14, tzinfo=SEOUL) <= start <= datetime(2026, 12, 1, 17, tzinfo=SEOUL)
        assert len(events) == 1
    else:
        assert f["status"] == "failed" and f["reason"] and events == []

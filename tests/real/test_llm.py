"""ModelHub against a real OpenAI-protocol HTTP server on 127.0.0.1 (a fake one, and llama-server's
tokenizer and reuse)."""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from core.errors import ModelError
from core.llama_server import LlamaServer
from core.llm import ModelHub, partial_json
from core.metrics import Metrics
from core.settings import LLMStage, LocalServerSettings
from tests.fakes import LocalHTTPServer
from tests.fixtures import HUB_GOOD_EN, HUB_MESSAGES, HubMinutes, hub_settings


class FakeOpenAIServer(LocalHTTPServer):
    """A small OpenAI-protocol server on 127.0.0.1: /health, /v1/models, /v1/chat/completions
    (plain, streamed as SSE, and structured with response_format). Records the request bodies."""

    def __init__(self, model_id: str = "fake-model", reply_json: dict | None = None):
        self.model_id = model_id
        self.reply_json = reply_json or HUB_GOOD_EN
        self.requests: list[dict] = []
        self.structured_replies: list[tuple[str, str]] = []  # (content, finish_reason) served before reply_json
        self.gets: list[str] = []
        self.tokenize_requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def _json(self, obj: Any, status: int = 200) -> None:
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                outer.gets.append(self.path)
                if self.path == "/health":
                    return self._json({"status": "ok"})
                if self.path == "/v1/models":
                    return self._json({"object": "list", "data": [{"id": outer.model_id, "object": "model", "owned_by": "test", "created": 0}]})
                return self._json({"error": {"message": "not found"}}, 404)

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == "/tokenize":  # llama-server's: one token per word or run of spaces
                    outer.tokenize_requests.append(req)
                    words = re.findall(r"\s+|\S+", req["content"])
                    tokens = [{"id": i, "piece": w} for i, w in enumerate(words)] if req.get("with_pieces") else list(range(len(words)))
                    return self._json({"tokens": tokens})
                if self.path != "/v1/chat/completions":
                    return self._json({"error": {"message": "not found"}}, 404)
                outer.requests.append(req)
                finish = "stop"
                if req.get("response_format", {}).get("type") == "json_schema":
                    if outer.structured_replies:
                        content, finish = outer.structured_replies.pop(0)
                    else:
                        content = json.dumps(outer.reply_json, ensure_ascii=False)
                else:
                    content = "echo: " + req["messages"][-1]["content"]
                usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
                if req.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for i, piece in enumerate([content[:6], content[6:]]):
                        delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": outer.model_id,
                                 "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    end = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": outer.model_id,
                           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage}
                    self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                    return None
                return self._json({
                    "id": "c1", "object": "chat.completion", "created": 0, "model": outer.model_id,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
                    "usage": usage,
                })  # fmt: skip

        super().__init__(Handler)
        self.base_url = f"{self.root}/v1"


def test_openai_compatible_against_a_real_http_server(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAIServer() as srv:
        cfg = LLMStage(provider="openai-compatible", model="fake-model", base_url=srv.base_url, max_tokens=64)
        s = hub_settings(tmp_path, summarizer=cfg, chat=cfg)
        hub = ModelHub(s, metrics=Metrics())

        assert hub.complete("chat", [HumanMessage("hello")]) == "echo: hello"
        out = hub.structured("summarizer", HubMinutes, HUB_MESSAGES, language="en")
        assert out == HubMinutes.model_validate(HUB_GOOD_EN)
        rf = srv.requests[-1]["response_format"]
        assert rf["type"] == "json_schema" and rf["json_schema"]["schema"] == HubMinutes.model_json_schema()
        assert srv.requests[-1]["max_completion_tokens"] == 64 and srv.requests[-1]["model"] == "fake-model"
        assert "JSON Schema" not in json.dumps(srv.requests[-1]["messages"])  # native: no schema in the prompt
        st = hub.stats()["summarizer"]
        assert st["calls"] == 1 and st["tokens_in"] == 11 and st["tokens_out"] == 7  # the server's usage

        chunks = list(hub.chat("chat").stream([HumanMessage("streamed words")]))
        assert len(chunks) >= 2 and "".join(c.content for c in chunks) == "echo: streamed words"
        assert srv.requests[-1]["stream"] is True

        n = len(srv.requests)
        assert hub.structured("summarizer", HubMinutes, HUB_MESSAGES, language="en") == out  # cached
        assert len(srv.requests) == n

        seen: list[str] = []  # streamed structured output: the text so far after each chunk
        streamed = hub.structured("chat", HubMinutes, HUB_MESSAGES, language="en", on_text=seen.append)
        assert streamed == out and srv.requests[-1]["stream"] is True
        assert srv.requests[-1]["response_format"]["type"] == "json_schema"
        assert seen[0] == "" and len(seen) >= 3 and seen[-1] == json.dumps(HUB_GOOD_EN, ensure_ascii=False)
        assert all(b.startswith(a) for a, b in zip(seen, seen[1:]))
        assert partial_json(seen[1]) == {} and partial_json(seen[-1]) == HUB_GOOD_EN


def summarizer_hub(srv: FakeOpenAIServer, tmp_path) -> ModelHub:
    """A hub whose summarizer is ``srv`` (64 tokens at most), without the cache."""
    cfg = LLMStage(provider="openai-compatible", model="fake-model", base_url=srv.base_url, max_tokens=64)
    return ModelHub(hub_settings(tmp_path, summarizer=cfg), metrics=Metrics(), use_cache=False)


def test_malformed_reply_from_a_real_server_is_repaired_without_a_second_request(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAIServer() as srv:
        hub = summarizer_hub(srv, tmp_path)
        broken = json.dumps(HUB_GOOD_EN)[:-2] + ",]"  # a trailing comma and the last brace missing
        srv.structured_replies.append((broken, "stop"))
        assert hub.structured("summarizer", HubMinutes, HUB_MESSAGES) == HubMinutes.model_validate(HUB_GOOD_EN)
        assert len(srv.requests) == 1


def test_reply_cut_off_at_max_tokens_goes_back_to_the_model(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAIServer() as srv:
        hub = summarizer_hub(srv, tmp_path)
        # json_repair would close this into a valid object with no action items: silently losing them
        srv.structured_replies.append(('{"title": "Weekly sync", "action_items": [', "length"))
        assert hub.structured("summarizer", HubMinutes, HUB_MESSAGES) == HubMinutes.model_validate(HUB_GOOD_EN)
        assert len(srv.requests) == 2
        retry = srv.requests[1]["messages"]
        assert retry[-2]["role"] == "assistant" and "cut off" in retry[-1]["content"]

        srv.structured_replies += [('{"title": "Weekly', "length"), ('{"title": "Weekly sync", "act', "length")]
        with pytest.raises(ModelError, match="cut off at max_tokens"):
            hub.structured("summarizer", HubMinutes, [*HUB_MESSAGES, HumanMessage("again")])


def test_token_counts_for_a_transcript_take_one_tokenize_call(tmp_path):
    with FakeOpenAIServer(model_id="qwen2.5-coder-1.5b-instruct") as srv:
        hub = ModelHub(hub_settings(tmp_path, local_server=LocalServerSettings(port=srv.port)), metrics=Metrics())
        lines = [f"[s{i:04d}] Speaker {i % 3}: line number {i} of the meeting" for i in range(200)]
        counts = hub.count_tokens_each("summarizer", lines)
        assert len(srv.tokenize_requests) == 1 and srv.tokenize_requests[0]["with_pieces"] is True
        assert sum(counts) == len(re.findall(r"\s+|\S+", "\n".join(lines)))
        assert counts[5] == len(re.findall(r"\s+|\S+", lines[5] + "\n"))
        health = srv.gets.count("/health")
        hub.count_tokens_each("summarizer", lines[:10])
        assert len(srv.tokenize_requests) == 2 and srv.gets.count("/health") == health  # no health check again


def test_local_server_reuses_a_healthy_server_with_our_model(tmp_path):
    with FakeOpenAIServer(model_id="qwen2.5-coder-1.5b-instruct") as srv:
        s = hub_settings(tmp_path, local_server=LocalServerSettings(port=srv.port))
        server = LlamaServer(s)
        assert server.ensure_running() == srv.base_url  # no binary, no model needed: reused
        assert server.pid is None
        server.stop()  # not ours: left alone
        assert server.healthy()
    with FakeOpenAIServer(model_id="someone-elses-model") as srv:
        s = hub_settings(tmp_path, local_server=LocalServerSettings(port=srv.port))
        with pytest.raises(ModelError, match="used by another server"):
            LlamaServer(s).ensure_running()

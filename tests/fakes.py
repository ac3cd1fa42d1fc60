"""Fakes for tests without a real LLM: chat models that answer like the real stages would (the Korean sample
meeting's answers below), a small OpenAI-protocol server on 127.0.0.1 answering the same way (for
subprocesses: the CLI, the LangGraph server), and the threaded local HTTP server the fake servers run on."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

# ---------------------------------------------------------------------------------------------- the Korean sample's answers
# What the fake router, summarizer and scheduler answer on samples/meeting_ko.txt.
KO_ROUTES = {"확정": "decision", "고쳐": "action", "공유하겠": "action", "다시 보죠": "scheduling", "주말": "small_talk",
             "날씨": "small_talk", "점심": "small_talk", "들리세요": "small_talk"}
# One payload for every summarizer call (``constant``): the summary call reads title/sentences/open_questions,
# the items call reads ``items`` (one answer per numbered candidate: s0007, s0009+s0010, s0011 under KO_ROUTES).
KO_MINUTES = {
    "title": "모바일 앱 출시 회의",
    "sentences": [{"text": "베타 출시 일정과 남은 작업을 논의했습니다.", "ids": ["s0004"]},
                  {"text": "로그인 버그와 온보딩 디자인이 남아 있습니다.", "ids": ["s0005", "s0006"]}],
    "open_questions": [{"text": "마케팅 예산", "ids": ["s0012"]}],
    "items": [
        {"n": 1, "keep": True, "text": "베타 출시일을 12월 10일로 확정"},
        {"n": 2, "keep": True, "text": "로그인 버그 고치기", "owner": "Mallory", "due_phrase": "금요일까지"},  # owner unsupported
        {"n": 3, "keep": True, "text": "새 온보딩 디자인 공유", "owner": "박서연", "due_phrase": "다음 주 수요일까지"},
        {"n": 4, "keep": True, "text": "피자 주문하기"},  # no such candidate: ignored
    ],
}
KO_REQUEST = {"found": True, "title": "출시 후속 회의", "time_phrase": "다음 주 화요일 오후", "duration_phrase": "한 시간",
              "attendees": []}


# ---------------------------------------------------------------------------------------------- fake chat models
class ScriptedChatModel(GenericFakeChatModel):
    """Answers each call with ``respond(prompt_text)`` and records the prompts it saw."""

    respond: object = None
    prompts: list = []

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        from langchain_core.outputs import ChatGeneration, ChatResult

        text = "\n".join(str(m.content) for m in messages)
        self.prompts.append(text)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.respond(text)))])


def labeller(rules: dict[str, str]):
    """A router: labels each numbered line by the first keyword it contains, else content."""
    def respond(prompt: str) -> str:
        lines = re.findall(r"^\d+\. (.*)$", prompt, re.M)
        labels = [next((label for key, label in rules.items() if key.lower() in line.lower()), "content") for line in lines]
        return json.dumps({"labels": labels})
    return respond


def constant(payload: dict):
    return lambda prompt: json.dumps(payload, ensure_ascii=False)


def fake_model(respond) -> ScriptedChatModel:
    return ScriptedChatModel(messages=iter(()), respond=respond, prompts=[])


def scripted_answer(request: dict) -> str:
    """What the fake model answers a structured request: labels, minutes or the follow-up request (the
    Korean sample meeting's, above)."""
    schema = json.dumps((request.get("response_format") or {}).get("json_schema", {}))
    prompt = request["messages"][-1]["content"]
    if '"labels"' in schema:
        lines = re.findall(r"^\d+\. (.*)$", prompt, re.M)
        return json.dumps({"labels": [next((lab for key, lab in KO_ROUTES.items() if key in line), "content") for line in lines]})
    properties = set(((request.get("response_format") or {}).get("json_schema", {}).get("schema") or {}).get("properties", {}))
    if '"time_phrase"' in schema or properties == {"title"}:  # the scheduler's request, or only its title
        return json.dumps(KO_REQUEST, ensure_ascii=False)
    return json.dumps(KO_MINUTES, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------- fake servers
class LocalHTTPServer:
    """A ``ThreadingHTTPServer`` for ``handler`` on a free 127.0.0.1 port, serving in a daemon thread from
    ``start()`` (or ``with``) until ``close()``. ``root`` is its ``http://127.0.0.1:PORT``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.root = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


class FakeOpenAIModels(LocalHTTPServer):
    """An OpenAI-protocol server on 127.0.0.1 (``/v1/models``, ``/v1/chat/completions``, not streamed)."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _json(self, obj: dict) -> None:
                body = json.dumps(obj).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._json({"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "t", "created": 0}]})

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self._json({"id": "c", "object": "chat.completion", "created": 0, "model": "fake",
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": scripted_answer(req)}}],
                            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})

        super().__init__(Handler)
        self.url = f"{self.root}/v1"
        self.start()


def openai_stage_env(url: str) -> dict[str, str]:
    """``MINUTES_*`` variables pointing the router, summarizer and scheduler at an OpenAI-protocol server."""
    stage = {"PROVIDER": "openai-compatible", "BASE_URL": url, "MODEL": "fake", "TOOL_CALLING": "false"}
    return {"MINUTES_ROUTER__PROVIDER": "llm", "OPENAI_API_KEY": "unused",
            **{f"MINUTES_{s}__{k}": v for s in ("SUMMARIZER", "SCHEDULER") for k, v in stage.items()},
            **{f"MINUTES_ROUTER__LLM__{k}": v for k, v in stage.items()}}

"""Speed of the embedded local LLM on this machine: build, assembly, load, tokens/s, memory, one structured call.

Run: ``.venv/bin/python benchmarks/models.py [--build] [--threads 2]``. Uses the shared models dir
(``MINUTES_MODELS_DIR``, else the per-user cache ``~/.cache/minutes``); the GGUF is re-joined into a temporary directory to time
the assembly. ``--build`` rebuilds llama-server into a temporary models dir to time the build; otherwise the
time recorded in the build log is printed.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from core.assets import assemble_file  # noqa: E402
from core.llama_server import LlamaServer, binary_path, ensure_binary, ensure_model, local_model  # noqa: E402
from core.llm import ModelHub  # noqa: E402
from core.metrics import Metrics  # noqa: E402
from core.settings import LocalServerSettings, Settings  # noqa: E402


class Action(BaseModel):
    owner: str
    task: str
    due_phrase: str | None


class Notes(BaseModel):
    title: str
    action_items: list[Action]


TRANSCRIPT = """Participants: Alice, Bob
Alice: Let's ship the beta on the 15th. Bob, can you write the release notes?
Bob: Sure, I'll write the release notes by Thursday.
Alice: And I will email the beta testers tomorrow morning."""

LONG_PROMPT = " ".join(
    f"Item {i}: the team reviewed the quarterly roadmap, the hiring plan and the budget for the launch." for i in range(30)
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mb(pid: int) -> float:
    m = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(m.group(1)) / 1024 if m else float("nan")


def _chat_timings(url: str, prompt: str, max_tokens: int) -> dict:
    body = json.dumps({
        "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens, "temperature": 0,
        "repeat_penalty": 1.1, "cache_prompt": False,
    }).encode()  # fmt: skip
    req = urllib.request.Request(f"{url}/chat/completions", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())["timings"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="store_true", help="time a fresh llama-server build (minutes)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    base = Settings()
    print(f"models dir: {base.model_path()}  threads: {a.threads}")

    if a.build:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.monotonic()
            ensure_binary(Settings(models_dir=Path(d)))
            print(f"llama-server build: {time.monotonic() - t0:.0f} s")
    else:
        ensure_binary(base)
        log = binary_path(base).with_name("llama-server.build.log")
        m = re.search(r"built in (\d+) s", log.read_text()) if log.is_file() else None
        print(f"llama-server build (from its log): {m.group(1) + ' s' if m else 'unknown'}")

    gguf = ensure_model(base)
    spec = local_model(base).asset.assembled[0]
    with tempfile.TemporaryDirectory(dir=base.model_path()) as d:
        t0 = time.monotonic()
        assemble_file(spec, Path(d) / spec.name)
        print(f"GGUF assembly ({spec.size / 1e9:.2f} GB, join + sha256): {time.monotonic() - t0:.1f} s")

    with tempfile.TemporaryDirectory() as data:
        s = Settings(data_dir=Path(data), models_dir=base.model_path(),
                     local_server=LocalServerSettings(port=_free_port(), threads=a.threads))  # fmt: skip
        srv = LlamaServer(s)
        url = srv.ensure_running()
        print(f"server ready (spawn to /health ok): {srv.started_in_s:.1f} s  [{gguf.name}]")
        try:
            _chat_timings(url, "Say hello.", 8)  # warm-up
            t = _chat_timings(url, LONG_PROMPT + "\nSummarize the above in five sentences.", 128)
            print(f"prompt: {t['prompt_n']} tokens at {t['prompt_per_second']:.0f} tok/s; "
                  f"generation: {t['predicted_n']} tokens at {t['predicted_per_second']:.1f} tok/s")  # fmt: skip

            hub = ModelHub(s, use_cache=False, metrics=Metrics())
            msgs = [SystemMessage("Write meeting notes: a title and every action item (owner, task, due_phrase)."),
                    HumanMessage(TRANSCRIPT)]  # fmt: skip
            t0 = time.monotonic()
            notes = hub.structured("summarizer", Notes, msgs, language="en")
            st = hub.stats()["summarizer"]
            print(f"structured call: {time.monotonic() - t0:.1f} s ({st['calls']} model call(s), "
                  f"{st['tokens_in']} tokens in, {st['tokens_out']} out): {len(notes.action_items)} action items")  # fmt: skip
            print(f"server peak RSS: {_peak_rss_mb(srv.pid):.0f} MB")
        finally:
            srv.stop()


if __name__ == "__main__":
    main()

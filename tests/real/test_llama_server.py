"""The embedded local LLM for real: two processes sharing one join and one build, and the real server
producing validated structured minutes in English (default suite) and Korean (slow)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

import core.llama_server as ls
from core.llama_server import QWEN_15B, LlamaServer, binary_path, binary_state
from core.llm import ModelHub, language_matches
from core.metrics import Metrics
from core.settings import LLMStage, LocalServerSettings, Settings
from tests.fixtures import ROOT, free_port

_RACER = """
import os, sys, time
from pathlib import Path
import core.assets as assets
import core.llama_server.build as build
from core.settings import Settings

what, log, models = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

def note(word):
    with open(log, "a") as f:
        f.write(f"{word} {os.getpid()}\\n")

join, real_build = assets._join, build._build

def slow_join(*args):
    note("join"); time.sleep(0.8); return join(*args)

def fake_build(target, **kw):  # stands in for the 6-minute compile: same placement, same stamp
    note("build"); time.sleep(0.8)
    target.write_text("#!/bin/sh\\n"); target.with_name("llama-server.build.json").write_text(build._build_stamp())
    return target

assets._join, build._build = slow_join, fake_build
settings = Settings(data_dir=Path(sys.argv[4]), models_dir=models)
if what == "model":
    from core.llama_server import ensure_model
    print(ensure_model(settings))
else:
    print(build.ensure_binary(settings))
"""


@pytest.mark.parametrize("what", ["model", "binary"])
def test_two_processes_share_one_join_and_one_build(fake_model_env, tmp_path, what):
    """Two data dirs, one models dir, started together: one process joins/builds, the other waits and reuses."""
    settings, install = fake_model_env
    chunks = [b"GGUF" + os.urandom(4000), os.urandom(3000)]
    m = install("fakepart_race_", chunks)
    if what == "model":  # the subprocesses see the fake model through a sitecustomize on their path
        site = tmp_path / "site"
        (site / "sitecustomize.py").write_text(
            "import hashlib\nfrom core.assets import AssembledFile, ModelAsset\nimport core.llama_server.models as m\n"
            f"m.LOCAL_MODELS['qwen2.5-coder-1.5b'] = m.LocalModel('qwen2.5-coder-1.5b', 'tiny', ModelAsset('tiny', ("
            f"AssembledFile('tiny.gguf', m.file_parts('fakepart_race_', 2, 'data/part{{i:02d}}.bin'), {m.asset.assembled[0].size}, "
            f"'{m.asset.assembled[0].sha256}'),)))\n")
    log = tmp_path / "events.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)])}
    env.pop("MINUTES_MODELS_DIR", None)
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, what, str(log), str(tmp_path / "shared-models"), str(tmp_path / f"data{n}")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert outs[0][0] == outs[1][0] and str(tmp_path / "shared-models") in outs[0][0]  # the same file for both
    events = log.read_text().split()
    assert events.count("join" if what == "model" else "build") == 1, events
    if what == "model":
        assert Path(outs[0][0].strip()).read_bytes() == b"".join(chunks)


class ActionItem(BaseModel):
    owner: str = Field(description="who will do it: one of the participants")
    task: str = Field(description="what will be done")
    due_phrase: str | None = Field(description="the words that say when, quoted from the transcript, or null")


class MeetingNotes(BaseModel):
    title: str
    action_items: list[ActionItem]


TRANSCRIPT_EN = """Participants: Alice, Bob
Alice: Let's ship the beta on the 15th. Bob, can you write the release notes?
Bob: Sure, I'll write the release notes by Thursday.
Alice: And I will email the beta testers tomorrow morning."""
TRANSCRIPT_KO = """참석자: 김민수, 이지은
김민수: 다음 주 월요일에 베타를 출시합시다. 지은 씨가 릴리스 노트를 써 줄 수 있어요?
이지은: 네, 목요일까지 릴리스 노트를 작성할게요.
김민수: 저는 내일 오전에 베타 테스터들에게 메일을 보내겠습니다."""
SYSTEM = {
    "en": "You write meeting notes. Give a short title and every action item: owner (a participant), "
    "task, and due_phrase (the exact words about when, or null). Answer in English.",
    "ko": "당신은 회의록을 작성합니다. 짧은 제목과 모든 실행 항목을 적으세요: owner(참석자 이름), task(할 일), "
    "due_phrase(기한을 말한 표현 그대로, 없으면 null). 모든 내용을 한국어로 작성하세요.",
}


@pytest.fixture(scope="module")
def real_server(models_dir, tmp_path_factory):
    """A real llama-server with the embedded model on a free port, for this module only."""
    probe = Settings(models_dir=models_dir)
    problems = []
    if binary_state(probe) != "ready":
        problems.append(f"llama-server is {binary_state(probe)} at {binary_path(probe)}")
    if ls.model_state(probe) != "ready":
        problems.append(f"model {QWEN_15B.alias} is {ls.model_state(probe)} in {models_dir}")
    if problems:
        pytest.fail(
            "; ".join(problems) + ". Build/assemble them first: `python -m core.llama_server build` and "
            "`python -m core.llama_server model` (with MINUTES_MODELS_DIR set like the tests), or `make setup`.",
            pytrace=False,
        )
    data = tmp_path_factory.mktemp("llm-data")
    s = Settings(data_dir=data, models_dir=models_dir, local_server=LocalServerSettings(port=free_port()))
    server = ls.shared_server(s)
    t0 = time.monotonic()
    url = server.ensure_running()
    ready_s = time.monotonic() - t0
    yield s, server, url, ready_s
    server.stop()


def _notes(settings: Settings, language: str) -> tuple[MeetingNotes, dict]:
    hub = ModelHub(settings, use_cache=False, metrics=Metrics())
    transcript = TRANSCRIPT_EN if language == "en" else TRANSCRIPT_KO
    msgs = [SystemMessage(SYSTEM[language]), HumanMessage(transcript)]
    notes = hub.structured("summarizer", MeetingNotes, msgs, language=language)
    return notes, hub.stats()["summarizer"]


def test_real_server_structured_minutes_english(real_server):
    settings, server, url, ready_s = real_server
    assert url == f"http://127.0.0.1:{settings.local_server.port}/v1"
    assert ready_s < 30, f"server took {ready_s:.1f} s to become ready"
    assert server.pid is not None and server.serves_our_model()
    assert settings.path("logs", "llama-server.log").is_file() and settings.path("run", "llama-server.json").is_file()

    # a second manager (as another process would) reuses the running server instead of starting one
    other = LlamaServer(settings)
    assert other.ensure_running() == url and other.pid is None

    notes, stats = _notes(settings, "en")
    assert notes.title.strip()
    assert len(notes.action_items) >= 2
    owners = {a.owner.strip() for a in notes.action_items}
    assert owners <= {"Alice", "Bob"}, owners
    bob = [a for a in notes.action_items if a.owner.strip() == "Bob"]
    assert bob and any("release notes" in a.task.lower() for a in bob)
    assert language_matches(notes.model_dump(), "en")
    assert stats["calls"] >= 1 and stats["tokens_in"] > 50 and stats["tokens_out"] > 10
    assert stats["model"] == "qwen2.5-coder-1.5b-instruct"

    # the real tokenizer: Korean costs more tokens per character than English here
    hub = ModelHub(settings, use_cache=False, metrics=Metrics())
    assert 0 < hub.count_tokens("summarizer", "Let's ship the beta.") < 10
    assert hub.count_tokens("summarizer", TRANSCRIPT_KO) > 40
    # one /tokenize call for a whole transcript: per-line counts that add up to the joined text's tokens
    lines = TRANSCRIPT_KO.splitlines()
    each = hub.count_tokens_each("summarizer", lines)
    assert len(each) == len(lines) and all(n > 0 for n in each) and sum(each) == hub.count_tokens("summarizer", "\n".join(lines))
    assert all(abs(n - hub.count_tokens("summarizer", line)) <= 2 for n, line in zip(each, lines))  # ± the joins


@pytest.mark.slow
def test_real_server_structured_minutes_korean(real_server):
    settings, *_ = real_server
    notes, _ = _notes(settings, "ko")
    assert notes.title.strip() and notes.action_items
    assert language_matches(notes.model_dump(), "ko")
    owners = {a.owner.replace("씨", "").strip() for a in notes.action_items}
    assert owners & {"김민수", "이지은", "민수", "지은"}, owners
    assert any("릴리스" in a.task or "메일" in a.task for a in notes.action_items)


@pytest.mark.slow
def test_real_server_stops_cleanly(models_dir, tmp_path, real_server):
    """A second server on another port starts within 30 s and stop() frees the port."""
    s = Settings(data_dir=tmp_path, models_dir=models_dir, local_server=LocalServerSettings(port=free_port()))
    srv = LlamaServer(s)
    srv.ensure_running()
    assert srv.started_in_s is not None and srv.started_in_s < 30
    pid = srv.pid
    srv.stop()
    assert not srv.healthy() and not s.path("run", "llama-server.json").exists()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


@pytest.mark.slow
def test_a_server_killed_mid_answer_is_started_again_and_the_call_answered(models_dir, tmp_path):
    """The embedded server dies while it writes an answer (killed, out of memory): the hub starts a new one
    and asks again, once, with a warning; the caller gets the answer, not a connection error."""
    import signal
    import threading

    s = Settings(data_dir=tmp_path, models_dir=models_dir, local_server=LocalServerSettings(port=free_port()),
                 summarizer=LLMStage(max_tokens=120))  # ~6 s of writing: the kill at 2 s lands mid-answer
    server = ls.shared_server(s)
    server.ensure_running()
    first_pid = server.pid
    hub = ModelHub(s, use_cache=False, metrics=Metrics())
    killer = threading.Timer(2.0, lambda: os.kill(first_pid, signal.SIGKILL))
    killer.start()
    try:
        text = hub.complete("summarizer", [HumanMessage("Count from one to two hundred in words, one per line.")])
    finally:
        killer.cancel()
        server.stop()
    assert text.strip()
    assert any("went away" in w for w in hub.warnings), hub.warnings
    assert server.pid is None and first_pid is not None

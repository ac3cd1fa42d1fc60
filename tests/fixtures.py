"""Shared test builders: the Korean sample meeting's input, people and fixed clock, graph contexts on the fake
models of ``tests.fakes``, local calendars, the CLI as a subprocess, a live uvicorn server, and two meetings
for memory with the assertions every store must pass. Test modules
import helpers only from here, ``tests.fakes`` and ``tests.fake_google_calendar`` (``tests/unit/test_layers.py``
holds that line)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import wave
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

from core.assets import AssembledFile, ModelAsset
from core.errors import InputError
from core.llama_server.models import LocalModel, file_parts
from core.llm import ModelHub
from core.meeting import no_follow_up
from core.settings import LocalServerSettings, Settings
from graph.builder import build_scheduler
from graph.context import Context
from graph.nodes.ingest import prepare_input
from tests.fakes import KO_MINUTES, KO_REQUEST, KO_ROUTES, constant, fake_model, labeller

if TYPE_CHECKING:
    from vectorstore import MeetingStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEOUL = ZoneInfo("Asia/Seoul")
MEETING = "2026-11-26T10:00:00+09:00"  # a Thursday
SAMPLE_EN_AUDIO = SAMPLES / "meeting_en.ogg"  # the English sample recording (2 min, three speakers)
SR = 16_000  # the sample rate every recording is decoded to

# ---------------------------------------------------------------------------------------------- people
KO_PEOPLE = [{"name": "김민지", "email": "minji@example.com"}, {"name": "이준호", "email": "junho@example.com"},
             {"name": "박서연", "email": "seoyeon@example.com"}]
KO_EMAILS = [p["email"] for p in KO_PEOPLE]
KO_ATTENDEES = [f"{p['name']}={p['email']}" for p in KO_PEOPLE]  # the CLI / API form "Name=email"
EN_PEOPLE = [{"name": "Alice", "email": "alice@example.com"}, {"name": "Bob", "email": "bob@example.com"}]


# ---------------------------------------------------------------------------------------------- builders
def fixed_clock() -> datetime:
    """The clock of every fake-model run: Thursday 2026-11-26 11:00 in Seoul (an hour after the meeting)."""
    return datetime(2026, 11, 26, 11, 0, tzinfo=SEOUL)


def make_context(settings, *, router, summarizer, scheduler, store=None) -> Context:
    """A graph context whose router, summarizer and scheduler are fake chat models answering with the given
    functions (prompt -> reply text), on the fixed clock, with ``store`` as memory (None: memory off)."""
    settings.router.provider = "llm"
    settings.summarizer.item_batch = 12  # the fake summarizer answers every candidate in one call
    hub = ModelHub(settings, overrides={"router": fake_model(router), "summarizer": fake_model(summarizer),
                                        "scheduler": fake_model(scheduler)})
    return Context(settings=settings, models=hub, clock=fixed_clock, store_factory=lambda: store)


def fake_context_factory(summarizer=None):
    """Contexts with the Korean sample's fake router/summarizer/scheduler models, memory off (for the API)."""

    def factory(settings):
        return make_context(settings, router=labeller(KO_ROUTES), summarizer=summarizer or constant(KO_MINUTES),
                            scheduler=constant(KO_REQUEST))

    return factory


def korean_input(book="auto"):
    """The graph input for samples/meeting_ko.txt with its three attendees."""
    return prepare_input(SAMPLES / "meeting_ko.txt", meeting_date=MEETING, timezone="Asia/Seoul", participants=KO_PEOPLE,
                         book=book)


def import_calendars(settings, emails):
    """The configured calendar backend with an empty calendar imported for each of ``emails``."""
    from tools.calendar import open_calendar

    cal = open_calendar(settings)
    empty = settings.path("empty.ics")
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\nEND:VCALENDAR\n")
    for e in emails:
        cal.import_ics(empty, e)
    return cal


def local_calendar(settings, busy_ics: dict[str, str] | None = None, people=EN_PEOPLE):
    """The local calendar backend with each person's calendar imported (their busy VEVENTs, else empty)."""
    from tools.calendar import open_calendar

    cal = open_calendar(settings)
    d = settings.path("ics")
    d.mkdir(parents=True, exist_ok=True)
    for p in people:
        f = d / f"{p['email']}.ics"
        f.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\n" + (busy_ics or {}).get(p["email"], "") + "END:VCALENDAR\n")
        cal.import_ics(f, p["email"])
    return cal


def prepare_settings(settings):
    """The fake router is an LLM: set it before any thread id is computed; the Korean attendees' calendars
    known and empty."""
    settings.router.provider = "llm"
    import_calendars(settings, KO_EMAILS)
    return settings


# ---------------------------------------------------------------------------------------------- processes, servers
def minutes(*args: str, data_dir: Path, models_dir: Path, stdin: str | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """``python -m app ARGS`` as a user runs it, on ``data_dir`` and ``models_dir``, in Seoul, no colours."""
    env = {**os.environ, "MINUTES_DATA_DIR": str(data_dir), "MINUTES_MODELS_DIR": str(models_dir), "NO_COLOR": "1",
           "COLUMNS": "200", "MINUTES_TIMEZONE": "Asia/Seoul"}
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn server for ``app`` on a free 127.0.0.1 port, in a thread."""

    def __init__(self, app):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()


# ---------------------------------------------------------------------------------------------- memory
# Two meetings built by hand (core/meeting.py), and the core assertions on a store holding them: the same for
# the embedded store (tests/real/test_vectorstore.py) and a Chroma server (tests/real/test_vectorstore_server.py).
def make_meeting(mid: str, when: str, lang: str, people: list[str], said: list[tuple[str, str]], title: str,
                 summary: str, decisions: list[str], actions: list[tuple[str | None, str, str | None]]) -> dict:
    return {
        "meeting_id": mid, "source": f"{mid}.txt", "language": lang, "language_probability": None,
        "duration_s": 10.0 * len(said), "meeting_date": when, "timezone": "UTC",
        "participants": [{"name": p, "email": None} for p in people],
        "segments": [{"id": f"s{i + 1:04d}", "start": 10.0 * i, "end": 10.0 * i + 9.5, "speaker": who, "text": text,
                      "label": "content"} for i, (who, text) in enumerate(said)],
        "minutes": {"title": title, "language": lang, "summary": summary, "key_points": [],
                    "decisions": [{"text": d, "segment_ids": []} for d in decisions],
                    "action_items": [{"owner": o, "task": t, "due": due, "due_phrase": None, "status": "open",
                                      "segment_ids": []} for o, t, due in actions],
                    "open_questions": [], "previous_actions": []},
        "follow_up": no_follow_up("no follow-up requested"),
        "stages": {}, "warnings": [],
    }


def korean_meeting() -> dict:
    return make_meeting(
        "ko-2024-03-04", "2024-03-04T10:00:00+09:00", "ko", ["김민수", "이지은"],
        [("김민수", "3분기 마케팅 예산을 이천만 원으로 줄이기로 했습니다."),
         ("이지은", "신제품 출시는 다음 달 15일로 미루겠습니다."),
         ("김민수", "점심은 근처 국수집에서 먹을까요?"),
         ("이지은", "고객센터 상담원을 두 명 더 채용해야 합니다.")],
        "3분기 예산 회의", "3분기 마케팅 예산 삭감과 신제품 출시 연기를 논의했다.",
        ["마케팅 예산을 이천만 원으로 삭감한다."],
        [("이지은", "출시 일정 변경을 고객사에 공지하기", "2024-03-08")])


def english_meeting() -> dict:
    return make_meeting(
        "en-2024-04-10", "2024-04-10T15:00:00+00:00", "en", ["Alice Smith", "Bob Lee"],
        [("Alice Smith", "We need to fix the login bug in the mobile app before the release."),
         ("Bob Lee", "I will migrate the database to PostgreSQL 16 next week."),
         ("Alice Smith", "The customer survey showed that users really want a dark mode."),
         ("Bob Lee", "Let's order pizza for the team on Friday.")],
        "Release planning", "The team planned the 2.3 release: the login bug, the database migration and dark mode.",
        ["Ship dark mode in version 2.3."],
        [("Bob Lee", "Migrate the database to PostgreSQL 16", "2024-04-17"),
         ("Alice Smith", "Write the release notes", None)])


KO_ID, EN_ID = "ko-2024-03-04", "en-2024-04-10"


def check_search_and_filters(s: MeetingStore) -> None:
    # the right passage, same language
    assert s.search("database migration to PostgreSQL", k=1)[0].id == f"{EN_ID}:segment:s0002"
    assert s.search("마케팅 예산 삭감", k=3)[0].meeting_id == KO_ID
    # cross-lingual: a Korean question finds the English passage, and the reverse
    for mode in ("vector", "hybrid"):
        top = s.search("데이터베이스 이전 계획", k=1, mode=mode)[0]
        assert (top.id, top.meeting_id) == (f"{EN_ID}:segment:s0002", EN_ID), mode
        assert s.search("사용자들이 다크 모드를 원한다", k=1, mode=mode)[0].id == f"{EN_ID}:segment:s0003", mode
        assert s.search("When is the new product launch?", k=1, mode=mode)[0].id == f"{KO_ID}:segment:s0002", mode
        assert s.search("lunch at the noodle place", k=1, mode=mode)[0].id == f"{KO_ID}:segment:s0003", mode
    # keyword search finds exact terms and numbers, in both scripts
    kw = s.search("PostgreSQL 16", k=5, mode="keyword")
    assert {h.id for h in kw} == {f"{EN_ID}:segment:s0002", f"{EN_ID}:action:0"}
    assert all(h.score > 0 for h in kw)
    assert s.search("예산을", k=5, mode="keyword")[0].meeting_id == KO_ID
    # filters: date range (inclusive), participant, kind, meeting
    q = "plans and decisions"
    assert {h.meeting_id for h in s.search(q, k=10, since=date(2024, 4, 1))} == {EN_ID}
    assert {h.meeting_id for h in s.search(q, k=10, until=date(2024, 3, 31))} == {KO_ID}
    assert {h.meeting_id for h in s.search(q, k=10, since=date(2024, 3, 4), until=date(2024, 3, 4))} == {KO_ID}
    assert s.search(q, k=10, since=date(2024, 5, 1)) == []
    assert {h.meeting_id for h in s.search(q, k=10, participant="bob")} == {EN_ID}
    assert {h.meeting_id for h in s.search(q, k=10, participant="Alice Smith")} == {EN_ID}
    assert {h.meeting_id for h in s.search(q, k=10, participant="김민수")} == {KO_ID}
    for mode in ("vector", "keyword", "hybrid"):
        hits = s.search("예산 database", k=10, kind="decision", mode=mode)
        assert hits and {h.kind for h in hits} == {"decision"}, mode
        assert {h.meeting_id for h in s.search("예산 database", k=10, meeting_id=EN_ID, mode=mode)} == {EN_ID}
    seg = s.search("pizza", k=1, kind="segment")[0]
    assert seg.metadata["speaker"] == "Bob Lee" and seg.metadata["start"] == 30.0 and seg.metadata["date"] == "2024-04-10"


def check_replace_forget_actions(s: MeetingStore, reopen) -> None:
    total = s.count()
    assert s.upsert_meeting(english_meeting()) == 8  # 4 segments, summary, 1 decision, 2 actions
    assert s.count() == total  # re-processing replaces, no duplicates
    changed = english_meeting()
    changed["segments"] = changed["segments"][:3]
    changed["segments"][0]["text"] = "We must fix the checkout crash on Android before the release."
    assert s.upsert_meeting(changed) == 7
    assert s.count() == total - 1
    assert s.search("pizza for the team", k=10, meeting_id=EN_ID, kind="segment", mode="keyword") == []
    assert s.search("checkout crash Android", k=1, mode="keyword")[0].id == f"{EN_ID}:segment:s0001"
    assert not any("login bug" in h.text for h in s.search("login bug", k=10, kind="segment"))
    # action items: open ones, by owner, by due date; a status change survives reopening the store
    assert [(a["meeting_id"], a["index"]) for a in s.open_action_items()] == [(KO_ID, 0), (EN_ID, 0), (EN_ID, 1)]
    assert [a["task"] for a in s.open_action_items(owner="bob")] == ["Migrate the database to PostgreSQL 16"]
    assert [a["owner"] for a in s.open_action_items(due_before=date(2024, 4, 1))] == ["이지은"]
    assert s.set_action_status(EN_ID, 0, "done") is True
    assert s.set_action_status(EN_ID, 9, "done") is False
    assert s.set_action_status("no-such-meeting", 0, "done") is False
    with pytest.raises(InputError):
        s.set_action_status(EN_ID, 0, "finished")  # type: ignore[arg-type]
    s2 = reopen()
    assert [(a["meeting_id"], a["index"]) for a in s2.open_action_items()] == [(KO_ID, 0), (EN_ID, 1)]
    assert s2.get_meeting(EN_ID)["minutes"]["action_items"][0]["status"] == "done"
    assert s2.search("PostgreSQL", k=1, kind="action")[0].metadata["status"] == "done"
    assert [m["id"] for m in s2.meetings()] == [EN_ID, KO_ID]  # newest first
    assert s2.meetings()[1] == {"id": KO_ID, "title": "3분기 예산 회의", "date": "2024-03-04",
                                "participants": ["김민수", "이지은"], "language": "ko"}
    # forget
    assert s2.forget(KO_ID) == 7
    assert s2.forget(KO_ID) == 0
    assert s2.get_meeting(KO_ID) is None and [m["id"] for m in s2.meetings()] == [EN_ID]
    assert all(h.meeting_id == EN_ID for mode in ("vector", "keyword", "hybrid") for h in s2.search("예산", k=10, mode=mode))
    assert s2.count() == total - 1 - 7
    return s2


# ---------------------------------------------------------------------------------------------- structured output
# The small minutes schema, a good answer and a prompt the ModelHub tests (unit and real) ask for.
class HubAction(BaseModel):
    owner: str | None
    task: str
    due_phrase: str | None = None


class HubMinutes(BaseModel):
    title: str
    action_items: list[HubAction]


HUB_GOOD_EN = {"title": "Weekly sync", "action_items": [{"owner": "Mina", "task": "Send the report", "due_phrase": "Friday"}]}
HUB_MESSAGES = [SystemMessage("You write meeting minutes as JSON."), HumanMessage("Mina: I'll send the report by Friday.")]


def hub_settings(tmp_path: Path, **kw) -> Settings:
    """Settings in ``tmp_path`` with the local server on a free port (so no running server is reused)."""
    kw.setdefault("local_server", LocalServerSettings(port=free_port()))
    return Settings(data_dir=tmp_path / "data", models_dir=tmp_path / "models", **kw)


# ---------------------------------------------------------------------------------------------- audio
def write_wav(path: Path, audio: np.ndarray, sr: int = SR, channels: int = 1) -> Path:
    """``audio`` (float samples in [-1, 1]) as a 16-bit PCM wav file at ``path``."""
    pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
    return path


# ---------------------------------------------------------------------------------------------- scheduling
SCHEDULER_TOOLS = {"resolve_time", "get_free_busy", "find_slots", "list_events", "propose_slot", "no_booking"}


ISSUE_MEETING = [  # issue 12: other time words earlier, the request at the end, then its confirmation
    ("김민지", "오늘은 출시 준비 상황부터 볼게요.", "scheduling"),
    ("이준호", "어제 말씀드린 로그인 버그는 오늘 오후까지 고칠게요.", "action"),
    ("박서연", "보도자료 초안은 금요일까지 공유하겠습니다.", "action"),
    ("김민지", "다음 주 수요일 오전 10시에 30분 정도 다시 모여서 진행 상황 점검하죠.", "scheduling"),
    ("이준호", "네, 다음 주 수요일 10시 좋습니다.", "scheduling"),
]


def busy_vevent(uid: str, start: str, end: str) -> str:
    """A busy VEVENT from ``start`` to ``end`` (``YYYYMMDDTHHMMSS``, Seoul time), for a calendar's .ics."""
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20261101T000000Z\nDTSTART;TZID=Asia/Seoul:{start}\n"
            f"DTEND;TZID=Asia/Seoul:{end}\nSUMMARY:busy\nEND:VEVENT\n")


def segments_of(*lines: tuple[str, str, str | None]) -> list[dict]:
    """Segments from (speaker, text, router label) triples."""
    return [{"id": f"s{i:04d}", "start": i * 5.0, "end": i * 5.0 + 4, "speaker": who, "text": text, "label": label}
            for i, (who, text, label) in enumerate(lines, 1)]


def run_schedule_subgraph(settings, segments, *, people=KO_PEOPLE, lang="ko", book="auto", model=None, calendar=None,
                          checkpointer=None, config=None, meeting_id="m-req"):
    """The scheduling subgraph on ``segments`` with a real local calendar (everyone's imported unless given)."""
    cal = calendar if calendar is not None else local_calendar(settings, people=people)
    hub = ModelHub(settings, overrides={"scheduler": model or fake_model(constant({"title": "후속 회의" if lang == "ko" else "Follow-up"}))},
                   use_cache=False)
    ctx = Context(settings=settings, models=hub, clock=fixed_clock, calendar_factory=lambda: cal)
    graph = build_scheduler(checkpointer) if checkpointer is not None else build_scheduler()
    inp = {"meeting_id": meeting_id, "meeting_date": MEETING, "timezone": "Asia/Seoul", "language": lang, "segments": segments,
           "participants": people, "book": book}
    return graph.invoke(inp, config, context=ctx), cal


def policy_step(messages: list[dict], phrase: str | None, title: str, minutes: int = 60) -> dict:
    """What a good scheduling agent does next, from the conversation so far (OpenAI-style message dicts):
    {"tool": name, "args": {...}} or {"content": text}."""
    results = [json.loads(m["content"]) for m in messages if m["role"] == "tool"]
    if phrase is None:
        return {"tool": "no_booking", "args": {"reason": "no follow-up meeting was asked for", "nothing_requested": True}} \
            if not results else {"content": "Nothing to book."}
    if not results:
        return {"tool": "resolve_time", "args": {"phrase": phrase}}
    last = results[-1]
    if len(results) == 1:
        if "error" in last:
            return {"tool": "no_booking", "args": {"reason": last["error"]}}
        return {"tool": "find_slots", "args": {"attendees": [], "duration_minutes": minutes, "start": last["start"], "end": last["end"]}}
    if len(results) == 2:
        if not last.get("slots"):
            return {"tool": "no_booking", "args": {"reason": f"nobody is free for '{phrase}'"}}
        return {"tool": "propose_slot", "args": {"title": title, "start": last["slots"][0][0], "duration_minutes": minutes,
                                                 "attendees": [], "time_phrase": phrase}}
    return {"content": "Proposed the follow-up."}


# ---------------------------------------------------------------------------------------------- the embedded model
def fake_part_packages(root: Path, prefix: str, chunks: list[bytes]) -> None:
    """Make importable packages ``{prefix}1..N`` under ``root``, each holding ``data/partNN.bin``."""
    for i, data in enumerate(chunks, 1):
        pkg = root / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)


def fake_local_model(prefix: str, chunks: list[bytes], sha: str | None = None) -> LocalModel:
    """A tiny "GGUF" joined from the ``chunks`` of :func:`fake_part_packages` (checksum ``sha`` if given)."""
    joined = b"".join(chunks)
    gguf = AssembledFile(name="tiny.gguf", parts=file_parts(prefix, len(chunks), "data/part{i:02d}.bin"), size=len(joined),
                         sha256=sha or hashlib.sha256(joined).hexdigest())
    return LocalModel(key="qwen2.5-coder-0.5b", alias="tiny-test-model",
                      asset=ModelAsset(name="tiny-test-model", assembled=(gguf,)))

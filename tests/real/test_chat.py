"""The chat assistant over real memory (Chroma on disk, USE embeddings): grounded answers with citations,
'not found' when memory has nothing, tool routing; one answer from the real local model."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from core.llm import ModelHub
from core.meeting import no_follow_up
from graph.chat import NOT_FOUND, answer, answer_stream
from graph.context import Context
from tests.fakes import constant, fake_model

SEOUL = ZoneInfo("Asia/Seoul")


def launch_meeting() -> dict:
    segs = [("s0001", "Alice Kim", "We decided to launch the beta on December tenth.", "decision"),
            ("s0002", "Bob Lee", "I'll fix the login bug on Android by Friday.", "action"),
            ("s0003", "Carol Park", "The onboarding designs will be ready next Wednesday.", "action")]
    return {
        "meeting_id": "m-launch", "source": "launch.txt", "language": "en", "language_probability": None, "duration_s": 60.0,
        "meeting_date": "2026-11-26T10:00:00+09:00", "timezone": "Asia/Seoul",
        "participants": [{"name": "Alice Kim", "email": None}, {"name": "Bob Lee", "email": None}, {"name": "Carol Park", "email": None}],
        "segments": [{"id": i, "start": n * 20.0, "end": n * 20.0 + 15, "speaker": sp, "text": t, "label": lb}
                     for n, (i, sp, t, lb) in enumerate(segs)],
        "minutes": {"title": "Mobile app launch", "language": "en", "summary": "The beta launch moved to December 10.",
                    "key_points": [], "decisions": [{"text": "Launch the beta on December 10", "segment_ids": ["s0001"]}],
                    "action_items": [{"owner": "Bob Lee", "task": "Fix the Android login bug", "due": "2026-11-27",
                                      "due_phrase": "by Friday", "status": "open", "segment_ids": ["s0002"]}],
                    "open_questions": [], "previous_actions": []},
        "follow_up": no_follow_up("none"), "stages": {}, "warnings": [],
    }


@pytest.fixture
def store(settings):
    from vectorstore.store import MeetingStore

    s = MeetingStore(settings)
    s.upsert_meeting(launch_meeting())
    yield s
    s.close()


def context(settings, store, chat_model=None) -> Context:
    hub = ModelHub(settings, overrides={"chat": chat_model} if chat_model else None)
    return Context(settings=settings, models=hub, clock=lambda: datetime(2026, 11, 27, 9, tzinfo=SEOUL), store_factory=lambda: store)


def test_grounded_answer_cites_the_meeting_korean_question_english_meeting(settings, store):
    model = fake_model(constant({"found": True, "answer": "베타 출시는 12월 10일로 결정되었습니다 [1]."}))
    reply = answer(context(settings, store, model), "베타 출시일은 언제로 정했나요?", "t1")
    assert "12월 10일" in reply.content and "출처" in reply.content and "Mobile app launch (2026-11-26" in reply.content
    assert "December" in model.prompts[0]  # the model saw the English passages


def test_nothing_relevant_in_memory_says_so_without_calling_the_model(settings, store):
    model = fake_model(constant({"found": True, "answer": "made up"}))
    reply = answer(context(settings, store, model), "What is the recipe for kimchi stew with tuna?", "t2")
    assert reply.content == NOT_FOUND["en"] and model.prompts == []


def test_model_saying_not_found_is_respected(settings, store):
    model = fake_model(constant({"found": False, "answer": "The passages do not say."}))
    reply = answer(context(settings, store, model), "Who approved the launch budget for the beta?", "t3")
    assert reply.content == NOT_FOUND["en"]


def test_open_action_items_are_listed_from_memory(settings, store):
    reply = answer(context(settings, store), "What are the open action items?", "t4")
    assert "Bob Lee: Fix the Android login bug (due 2026-11-27)" in reply.content


class ToolCallingFake(GenericFakeChatModel):
    """Replays scripted messages (some with tool calls); binding tools is a no-op."""

    def bind_tools(self, tools, **kwargs):
        return self


def test_agent_mode_routes_to_tools_and_updates_memory(settings, store):
    settings.chat.provider = "openai-compatible"  # a model that calls tools: the agent variant
    script = iter([
        AIMessage("", tool_calls=[{"name": "list_open_actions", "args": {"owner": "Bob"}, "id": "c1"}]),
        AIMessage("", tool_calls=[{"name": "mark_action_done", "args": {"meeting_id": "m-launch", "index": 0}, "id": "c2"}]),
        AIMessage("Done: Bob's login bug fix (Mobile app launch, 2026-11-26) is marked done."),
    ])
    ctx = context(settings, store, ToolCallingFake(messages=script))
    reply = answer(ctx, "Bob fixed the login bug, please mark it done", "t5")
    assert "marked done" in reply.content
    assert store.open_action_items(owner="Bob") == []


def test_grounded_answer_streams_its_tokens_then_the_sources(settings, store):
    import json

    reply = json.dumps({"found": True, "answer": "The beta launches on December 10 [1]."})
    model = GenericFakeChatModel(messages=iter([AIMessage(reply)]))  # streams its reply word by word
    events = list(answer_stream(context(settings, store, model), "When will the beta launch?", "s1"))
    tokens = [t for kind, t in events if kind == "token"]
    final = events[-1]
    assert final[0] == "final" and final[1].startswith("The beta launches on December 10 [1].")
    assert len(tokens) >= 5 and "".join(tokens) == final[1]  # the answer word by word, then the sources line
    assert tokens[-1].strip().startswith("Sources: [1] Mobile app launch")
    assert not any("found" in t or "{" in t for t in tokens)  # the JSON around the answer is never shown


def test_grounded_stream_shows_nothing_when_the_model_finds_nothing(settings, store):
    import json

    reply = json.dumps({"found": False, "answer": "The passages do not say who approved it."})
    model = GenericFakeChatModel(messages=iter([AIMessage(reply)]))
    events = list(answer_stream(context(settings, store, model), "Who approved the launch budget for the beta?", "s2"))
    assert events == [("final", NOT_FOUND["en"])]


def test_real_local_model_answers_with_a_citation(settings, store):
    events = list(answer_stream(context(settings, store), "When will the beta launch?", "real"))
    tokens = [t for kind, t in events if kind == "token"]
    kind, text = events[-1]
    assert kind == "final" and "10" in text and "Sources: [" in text and "Mobile app launch" in text
    assert len(tokens) >= 3 and "".join(tokens) == text  # streamed as the model wrote it

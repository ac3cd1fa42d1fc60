"""ModelHub with fake chat models: providers, fallback, cache, metrics, concurrency, structured output."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_openai import ChatOpenAI

from core.errors import InputError, ModelAnswerError, ModelError
from core.llama_server import shared_server
from core.llm import ModelHub, estimate_tokens, extract_json, language_matches, parse_reply
from core.llm.providers import override_model
from core.llm.tokens import split_counts
from core.metrics import Metrics, load_totals
from core.settings import LLMStage
from tests.fixtures import HUB_GOOD_EN, HUB_MESSAGES, HubMinutes, hub_settings

GOOD_KO = {"title": "주간 회의", "action_items": [{"owner": "민아", "task": "보고서 보내기", "due_phrase": "금요일"}]}


class Recording(BaseChatModel):
    """A fake chat model that replays ``replies`` in order, records what it was sent, and can fail."""

    replies: list[str] = []
    sent: list[list[Any]] = []
    fail_with: str | None = None
    delay_s: float = 0.0
    active: int = 0
    max_active: int = 0

    @property
    def _llm_type(self) -> str:
        return "recording"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.sent.append(list(messages))
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            if self.delay_s:
                time.sleep(self.delay_s)
            if self.fail_with:
                raise TimeoutError(self.fail_with)
            if not self.replies:
                raise AssertionError("the fake model was called more often than expected")
            return ChatResult(generations=[ChatGeneration(message=AIMessage(self.replies.pop(0)))])
        finally:
            self.active -= 1





def test_local_provider_builds_client_without_starting_server(tmp_path):
    s = hub_settings(tmp_path)
    hub = ModelHub(s)
    model = hub.chat("summarizer", start_server=False)
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_base == f"http://127.0.0.1:{s.local_server.port}/v1"
    assert model.model_name == "qwen2.5-coder-1.5b-instruct"
    assert model.extra_body == {"repeat_penalty": 1.1}
    assert model.max_tokens == s.summarizer.max_tokens and model.temperature == 0.0
    assert shared_server(s).pid is None  # nothing started
    assert not shared_server(s).healthy()


def test_openai_provider_reads_key_from_env_and_never_shows_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_TEST_KEY", "sk-secret-123")
    s = hub_settings(tmp_path, chat=LLMStage(provider="openai", model="gpt-4o-mini", api_key_env="MY_TEST_KEY"))
    model = ModelHub(s).chat("chat", start_server=False)
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "gpt-4o-mini" and model.openai_api_base is None
    assert model.openai_api_key.get_secret_value() == "sk-secret-123"
    assert "sk-secret-123" not in repr(model) and "sk-secret-123" not in str(model)


def test_openai_provider_without_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("MY_TEST_KEY", raising=False)
    s = hub_settings(tmp_path, chat=LLMStage(provider="openai", model="gpt-4o-mini", api_key_env="MY_TEST_KEY"))
    with pytest.raises(ModelError, match="MY_TEST_KEY is not set"):
        ModelHub(s).chat("chat", start_server=False)


def test_openai_compatible_provider(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY", raising=False)
    cfg = LLMStage(provider="openai-compatible", model="llama3.1:8b", base_url="http://127.0.0.1:11434/v1", api_key_env="NO_SUCH_KEY")
    model = ModelHub(hub_settings(tmp_path, scheduler=cfg)).chat("scheduler", start_server=False)
    assert model.openai_api_base == "http://127.0.0.1:11434/v1" and model.model_name == "llama3.1:8b"
    assert model.extra_body is None  # the llama-server-only repeat_penalty is not sent elsewhere
    with pytest.raises(InputError, match="needs base_url"):
        ModelHub(hub_settings(tmp_path, scheduler=LLMStage(provider="openai-compatible"))).chat("scheduler", start_server=False)


def test_router_stage_and_unknown_stage(tmp_path):
    hub = ModelHub(hub_settings(tmp_path), overrides={"router": GenericFakeChatModel(messages=iter(["content"]))})
    assert hub.complete("router", [HumanMessage("label this")]) == "content"
    with pytest.raises(ValueError, match="unknown LLM stage"):
        hub.chat("summariser")


def test_fallback_used_when_primary_fails_and_counted(tmp_path):
    s = hub_settings(tmp_path, summarizer=LLMStage(fallback=LLMStage(provider="openai-compatible", base_url="http://x/v1")))
    metrics = Metrics(db_path=tmp_path / "m.db")
    primary = Recording(fail_with="primary timed out")
    fallback = Recording(replies=["from the fallback"])
    hub = ModelHub(s, overrides={"summarizer": primary, "summarizer.fallback": fallback}, metrics=metrics)
    assert hub.complete("summarizer", HUB_MESSAGES) == "from the fallback"
    assert len(primary.sent) == 1 and len(fallback.sent) == 1
    assert any("fell back" in w for w in hub.warnings)
    text = metrics.exposition().decode()
    assert 'minutes_stage_errors_total{model="Recording",stage="summarizer"} 1.0' in text
    assert 'minutes_stage_fallbacks_total{model="Recording",stage="summarizer"} 1.0' in text
    # chat() wraps the pair with .with_fallbacks for direct use by graph nodes
    fallback.replies.append("direct fallback")
    assert hub.chat("summarizer").invoke(HUB_MESSAGES).content == "direct fallback"


def test_failure_without_fallback_is_a_model_error(tmp_path):
    hub = ModelHub(hub_settings(tmp_path), overrides={"chat": Recording(fail_with="connection refused")})
    with pytest.raises(ModelError, match="connection refused"):
        hub.complete("chat", HUB_MESSAGES)


def test_cache_hit_on_rerun_makes_no_model_call(tmp_path):
    s = hub_settings(tmp_path)
    first = Recording(replies=[json.dumps(HUB_GOOD_EN)])
    hub1 = ModelHub(s, overrides={"summarizer": first}, metrics=Metrics())
    r1 = hub1.structured("summarizer", HubMinutes, HUB_MESSAGES)
    assert r1.action_items[0].owner == "Mina"
    assert hub1.stats()["summarizer"]["calls"] == 1 and hub1.stats()["summarizer"]["cache_hits"] == 0

    second = Recording(replies=[])  # any call would fail the test
    hub2 = ModelHub(s, overrides={"summarizer": second}, metrics=Metrics())
    r2 = hub2.structured("summarizer", HubMinutes, HUB_MESSAGES)
    assert r2 == r1 and second.sent == []
    assert hub2.stats()["summarizer"]["cache_hits"] == 1 and hub2.stats()["summarizer"]["calls"] == 0
    assert hub2.stats()["summarizer"]["model"] == "Recording"

    # other messages, another schema or use_cache=False: a real call
    third = Recording(replies=["plain text"])
    hub3 = ModelHub(s, overrides={"summarizer": third}, use_cache=False, metrics=Metrics())
    assert hub3.cache is None
    hub3.complete("summarizer", HUB_MESSAGES)
    assert len(third.sent) == 1


def test_metrics_per_run_prometheus_and_persisted_totals(tmp_path):
    s = hub_settings(tmp_path)
    metrics = Metrics.for_settings(s)
    assert Metrics.for_settings(s) is metrics  # one registry per data dir in a process
    fake = Recording(replies=["one", "two"])
    hub = ModelHub(s, overrides={"chat": fake}, use_cache=False)
    hub.complete("chat", [HumanMessage("first question")])
    hub.complete("chat", [HumanMessage("second question")])
    hub.meter.record("asr", "whisper-base", 3.5, audio_s=60.0)  # other stages record through the same meter
    st = hub.stats()
    assert st["chat"]["calls"] == 2 and st["chat"]["model"] == "Recording"
    assert st["chat"]["tokens_in"] >= 2 and st["chat"]["tokens_out"] >= 2 and st["chat"]["seconds"] >= 0
    assert st["asr"]["seconds"] == 3.5
    text = metrics.exposition().decode()
    assert 'minutes_stage_calls_total{model="Recording",stage="chat"} 2.0' in text
    assert 'minutes_stage_audio_seconds_total{model="whisper-base",stage="asr"} 60.0' in text
    assert 'minutes_stage_latency_seconds_count{model="Recording",stage="chat"} 2.0' in text

    # a second run in the same data dir adds to the totals on disk
    ModelHub(s, overrides={"chat": Recording(replies=["three"])}, use_cache=False).complete("chat", [HumanMessage("q")])
    totals = load_totals(s)
    assert totals["chat"]["calls"] == 3 and totals["chat"]["models"] == ["Recording"]
    assert totals["asr"]["audio_s"] == 60.0 and totals["asr"]["calls"] == 1
    assert load_totals(hub_settings(tmp_path / "empty")) == {}


def test_concurrency_per_stage_is_bounded(tmp_path):
    fake = Recording(replies=[f"r{i}" for i in range(4)], delay_s=0.05)
    hub = ModelHub(hub_settings(tmp_path), overrides={"chat": fake}, use_cache=False, metrics=Metrics())
    threads = [threading.Thread(target=hub.complete, args=("chat", [HumanMessage(f"q{i}")])) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.sent) == 4 and fake.max_active == 1  # LLMStage.concurrency defaults to 1


def test_structured_repairs_broken_json_once(tmp_path):
    fake = Recording(replies=['{"title": "Weekly sync", "action_items": [{"owner": "Mina"', json.dumps(HUB_GOOD_EN)])
    hub = ModelHub(hub_settings(tmp_path), overrides={"summarizer": fake}, metrics=Metrics())
    out = hub.structured("summarizer", HubMinutes, HUB_MESSAGES)
    assert out.title == "Weekly sync" and out.action_items[0].task == "Send the report"
    assert len(fake.sent) == 2
    repair = fake.sent[1]
    assert isinstance(repair[-2], AIMessage) and "not valid" in repair[-1].content
    assert "JSON Schema" in fake.sent[0][-1].content  # non-native models get the schema in the prompt
    assert hub.stats()["summarizer"]["calls"] == 2


def test_structured_repairable_json_needs_no_second_call(tmp_path):
    """Trailing commas, single quotes, a missing closing brace, prose around it: the parser fixes it."""
    malformed = ("Here you go:\n{'title': 'Weekly sync', 'action_items': [{'owner': 'Mina', 'task': 'Send the report',"
                 " 'due_phrase': 'Friday',},],")
    fake = Recording(replies=[malformed])
    hub = ModelHub(hub_settings(tmp_path), overrides={"summarizer": fake}, metrics=Metrics())
    out = hub.structured("summarizer", HubMinutes, HUB_MESSAGES)
    assert out == HubMinutes.model_validate(HUB_GOOD_EN)
    assert len(fake.sent) == 1 and hub.stats()["summarizer"]["calls"] == 1


def test_parse_reply_repairs_syntax_but_not_shape_or_truncation():
    fixed = parse_reply('{"title": "T", "action_items": [],}', HubMinutes)
    assert fixed.value == HubMinutes(title="T", action_items=[]) and fixed.repaired
    assert parse_reply(json.dumps(HUB_GOOD_EN), HubMinutes).repaired is False
    # well-formed JSON of the wrong shape: the parser cannot know the values, the model must answer
    wrong = parse_reply('{"title": 5}', HubMinutes)
    assert wrong.value is None and wrong.error is not None
    # cut off at max_tokens: repairable syntax, but content is lost, so no parser repair
    cut = parse_reply('{"title": "T", "action_items": [', HubMinutes, truncated=True)
    assert cut.value is None
    assert parse_reply('{"title": "T", "action_items": [', HubMinutes).value == HubMinutes(title="T", action_items=[])
    assert parse_reply("no json here", HubMinutes).value is None


def test_structured_invalid_twice_raises_model_error(tmp_path):
    fake = Recording(replies=["no json here", '{"title": 5}'])
    hub = ModelHub(hub_settings(tmp_path), overrides={"summarizer": fake}, metrics=Metrics())
    with pytest.raises(ModelAnswerError, match="invalid HubMinutes output twice") as e:  # the answer lost, not the model
        hub.structured("summarizer", HubMinutes, HUB_MESSAGES)
    assert "\n" not in str(e.value)
    # nothing was cached for the failed call
    again = Recording(replies=[json.dumps(HUB_GOOD_EN)])
    ModelHub(hub_settings(tmp_path), overrides={"summarizer": again}, metrics=Metrics()).structured("summarizer", HubMinutes, HUB_MESSAGES)
    assert len(again.sent) == 1


def test_structured_wrong_language_retried_once(tmp_path):
    fake = Recording(replies=[json.dumps(HUB_GOOD_EN), json.dumps(GOOD_KO)])
    hub = ModelHub(hub_settings(tmp_path), overrides={"summarizer": fake}, metrics=Metrics())
    out = hub.structured("summarizer", HubMinutes, HUB_MESSAGES, language="ko")
    assert out.title == "주간 회의"
    assert len(fake.sent) == 2 and "Korean" in fake.sent[1][-1].content

    # right language first time: no retry; still wrong after the retry: returned with a warning
    ok = Recording(replies=[json.dumps(HUB_GOOD_EN)])
    hub2 = ModelHub(hub_settings(tmp_path / "b"), overrides={"summarizer": ok}, metrics=Metrics())
    assert hub2.structured("summarizer", HubMinutes, HUB_MESSAGES, language="en").title == "Weekly sync"
    assert len(ok.sent) == 1
    stubborn = Recording(replies=[json.dumps(HUB_GOOD_EN), json.dumps(HUB_GOOD_EN)])
    hub3 = ModelHub(hub_settings(tmp_path / "c"), overrides={"summarizer": stubborn}, metrics=Metrics())
    assert hub3.structured("summarizer", HubMinutes, HUB_MESSAGES, language="ko").title == "Weekly sync"
    assert any("not in Korean" in w for w in hub3.warnings)


def test_text_helpers():
    assert language_matches(GOOD_KO, "ko") and not language_matches(GOOD_KO, "en")
    assert language_matches(HUB_GOOD_EN, "en") and not language_matches(HUB_GOOD_EN, "ko")
    assert language_matches({"title": "김민수 will send the Q3 report to the whole team"}, "en")
    assert language_matches({"title": "김민수가 API 문서를 금요일까지 정리합니다"}, "ko")
    assert extract_json('Sure!\n```json\n{"a": 1}\n```') == '{"a": 1}'
    assert extract_json('answer: {"a": {"b": 2}} done') == '{"a": {"b": 2}}'
    assert estimate_tokens("") == 0 and estimate_tokens("회의록") == 3 and estimate_tokens("abcdefgh") == 2


def test_count_tokens_estimate_for_non_local_models(tmp_path):
    hub = ModelHub(hub_settings(tmp_path), overrides={"chat": Recording()}, metrics=Metrics())
    assert hub.count_tokens("chat", "hello world, 안녕하세요") == estimate_tokens("hello world, 안녕하세요")


def test_split_counts_assigns_each_token_to_its_text():
    texts = ["[s1] Mina: hello there", "[s2] Joon: 안녕하세요", "[s4] Mina: ok"]
    joined = "\n".join(texts)
    pieces = re.findall(r"\s+|\S+", joined)
    counts = split_counts(texts, pieces)
    assert sum(counts) == len(pieces)
    assert counts == [len(re.findall(r"\s+|\S+", t + "\n")) for t in texts[:-1]] + [len(re.findall(r"\s+|\S+", texts[-1]))]
    # a token spanning a separator counts once, for the text where it starts (an empty line gets none)
    assert split_counts(["a", "", "b"], ["a", "\n\n", "b"]) == [2, 0, 1]
    # byte fragments of one Hangul syllable (3 UTF-8 bytes split over two tokens) stay in their text
    ga = list("가".encode())
    assert split_counts(["a", "가b"], ["a", "\n", ga[:2], ga[2:], "b"]) == [2, 3]
    # as llama-server sends them: a space plus the first bytes of a syllable, then the rest
    wol = list(" 월".encode())
    assert split_counts(["x 월요일", "y"], ["x", wol[:3], wol[3:], "요", "일", "\n", "y"]) == [6, 1]


def test_langchain_provider_through_init_chat_model(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    s = hub_settings(tmp_path, chat=LLMStage(provider="langchain", model="openai:gpt-4o-mini", max_tokens=99))
    model = ModelHub(s).chat("chat", start_server=False)
    assert isinstance(model, ChatOpenAI) and model.model_name == "gpt-4o-mini" and model.max_tokens == 99
    bad = hub_settings(tmp_path, chat=LLMStage(provider="langchain", model="nosuchprovider:model-x"))
    with pytest.raises(InputError, match="cannot create LangChain model"):
        ModelHub(bad).chat("chat", start_server=False)
    with pytest.raises(InputError, match="only available to tests"):
        ModelHub(hub_settings(tmp_path, chat=LLMStage(provider="fake"))).chat("chat", start_server=False)


class DropsOnce(Recording):
    """A fake local model whose server drops the first connection (killed mid-run), then answers."""

    dropped: int = 0

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        if not self.dropped:
            self.dropped += 1
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        return super()._generate(messages, stop, run_manager, **kwargs)


@pytest.mark.parametrize("server_back_by_itself", [False, True])
def test_a_local_server_lost_mid_run_is_started_again_once(tmp_path, monkeypatch, server_back_by_itself):
    import dataclasses

    import core.llm.hub as hub_module

    s = hub_settings(tmp_path)
    model = DropsOnce(replies=["after the restart"])
    monkeypatch.setattr(hub_module, "override_model", lambda m, cfg: dataclasses.replace(override_model(m, cfg), local=True))
    server = shared_server(s)
    starts: list[int] = []
    monkeypatch.setattr(server, "ensure_running", lambda: starts.append(1) or server.base_url)
    monkeypatch.setattr(server, "healthy", lambda: server_back_by_itself)
    hub = ModelHub(s, overrides={"summarizer": model})
    if server_back_by_itself:  # a healthy server refused: not a lost server, so no second try
        with pytest.raises(ModelError, match="Connection refused"):
            hub.complete("summarizer", HUB_MESSAGES)
        assert len(starts) == 1
        return
    assert hub.complete("summarizer", HUB_MESSAGES) == "after the restart"
    assert len(starts) == 2  # checked before the call, started again after the drop
    assert any("went away" in w for w in hub.warnings)


def test_a_model_that_keeps_failing_is_not_retried_as_a_lost_server(tmp_path):
    hub = ModelHub(hub_settings(tmp_path), overrides={"chat": Recording(fail_with="timed out")})
    with pytest.raises(ModelAnswerError, match="timed out"):  # a timeout loses the answer; the caller may go on
        hub.complete("chat", HUB_MESSAGES)
    assert not any("went away" in w for w in hub.warnings)


class Refuses(Recording):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        raise ConnectionRefusedError("[Errno 111] Connection refused")


def test_an_unreachable_model_is_a_model_error_not_a_lost_answer(tmp_path):
    hub = ModelHub(hub_settings(tmp_path), overrides={"chat": Refuses()})
    with pytest.raises(ModelError, match="Connection refused") as e:
        hub.complete("chat", HUB_MESSAGES)
    assert not isinstance(e.value, ModelAnswerError)

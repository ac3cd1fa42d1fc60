"""Fake chat models that answer like the real stages would, for graph tests without a real LLM."""

from __future__ import annotations

import json
import re

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage


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

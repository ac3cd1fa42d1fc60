"""Small text helpers shared by the model hub's modules: a message's text, an error on one line."""

from __future__ import annotations

from langchain_core.messages import BaseMessage


def message_text(msg: BaseMessage) -> str:
    """The text of a chat message (string content, or the text parts of a list content)."""
    c = msg.content
    if isinstance(c, str):
        return c
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in c)


def one_line(err: object, limit: int = 300) -> str:
    """``err`` as one line of at most ``limit`` characters (for errors, warnings and logs)."""
    s = " ".join(str(err).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"

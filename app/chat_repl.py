"""`minutes chat`: a terminal conversation with the meeting memory (tool steps shown, answers streamed)."""

from __future__ import annotations

from app.console import err, out
from core.settings import Settings


def repl(settings: Settings, thread: str = "default") -> None:
    from graph.builder import sqlite_checkpointer
    from graph.chat import answer_stream, chat_mode
    from graph.context import Context

    ctx = Context.from_settings(settings)
    checkpointer = sqlite_checkpointer(settings.path("chat.sqlite"))
    err.print(f"[dim]Minutes chat ({chat_mode(ctx)} mode, thread '{thread}'). Ask in Korean or English; Ctrl-D to leave.[/]")
    while True:
        try:
            question = input("› ").strip()
        except (EOFError, KeyboardInterrupt):
            err.print()
            break
        if not question:
            continue
        streamed = ""
        for kind, text in answer_stream(ctx, question, thread, checkpointer):
            if kind == "tool":
                err.print(f"[dim]· {text}[/]")
            elif kind == "token":
                out.print(text, end="", markup=False, highlight=False)
                streamed += text
            elif kind == "final":
                if not streamed:
                    out.print(text, markup=False, highlight=False)
                elif text != streamed:  # the model rewrote its reply after streaming: show the final one
                    out.print(f"\n{text}", markup=False, highlight=False)
                else:
                    out.print()
    checkpointer.conn.close()

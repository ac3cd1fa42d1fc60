"""The chat assistant without memory: the reply language, and the terminal REPL's streamed printing."""

from __future__ import annotations

from graph.chat import user_language


def test_user_language():
    assert user_language("다음 회의는 언제죠?") == "ko" and user_language("When is the next meeting?") == "en"


def test_terminal_repl_prints_tokens_as_they_come_and_a_rewritten_final(settings, monkeypatch, capsys):
    """`minutes chat`: streamed tokens are printed as they arrive; a final answer that differs from them
    (the model retried) is printed whole; tool steps go to stderr."""
    import graph.chat as chat_module
    import graph.context as context_module
    from app.chat_repl import repl

    script = {"When?": [("token", "On "), ("token", "Dec 10."), ("final", "On Dec 10.")],
              "Who?": [("tool", "search_meetings"), ("token", "Bo"), ("final", "Bob Lee [1].")]}
    questions = ["When?", "", "Who?"]

    def ask(_prompt=""):
        if not questions:
            raise EOFError
        return questions.pop(0)

    monkeypatch.setattr("builtins.input", ask)
    monkeypatch.setattr(context_module.Context, "from_settings", classmethod(lambda cls, s: None))
    monkeypatch.setattr(chat_module, "chat_mode", lambda ctx: "grounded")
    monkeypatch.setattr(chat_module, "answer_stream", lambda ctx, q, thread, cp: iter(script[q]))
    repl(settings, "t-repl")
    out, err = capsys.readouterr()
    assert out == "On Dec 10.\nBo\nBob Lee [1].\n"
    assert "· search_meetings" in err and "grounded mode" in err

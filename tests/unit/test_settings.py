"""Configuration precedence: CLI flags > MINUTES_* environment > minutes.toml > defaults."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings


def test_precedence_flags_over_env_over_toml_over_defaults(tmp_path, monkeypatch):
    toml = tmp_path / "minutes.toml"
    toml.write_text('timezone = "Europe/London"\nbook = "never"\n\n[summarizer]\nprovider = "openai-compatible"\n'
                    'base_url = "http://127.0.0.1:11434/v1"\nmodel = "from-toml"\ntemperature = 0.3\n\n'
                    '[calendar]\nworking_hours = [10, 17]\n', encoding="utf-8")
    monkeypatch.setenv("MINUTES_CONFIG", str(toml))
    for var in ("MINUTES_TIMEZONE", "MINUTES_BOOK", "MINUTES_SUMMARIZER__MODEL", "MINUTES_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    s = Settings()
    assert (s.timezone, s.book, s.summarizer.model, s.summarizer.temperature) == ("Europe/London", "never", "from-toml", 0.3)
    assert s.summarizer.provider == "openai-compatible" and tuple(s.calendar.working_hours) == (10, 17)
    assert s.scheduler.provider == "local" and s.data_dir == Path(".minutes")  # untouched defaults

    monkeypatch.setenv("MINUTES_SUMMARIZER__MODEL", "from-env")
    monkeypatch.setenv("MINUTES_TIMEZONE", "Asia/Seoul")
    s = Settings()
    assert (s.summarizer.model, s.timezone, s.book) == ("from-env", "Asia/Seoul", "never")
    assert s.summarizer.base_url == "http://127.0.0.1:11434/v1"  # nested env merges with the toml block

    s = Settings(timezone="America/New_York", book="auto")  # what the CLI passes for its flags
    assert (s.timezone, s.book, s.summarizer.model) == ("America/New_York", "auto", "from-env")


def test_no_toml_means_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("MINUTES_CONFIG", str(tmp_path / "absent.toml"))
    for var in ("MINUTES_TIMEZONE", "MINUTES_MODELS_DIR", "MINUTES_DATA_DIR", "MINUTES_SUMMARIZER__PROVIDER"):
        monkeypatch.delenv(var, raising=False)
    s = Settings()
    assert s.summarizer.provider == "local" and s.router.provider == "classifier" and s.embeddings.provider == "use"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert s.model_path("x") == tmp_path / "cache" / "minutes" / "x"  # the per-user cache, not the data dir

"""Shared fixtures and markers.

Tests live in two folders: ``tests/unit/`` (in this process, on fakes; ``tests/unit/conftest.py`` makes the
real components refuse to start there) and ``tests/real/`` (a real model, server, store, browser or
subprocess). Every test under tests/real/ is marked ``real`` here, by where it lives, so ``-m "not real"``
runs exactly the unit folder. Slow real-model tests run only with MINUTES_FULL_TESTS=1 (``make test-full``).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REAL_TESTS = Path(__file__).resolve().parent / "real"


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if REAL_TESTS in item.path.parents:
            item.add_marker(pytest.mark.real)
    if os.environ.get("MINUTES_FULL_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="slow real-model test: run with MINUTES_FULL_TESTS=1 (make test-full)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """The shared models directory (assembled weights, the built llama-server): never a temp dir.
    ``MINUTES_MODELS_DIR``, else the per-user cache ``make setup`` fills (``core.settings.default_models_dir``)."""
    from core.settings import default_models_dir

    return Path(os.environ.get("MINUTES_MODELS_DIR") or default_models_dir()).resolve()


@pytest.fixture(scope="session")
def sample_audio():
    """The English sample recording, decoded to 16 kHz mono float32 (once per run)."""
    from tests.fixtures import SAMPLE_EN_AUDIO
    from tools.audio import load_audio

    return load_audio(SAMPLE_EN_AUDIO)


@pytest.fixture
def settings(tmp_path, models_dir):
    """Settings with a fresh data directory per test and the shared models directory."""
    from core.settings import Settings

    return Settings(data_dir=tmp_path / "data", models_dir=models_dir, timezone="Asia/Seoul")


@pytest.fixture
def offline(monkeypatch):
    """Refuse every socket connection that is not to this machine."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    real_connect = socket.socket.connect
    attempts: list[object] = []

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if self.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost"):
            return real_connect(self, address)
        attempts.append(address)
        raise OSError(f"test is offline: refused connection to {address}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield attempts
    assert not attempts, f"tried to reach the network: {attempts}"


@pytest.fixture
def fake_model_env(tmp_path, monkeypatch):
    """Settings whose local model is made of fake part packages in tmp_path (on sys.path), and
    ``install(prefix, chunks, sha=None)`` that makes those packages and points the model table at them."""
    import importlib

    from core import llama_server
    from core.settings import LocalServerSettings, Settings
    from tests.fixtures import fake_local_model, fake_part_packages

    pkgs = tmp_path / "site"
    monkeypatch.syspath_prepend(str(pkgs))
    settings = Settings(data_dir=tmp_path / "data", models_dir=tmp_path / "models",
                        local_server=LocalServerSettings(model="qwen2.5-coder-0.5b"))

    def install(prefix: str, chunks: list[bytes], sha: str | None = None):
        fake_part_packages(pkgs, prefix, chunks)
        importlib.invalidate_caches()
        model = fake_local_model(prefix, chunks, sha)
        monkeypatch.setitem(llama_server.LOCAL_MODELS, "qwen2.5-coder-0.5b", model)
        return model

    return settings, install

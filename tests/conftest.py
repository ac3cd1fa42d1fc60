"""Shared fixtures. Slow real-model tests run only with MINUTES_FULL_TESTS=1 (``make test-full``)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def pytest_collection_modifyitems(config, items):
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


@pytest.fixture
def settings(tmp_path, models_dir):
    """Settings with a fresh data directory per test and the shared models directory."""
    from core.settings import Settings

    return Settings(data_dir=tmp_path / "data", models_dir=models_dir, timezone="Asia/Seoul")


@pytest.fixture
def seoul_now():
    """A fixed clock: Thursday 2026-11-26 10:00 in Seoul."""
    return datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Seoul"))

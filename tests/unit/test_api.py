"""The HTTP API through a real uvicorn server on 127.0.0.1, with fake chat models and a local calendar.

Upload -> server-sent progress -> proposal -> approve -> booked; a restart while a job runs (a second
server process on the same data dir finishes it); bad uploads answered 4xx with a clear message; auth.
Run as ``python -m tests.real.test_api serve DATA_DIR PORT GATE`` it is the server used by the restart test.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from tests.fakes import KO_MINUTES
from tests.fixtures import (
    fake_context_factory,
    fixed_clock,
)


# ---------------------------------------------------------------------------------------------- auth
def test_off_loopback_needs_a_token(settings, monkeypatch):
    from app.api import check_bind, is_loopback, serve
    from core.errors import InputError

    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"):
        assert is_loopback(host)
        check_bind(host, None)
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.com"):
        assert not is_loopback(host)
        with pytest.raises(InputError) as e:
            check_bind(host, None)
        assert host in str(e.value) and "MINUTES_API_TOKEN" in e.value.hint
        check_bind(host, "a-long-secret")
    monkeypatch.delenv("MINUTES_API_TOKEN", raising=False)
    with pytest.raises(InputError, match="without an API token"):
        serve(settings, host="0.0.0.0", port=1)  # refuses before building or binding anything


def _serve_for_restart_test(data_dir: str, port: str, gate: str) -> None:
    """The server of the restart test: fake models; the summarizer waits until the gate file exists."""
    import uvicorn

    from app.api import create_app
    from core.settings import Settings
    gate_path = Path(gate)

    def blocking_summarizer(prompt: str) -> str:
        Path(gate + ".waiting").touch()
        deadline = time.monotonic() + 120
        while not gate_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return json.dumps(KO_MINUTES, ensure_ascii=False)

    settings = Settings(data_dir=Path(data_dir), models_dir=Path(os.environ["MINUTES_MODELS_DIR"]), timezone="Asia/Seoul")
    settings.router.provider = "llm"
    app = create_app(settings, fake_context_factory(blocking_summarizer), clock=fixed_clock, ui=False, token="")
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning", timeout_graceful_shutdown=2)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "serve":
    _serve_for_restart_test(*sys.argv[2:])

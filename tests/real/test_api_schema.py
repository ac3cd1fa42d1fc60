"""Schemathesis against the running API's OpenAPI spec: generated requests never get a 5xx."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest

from tests.fixtures import LiveServer, fake_context_factory, fixed_clock, prepare_settings

# caldav depends on niquests, whose urllib3-future replaces the `urllib3` module that requests (and so
# schemathesis' HTTP transport) uses; its pool container has no .keys(), which one schemathesis helper
# (counting open connections, to resend a request once on a dropped keep-alive connection) calls.
_CLI = """
import sys
import schemathesis.transport.requests as transport
_count = transport._count_opened_connections
def _count_or_zero(session):
    try:
        return _count(session)
    except AttributeError:  # urllib3-future
        return 0
transport._count_opened_connections = _count_or_zero
from schemathesis.cli import schemathesis
sys.argv[0] = "schemathesis"
sys.exit(schemathesis())
"""


def _schemathesis() -> list[str] | None:
    try:
        import schemathesis  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-c", _CLI]


@pytest.mark.timeout(300)
def test_generated_requests_get_no_server_error(settings, tmp_path):
    exe = _schemathesis()
    if exe is None:
        pytest.skip("schemathesis is not installed (pip install schemathesis==4.32.5)")
    from app.api import create_app

    def chat(_settings, question, thread_id):
        yield f"echo: {question[:20]}"

    app = create_app(prepare_settings(settings), fake_context_factory(), chat_fn=chat, clock=fixed_clock, ui=False, token="")
    with LiveServer(app) as server:
        report = tmp_path / "report"
        cmd = [*exe, "run", f"{server.url}/openapi.json", "--checks", "not_a_server_error,content_type_conformance",
               "--phases", "examples,coverage,fuzzing", "--max-examples", "15", "--workers", "1",
               "--request-timeout", "20", "--seed", "42", "--generation-database", "none", "--report", "junit",
               "--report-dir", str(report), "--no-color"]
        run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=280,
                             env={"SCHEMATHESIS_HOOKS": "", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
        out = run.stdout + run.stderr
        assert run.returncode == 0, out[-6000:]
        counts = re.search(r"(\d+) generated, (\d+) passed", out)
        assert counts and int(counts[1]) > 100 and counts[1] == counts[2], out[-3000:]
        print(f"schemathesis: {counts[0]}")
        # the server is still healthy afterwards
        assert httpx.get(f"{server.url}/healthz", timeout=10).json()["status"] == "ok"

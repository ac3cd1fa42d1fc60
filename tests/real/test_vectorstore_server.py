"""Meeting memory against a real Chroma server (``chroma run`` on 127.0.0.1, a free port, data in tmp_path),
through ``settings.memory.mode = "server"``: the same core assertions as the embedded store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from core.errors import MinutesError
from core.settings import Settings
from tests.fixtures import check_replace_forget_actions, check_search_and_filters, english_meeting, free_port, korean_meeting
from vectorstore import MeetingStore


def _chroma_cli() -> str | None:
    beside = Path(sys.executable).with_name("chroma")
    return str(beside) if beside.exists() else shutil.which("chroma")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    cli = _chroma_cli()
    if cli is None:
        pytest.fail("the `chroma` CLI (installed with chromadb) is missing")
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(path / "server.log", "wb")
    proc = subprocess.Popen([cli, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={"ANONYMIZED_TELEMETRY": "False",
                                                                       "PATH": "/usr/bin:/bin", "HOME": str(path)})
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"chroma server did not start: {(path / 'server.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def server_settings(tmp_path: Path, port: int, collection: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", memory={"mode": "server", "host": "127.0.0.1", "port": port,
                                                        "collection": collection})


def test_server_search_and_filters(chroma_server, tmp_path, offline):
    with MeetingStore(server_settings(tmp_path, chroma_server, "search-test")) as s:
        assert s.upsert_meeting(korean_meeting()) == 7
        assert s.upsert_meeting(english_meeting()) == 8
        check_search_and_filters(s)
    assert not (tmp_path / "data" / "chroma").exists()  # server mode keeps nothing locally


def test_server_replace_forget_and_action_status(chroma_server, tmp_path, offline):
    settings = server_settings(tmp_path, chroma_server, "replace-test")
    s = MeetingStore(settings)
    s.upsert_meeting(korean_meeting())
    s.upsert_meeting(english_meeting())
    check_replace_forget_actions(s, lambda: MeetingStore(settings))  # a new HTTP client


def test_server_unreachable_is_a_clear_error(tmp_path, offline):
    with pytest.raises(MinutesError) as err:
        MeetingStore(server_settings(tmp_path, free_port(), "nothing-here"))
    assert "cannot open meeting memory" in err.value.message and "chroma run" in (err.value.hint or "")

"""The guard of tests/unit/conftest.py itself: each real component refuses to start in a unit test."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.fixtures import free_port
from tests.unit.conftest import TOUCHED, RealComponentTouched


def refused(start) -> str:
    """What the guard said when ``start()`` reached a real component (and forget it, so this test passes)."""
    with pytest.raises(RealComponentTouched, match="move it to tests/real/") as e:
        start()
    TOUCHED.clear()
    return str(e.value)


def test_each_real_component_refuses_to_start(settings, tmp_path):
    import chromadb
    import faster_whisper
    import uvicorn

    from core.embeddings import USEEmbedder
    from core.llama_server import LlamaServer
    from tools import diarize

    settings.local_server.port = free_port()  # nothing there: it would start a server
    assert "llama-server start" in refused(LlamaServer(settings).ensure_running)
    assert "faster-whisper" in refused(lambda: faster_whisper.WhisperModel("tiny"))
    assert "voice encoder" in refused(diarize.get_encoder)
    assert "USE sentence embedder" in refused(USEEmbedder)
    assert "Chroma on disk" in refused(lambda: chromadb.PersistentClient(path=str(tmp_path / "db")))
    assert "Chroma over HTTP" in refused(lambda: chromadb.HttpClient(host="127.0.0.1", port=1))
    assert "uvicorn" in refused(lambda: uvicorn.Server(uvicorn.Config("app.api:app")))
    assert "subprocess" in refused(lambda: subprocess.run([sys.executable, "-c", "pass"]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # binding (a free port) is allowed; listening is a server
        assert "listening on a TCP port" in refused(s.listen)
    a, b = socket.socketpair()  # local sockets are not servers
    a.close(), b.close()


def test_a_touch_the_code_swallowed_is_still_seen():
    """The after-test check sees a refusal that the code under test caught (here: a bare except)."""
    import chromadb

    try:
        chromadb.PersistentClient(path="/nonexistent")
    except Exception:  # noqa: BLE001 - what careless code under test might do
        pass
    assert TOUCHED == ["Chroma on disk"]
    TOUCHED.clear()

"""The line between unit and real tests, held: in a unit test every real component refuses to start.

A unit test runs in this process on fakes (LangChain fake chat models, tests/fakes.py), pure functions,
local files in tmp dirs and FastAPI's TestClient. The llama-server (started or reused), faster-whisper,
the voice encoder of the diarizer, the USE sentence embedder behind the router and memory, Chroma, a
server listening on a TCP port (http.server, uvicorn) and a subprocess (whose components this guard cannot
see: the CLI, Radicale, a Chroma or LangGraph server, git, a browser, an install) raise
:class:`RealComponentTouched` here; a unit test that touched one fails even where the code under test
swallowed the error. Such a test belongs in tests/real/ (or should use a fake).
"""

from __future__ import annotations

import socket
import subprocess

import pytest


class RealComponentTouched(AssertionError):
    """A unit test reached a real component."""


TOUCHED: list[str] = []  # what the current test reached (cleared before each test)


@pytest.fixture(scope="package", autouse=True)
def refuse_real_components():
    """Patched for the whole unit package, so module-scoped fixtures are held to the line as well."""
    import chromadb
    import faster_whisper
    import uvicorn

    from core.embeddings import USEEmbedder
    from core.llama_server import process as llama_process
    from tools import diarize

    def refuse(what: str):
        def refused(*args, **kwargs):
            TOUCHED.append(what)
            raise RealComponentTouched(f"unit test touched a real component ({what}): move it to tests/real/")

        return refused

    with pytest.MonkeyPatch.context() as mp:
        for owner, name, what in [
            (llama_process, "ensure_binary", "llama-server start"),
            (llama_process, "ensure_model", "llama-server start"),
            (llama_process.LlamaServer, "served_model", "a running llama-server"),
            (llama_process.LlamaServer, "tokenize", "llama-server /tokenize"),
            (llama_process.LlamaServer, "tokenize_pieces", "llama-server /tokenize"),
            (faster_whisper.WhisperModel, "__init__", "faster-whisper"),
            (faster_whisper.WhisperModel, "transcribe", "faster-whisper"),
            (faster_whisper.WhisperModel, "detect_language", "faster-whisper"),
            (diarize, "resemblyzer_weights_path", "the diarizer's voice encoder"),
            (diarize, "get_encoder", "the diarizer's voice encoder"),
            (USEEmbedder, "__init__", "the USE sentence embedder"),
            (USEEmbedder, "embed", "the USE sentence embedder"),
            (chromadb, "PersistentClient", "Chroma on disk"),
            (chromadb, "HttpClient", "Chroma over HTTP"),
            (uvicorn.Server, "__init__", "a live uvicorn server"),  # its uvloop listens without socket.listen
            (subprocess.Popen, "__init__", "a subprocess"),
        ]:
            mp.setattr(owner, name, refuse(what))
        listen, refused_listen = socket.socket.listen, refuse("a server listening on a TCP port")

        def listen_locally_only(self: socket.socket, *args):
            """TCP listeners are servers; a local (AF_UNIX) one, say of multiprocessing, is not."""
            if self.family in (socket.AF_INET, socket.AF_INET6):
                refused_listen()
            return listen(self, *args)

        mp.setattr(socket.socket, "listen", listen_locally_only)
        yield


@pytest.fixture(autouse=True)
def fail_when_a_real_component_was_touched():
    """Fails the test even where the code under test caught the refusal (and, say, fell back)."""
    TOUCHED.clear()
    yield
    if TOUCHED:
        touched = ", ".join(sorted(set(TOUCHED)))
        TOUCHED.clear()
        pytest.fail(f"unit test touched a real component ({touched}): move it to tests/real/", pytrace=False)

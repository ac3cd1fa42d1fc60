"""No network at run time on the default path: every step after `make setup`'s package install runs inside
a network namespace that has only a loopback interface (``unshare -n``).

* building llama-server takes its source from the sdist fetched at install time (a tiny stand-in sdist
  with a real CMake project here, so the build is seconds, not minutes);
* ``minutes setup`` with the shared models directory;
* (slow) a transcript through the whole pipeline with the real local LLM.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.fixtures import ROOT, free_port

MINUTES = Path(sys.executable).with_name("minutes")


def _netns_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    r = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return r.returncode == 0


needs_netns = pytest.mark.skipif(not _netns_available(), reason="unshare -n (a network namespace) is not permitted here")


def offline(cmd: list[str], env: dict[str, str], timeout: int = 600, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``cmd`` in a new network namespace: loopback up (the local servers), no route anywhere else."""
    script = 'ip link set lo up 2>/dev/null || true; exec "$@"'
    return subprocess.run(["unshare", "-n", "sh", "-c", script, "sh", *cmd], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "HF_HUB_OFFLINE": "1", **extra}
    return env


_FAKE_CMAKE = """cmake_minimum_required(VERSION 3.10)
project(fake_llama CXX)
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
add_executable(llama-server server.cpp)
"""

_BUILD_OFFLINE = """
import sys
from pathlib import Path
import core.llama_server.build as build
from core.settings import Settings

build.sdist_dir = lambda: Path(sys.argv[1])  # the stand-in for <venv>/share/minutes
print(build.ensure_binary(Settings(data_dir=Path(sys.argv[2]) / "data", models_dir=Path(sys.argv[2]) / "models")))
"""


@needs_netns
def test_llama_server_builds_from_the_install_time_sdist_without_network(tmp_path):
    if shutil.which("cmake") is None or shutil.which("c++") is None:
        pytest.skip("no C++ toolchain / cmake")
    from core.llama_server.build import _SDIST_DIR

    src = tmp_path / "src" / _SDIST_DIR / "vendor" / "llama.cpp"
    src.mkdir(parents=True)
    (src / "CMakeLists.txt").write_text(_FAKE_CMAKE)
    (src / "server.cpp").write_text('#include <cstdio>\nint main() { std::puts("fake llama-server"); return 0; }\n')
    sdists = tmp_path / "share"
    sdists.mkdir()
    with tarfile.open(sdists / f"{_SDIST_DIR}.tar.gz", "w:gz") as tf:
        tf.add(tmp_path / "src" / _SDIST_DIR, arcname=_SDIST_DIR)
    r = offline([sys.executable, "-c", _BUILD_OFFLINE, str(sdists), str(tmp_path)], _env(), timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    binary = Path(r.stdout.strip().splitlines()[-1])
    assert binary == tmp_path / "models" / "bin" / "llama-server"
    assert subprocess.run([str(binary)], capture_output=True, text=True).stdout.strip() == "fake llama-server"
    assert "pip download" not in (binary.with_name("llama-server.build.log")).read_text()


@needs_netns
def test_minutes_setup_runs_without_network(tmp_path, models_dir):
    from core.llama_server import binary_state
    from core.settings import Settings

    if binary_state(Settings(models_dir=models_dir)) != "ready":
        pytest.skip(f"llama-server is not built in {models_dir} (run `make setup`)")
    r = offline([str(MINUTES), "setup"], _env(MINUTES_DATA_DIR=str(tmp_path / "data"), MINUTES_MODELS_DIR=str(models_dir)))
    assert r.returncode == 0, (r.stdout + r.stderr)[-2000:]
    out = r.stdout + r.stderr
    assert "llama-server:" in out and "verified" in out


@pytest.mark.slow
@needs_netns
def test_a_transcript_through_the_pipeline_without_network(tmp_path, models_dir):
    """The local LLM, the embedder, the router, Chroma and the local calendar: all of it offline."""
    env = _env(MINUTES_DATA_DIR=str(tmp_path / "data"), MINUTES_MODELS_DIR=str(models_dir),
               MINUTES_LOCAL_SERVER__PORT=str(free_port()),
               # a shared 2-core machine under load took longer than the default 300 s for one summary call
               MINUTES_SUMMARIZER__TIMEOUT_S="1200", MINUTES_SCHEDULER__TIMEOUT_S="1200")
    r = offline([str(MINUTES), "process", str(ROOT / "samples" / "meeting_ko.txt"), "--meeting-date", "2026-11-26T10:00",
                 "--timezone", "Asia/Seoul", "--attendee", "김민지=minji@example.com", "--attendee", "이준호=junho@example.com",
                 "--attendee", "박서연=seoyeon@example.com", "--book", "never", "--json", "--out", str(tmp_path / "out")],
                env, timeout=1500)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    meeting = json.loads((tmp_path / "out" / "minutes.json").read_text())
    assert meeting["language"] == "ko" and meeting["minutes"]["summary"]
    assert meeting["stages"]["summarizer"]["calls"] >= 1



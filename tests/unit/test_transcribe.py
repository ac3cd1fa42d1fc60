"""Transcription without a model: input checks, decoding, model assembly, the cache, block cuts, and what
reaches Whisper (a spy model)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from core.assets import AssembledFile, FilePart, ModelAsset, ensure_asset, sha256_of
from core.cache import Cache
from core.errors import AssetError, InputError
from tests.fixtures import SAMPLE_EN_AUDIO, SR, write_wav
from tools import asr_models
from tools import transcribe as transcribe_mod
from tools.audio import audio_sha256, iter_audio, load_audio, probe
from tools.transcribe import transcribe


def encode(path: Path, audio: np.ndarray, fmt: str, codec: str, rate: int, channels: int = 1,
           video: bool = False) -> Path:
    """Write ``audio`` (16 kHz mono float) with PyAV in another container/codec/rate/layout."""
    import av

    if rate != SR:
        idx = np.arange(int(len(audio) * rate / SR)) * SR / rate
        audio = np.interp(idx, np.arange(len(audio)), audio).astype(np.float32)
    layout = "stereo" if channels == 2 else "mono"
    pcm = np.tile((audio * 32767).astype(np.int16)[:, None], (1, channels)).reshape(1, -1)
    with av.open(str(path), "w", format=fmt) as out:
        vs = out.add_stream("mpeg4", rate=5) if video else None
        st = out.add_stream(codec, rate=rate)
        st.layout = layout
        if vs is not None:
            vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
            for i in range(int(len(audio) / rate * 5)):
                frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i % 255, np.uint8), format="rgb24")
                frame.pts = i
                frame.time_base = Fraction(1, 5)
                for p in vs.encode(frame):
                    out.mux(p)
            for p in vs.encode(None):
                out.mux(p)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=layout)
        frame.sample_rate = rate
        frame.pts = 0
        frame.time_base = Fraction(1, rate)
        for p in st.encode(frame):
            out.mux(p)
        for p in st.encode(None):
            out.mux(p)
    return path


def test_bad_inputs_raise_input_error(tmp_path, settings):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.wav").write_text("Alice: this is a text file renamed to .wav\n" * 50)
    write_wav(tmp_path / "zero.wav", np.zeros(0, np.float32))
    write_wav(tmp_path / "long.wav", np.zeros(3 * SR, np.float32))
    cases = {
        tmp_path / "missing.wav": "not found",
        tmp_path / "empty.wav": "empty",
        tmp_path / "notes.wav": "(not a readable|no audio)",
        tmp_path / "zero.wav": "no audio samples",
    }
    for path, message in cases.items():
        with pytest.raises(InputError, match=message) as e:
            transcribe(path, settings)
        assert e.value.hint
    settings.asr.max_duration_s = 2.0
    with pytest.raises(InputError, match="limit"):
        transcribe(tmp_path / "long.wav", settings)
    with pytest.raises(InputError, match="limit"):
        probe(tmp_path / "long.wav", settings)
    settings.asr.model = "tiny.en"
    settings.asr.max_duration_s = 3600
    with pytest.raises(InputError, match="English-only"):
        transcribe(tmp_path / "long.wav", settings, language="ko")
    with pytest.raises(InputError, match="unknown language"):
        transcribe(tmp_path / "long.wav", settings, language="Klingon!")


def test_silence_only_gives_empty_transcript_and_warning(tmp_path, settings, monkeypatch):
    rng = np.random.default_rng(0)
    quiet = write_wav(tmp_path / "quiet.wav", (rng.standard_normal(6 * SR) * 1e-4).astype(np.float32))
    seen = []
    for vad in (True, False):
        settings.asr.vad = vad
        result = transcribe(quiet, settings, progress=lambda d, t: seen.append((d, t)))
        assert result.segments == [] and result.warnings and "no speech" in result.warnings[0]
        assert result.duration_s == pytest.approx(6.0, abs=0.05)
    assert seen[-1][0] == seen[-1][1]


def test_decodes_common_formats_to_16k_mono(tmp_path, sample_audio):
    clip = sample_audio[int(0.5 * SR): int(6.5 * SR)]
    files = {
        "stereo44k.wav": lambda p: encode(p, clip, "wav", "pcm_s16le", 44_100, channels=2),
        "a.flac": lambda p: encode(p, clip, "flac", "flac", 48_000),
        "a.mp3": lambda p: encode(p, clip, "mp3", "libmp3lame", 44_100, channels=2),
        "a.m4a": lambda p: encode(p, clip, "ipod", "aac", 22_050),
        "a.opus": lambda p: encode(p, clip, "ogg", "libopus", 48_000),
        "a.webm": lambda p: encode(p, clip, "webm", "libopus", 48_000, channels=2),
        "video.mp4": lambda p: encode(p, clip, "mp4", "aac", 44_100, video=True),
    }
    for name, make in files.items():
        path = make(tmp_path / name)
        info = probe(path)
        assert info.duration_s == pytest.approx(6.0, abs=0.1), name
        chunks = list(iter_audio(path, chunk_s=1.0))
        assert len(chunks) >= 5 and all(c.dtype == np.float32 and c.ndim == 1 for c in chunks), name
        audio = load_audio(path)
        assert len(audio) / SR == pytest.approx(6.0, abs=0.1), name
        # same speech: the decoded envelope follows the original's
        n = min(len(audio), len(clip)) // 800 * 800
        env = lambda x, n=n: np.abs(x[:n]).reshape(-1, 800).mean(axis=1)  # noqa: E731
        corr = np.corrcoef(env(audio), env(clip))[0, 1]
        assert corr > 0.9, (name, corr)
    assert len(audio_sha256(SAMPLE_EN_AUDIO)) == 64


def test_model_assembly_checks_parts_and_checksum(tmp_path, monkeypatch):
    pkg = tmp_path / "site" / "fake_whisper_parts"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "model.bin.part1").write_bytes(b"a" * 1000)
    (pkg / "data" / "model.bin.part2").write_bytes(b"b" * 500)
    (pkg / "data" / "config.json").write_text("{}")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    joined = tmp_path / "joined.bin"
    joined.write_bytes(b"a" * 1000 + b"b" * 500)

    def asset(parts, sha):
        return ModelAsset("fake", (AssembledFile("model.bin", tuple(FilePart("fake_whisper_parts", p) for p in parts),
                                                 1500, sha),), (FilePart("fake_whisper_parts", "data/config.json"),))

    good = asset(["data/model.bin.part1", "data/model.bin.part2"], sha256_of(joined))
    with pytest.raises(AssetError, match="missing"):
        ensure_asset(asset(["data/model.bin.part1", "data/model.bin.part3"], sha256_of(joined)), tmp_path / "m1")
    assert not (tmp_path / "m1" / "fake" / "model.bin").exists()
    with pytest.raises(AssetError, match="checksum"):
        ensure_asset(asset(["data/model.bin.part2", "data/model.bin.part1"], sha256_of(joined)), tmp_path / "m2")
    assert [p.name for p in (tmp_path / "m2" / "fake").glob("model.bin*") if p.suffix != ".lock"] == []  # no partial file (the join lock may stay)
    d = ensure_asset(good, tmp_path / "m3")
    assert (d / "model.bin").read_bytes() == joined.read_bytes() and (d / "config.json").is_file()


def test_resolve_model(settings, tmp_path):
    settings.asr.model = "tiny.en"
    tiny = Path(asr_models.resolve_model(settings))
    assert (tiny / "model.bin").is_file() and asr_models.is_english_only(settings)
    settings.asr.model = "large-v3"
    assert asr_models.resolve_model(settings) == "large-v3"
    settings.asr.model = str(tmp_path)
    with pytest.raises(AssetError, match="has no model.bin, config.json"):
        asr_models.resolve_model(settings)
    settings.asr.model = str(tmp_path / "nowhere")
    with pytest.raises(AssetError, match="is not a folder"):
        asr_models.resolve_model(settings)
    for name in ("small", "medium", "large-v3-turbo"):  # hub names pass through to faster-whisper
        settings.asr.model = name
        assert asr_models.resolve_model(settings) == name
    settings.asr.model = "base"
    base = Path(asr_models.resolve_model(settings))
    assert base == settings.model_path("whisper-base-ct2")
    assert {p.name for p in base.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert not asr_models.is_english_only(settings)


def test_cache_instance_is_used_and_metrics_recorded(tmp_path, settings):
    rng = np.random.default_rng(1)
    quiet = write_wav(tmp_path / "quiet.wav", (rng.standard_normal(2 * SR) * 1e-4).astype(np.float32))
    cache = Cache(tmp_path / "own-cache.db")
    calls = []

    class Recorder:
        def record(self, stage, model, seconds, tokens_in=0, tokens_out=0, **kw):
            calls.append((stage, model, kw["cache_hit"], kw["audio_s"]))

    transcribe(quiet, settings, cache=cache, metrics=Recorder())
    assert transcribe(quiet, settings, cache=cache, metrics=Recorder()).cached
    assert [(c[0], c[2]) for c in calls] == [("asr", False), ("asr", True)]
    assert calls[0][3] == pytest.approx(2.0, abs=0.05) and not settings.path("cache.db").exists()


def test_long_audio_is_cut_into_blocks_at_quiet_points():
    """Blocks (here of 10 min) cut at the quietest 100 ms near each boundary, covering every sample once."""
    import numpy as np

    from tools.audio import SAMPLE_RATE, block_bounds

    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(SAMPLE_RATE * 1500) * 0.3).astype(np.float32)  # 25 minutes of "speech"
    quiet = 595 * SAMPLE_RATE
    audio[quiet : quiet + SAMPLE_RATE // 5] = 0.0  # a pause 5 s before the first 10-minute mark
    bounds = block_bounds(audio, block_s=600.0)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(audio)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert quiet <= bounds[0][1] <= quiet + SAMPLE_RATE // 5  # cut inside the pause
    assert len(bounds) == 3  # 25 min cut at ~9:55: two blocks of ~10 min, then the remaining ~5 min
    assert block_bounds(audio[: SAMPLE_RATE * 60]) == [(0, SAMPLE_RATE * 60)]
    assert len(block_bounds(audio)) == 5  # the default: ~5-minute blocks


def test_streamed_blocks_make_the_same_cuts_as_the_whole_recording():
    """iter_blocks decodes block by block (never the whole file at once) with block_bounds' cuts, sample-exact."""
    import numpy as np

    from tools.audio import block_bounds, iter_blocks

    whole = load_audio(SAMPLE_EN_AUDIO)
    streamed = list(iter_blocks(SAMPLE_EN_AUDIO, block_s=20.0))
    assert [(first, first + len(b)) for first, b in streamed] == block_bounds(whole, block_s=20.0)
    assert len(streamed) >= 5 and max(len(b) for _, b in streamed) <= 25 * 16000
    assert np.array_equal(np.concatenate([b for _, b in streamed]), whole)


def test_attendee_names_and_decoding_settings_reach_whisper(tmp_path, settings, sample_audio, monkeypatch):
    """Names become hotwords (with asr.hotwords), the decoding/VAD settings are passed through, and the names
    are part of the cache key (another attendee list is transcribed again)."""
    seen = []

    class SpyModel:
        def transcribe(self, audio, **kw):
            seen.append(kw)
            return iter(()), None

    monkeypatch.setattr(transcribe_mod, "load_model", lambda s: SpyModel())
    path = write_wav(tmp_path / "clip.wav", sample_audio[: 6 * SR])
    settings.asr.diarize = False
    settings.asr.hotwords = "Minutes"
    settings.asr.names_as_hotwords = True  # off by default (it cost WER on the English sample)
    settings.asr.temperature_fallback, settings.asr.condition_on_previous_text = False, False
    settings.asr.vad_threshold, settings.asr.vad_min_silence_ms = 0.35, 500
    transcribe(path, settings, language="en", names=["김민지", "Bob Lee", "김민지"])
    [kw] = seen
    assert kw["hotwords"] == "김민지, Bob Lee, Minutes" and kw["temperature"] == 0.0
    assert kw["condition_on_previous_text"] is False and kw["language"] == "en"
    assert kw["vad_parameters"].threshold == 0.35 and kw["vad_parameters"].min_silence_duration_ms == 500
    assert settings.asr.hotwords == "Minutes"  # the caller's settings are not changed
    transcribe(path, settings, language="en", names=["김민지", "Bob Lee"])  # same hotwords: cached
    assert len(seen) == 1
    transcribe(path, settings, language="en", names=["이준호"])
    assert len(seen) == 2 and seen[1]["hotwords"] == "이준호, Minutes"

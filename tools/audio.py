"""Audio files in, 16 kHz mono float32 out: checks, metadata and streaming decoding with PyAV (no ffmpeg binary).

Any container and codec FFmpeg (as bundled in PyAV) reads works: wav, mp3, m4a/aac, ogg/vorbis, opus, webm,
flac, and video files with an audio track (the first audio stream is used, video is skipped). Every sample
rate and channel layout is resampled to 16 kHz mono.

``probe`` fails early, with an ``InputError`` a person can act on, for a missing or empty file, a file that is
not audio, one without an audio stream or without samples, and one longer than the configured maximum.
``iter_audio`` decodes in chunks (a generator); ``iter_blocks`` decodes in blocks of about five minutes cut at a
quiet moment, so a long recording is processed with one block in memory (what the transcription stage does);
``load_audio`` fills one preallocated array (4 bytes per sample: ~230 MB per hour) for short clips and tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.assets import sha256_of
from core.errors import InputError

SAMPLE_RATE = 16_000
BLOCK_S = 300.0  # long recordings are processed block by block so memory stays flat as length grows
_CUT_SEARCH_S = 8.0  # a block ends at the quietest 100 ms in its last seconds, not mid-word
_HINT_FORMATS = "use a recording in wav, mp3, m4a, ogg/opus, webm or flac (or a video file with sound)"


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int
    codec: str


def _open(path: Path):
    import av

    try:
        return av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{path.name} is not a readable audio or video file ({type(e).__name__})",
                         hint=_HINT_FORMATS) from None


def _check_file(path: Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputError(f"file not found: {path}", hint="check the path (relative paths start in the current folder)")
    if not path.is_file():
        raise InputError(f"not a file: {path}", hint="pass an audio file, not a folder")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name} is empty (0 bytes)", hint="the recording was not saved; record or export it again")
    return path


def probe(path: Path | str, settings=None, *, max_duration_s: float | None = None) -> AudioInfo:
    """Duration, rate, channels and codec of ``path``'s first audio stream, checking that it is usable.

    The maximum length is ``max_duration_s`` if given, else ``settings.asr.max_duration_s`` if settings are given.
    """
    path = _check_file(Path(path))
    if max_duration_s is None and settings is not None:
        max_duration_s = settings.asr.max_duration_s
    with _open(path) as container:
        streams = container.streams.audio
        if not streams:
            raise InputError(f"{path.name} has no audio track", hint=_HINT_FORMATS)
        stream = streams[0]
        ctx = stream.codec_context
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000  # AV_TIME_BASE
        rate = int(ctx.sample_rate or stream.rate or 0)
        channels = int(getattr(ctx, "channels", 0) or (ctx.layout.nb_channels if ctx.layout else 0))
        codec = ctx.name
    if duration is None or duration <= 0:
        # no duration in the header (streamed webm, raw streams, an empty wav): count the decoded samples
        duration = sum(len(c) for c in iter_audio(path)) / SAMPLE_RATE
    if duration <= 0:
        raise InputError(f"{path.name} contains no audio samples (zero length)", hint="record or export it again")
    if max_duration_s is not None and duration > max_duration_s:
        raise InputError(
            f"{path.name} is {duration / 60:.1f} min long, over the {max_duration_s / 60:.0f} min limit",
            hint="split the recording, or raise asr.max_duration_s (MINUTES_ASR__MAX_DURATION_S)",
        )
    return AudioInfo(duration_s=duration, sample_rate=rate, channels=channels, codec=codec)


def iter_audio(path: Path | str, sr: int = SAMPLE_RATE, chunk_s: float = 30.0) -> Iterator[np.ndarray]:
    """Decode ``path``'s first audio stream to mono float32 at ``sr``, yielding chunks of about ``chunk_s``."""
    import av

    path = _check_file(Path(path))
    target = max(1, int(chunk_s * sr))
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sr)
    pending: list[np.ndarray] = []
    n_pending = 0
    with _open(path) as container:
        if not container.streams.audio:
            raise InputError(f"{path.name} has no audio track", hint=_HINT_FORMATS)
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"

        def frames():
            try:
                for frame in container.decode(stream):
                    frame.pts = None  # let the resampler count samples; damaged timestamps don't matter here
                    yield from resampler.resample(frame)
            except av.error.InvalidDataError:
                pass  # a damaged tail: keep what decoded, as ffmpeg does
            yield from resampler.resample(None)

        for out in frames():
            arr = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
            if not arr.size:
                continue
            pending.append(arr)
            n_pending += arr.size
            if n_pending >= target:
                yield np.concatenate(pending)
                pending, n_pending = [], 0
    if pending:
        yield np.concatenate(pending)


def _quiet_cut(audio: np.ndarray, end: int, sr: int = SAMPLE_RATE) -> int:
    """The middle of the quietest 100 ms frame in the ``_CUT_SEARCH_S`` seconds before sample ``end``."""
    frame = sr // 10
    lo = end - int(_CUT_SEARCH_S * sr)
    frames = audio[lo:end][: (end - lo) // frame * frame].reshape(-1, frame)
    return lo + int(np.argmin((frames.astype(np.float64) ** 2).mean(axis=1))) * frame + frame // 2


def block_bounds(audio: np.ndarray, block_s: float = BLOCK_S, sr: int = SAMPLE_RATE) -> list[tuple[int, int]]:
    """[start, end) sample ranges of about ``block_s`` each, cut at the quietest moment near each boundary
    (a last block of up to 1.25 ``block_s`` is kept whole)."""
    n, block = len(audio), int(block_s * sr)
    bounds, start = [], 0
    while n - start > block + block // 4:
        cut = start + _quiet_cut(audio[start:], block, sr)
        bounds.append((start, cut))
        start = cut
    bounds.append((start, n))
    return bounds


def iter_blocks(path: Path | str, sr: int = SAMPLE_RATE, block_s: float = BLOCK_S) -> Iterator[tuple[int, np.ndarray]]:
    """Decode ``path`` as ``(first sample, samples)`` blocks with the same cuts ``block_bounds`` makes on the
    whole recording, holding at most about 1.25 blocks of audio at a time. Raises ``InputError`` when the
    file decodes to no samples."""
    block = int(block_s * sr)
    pending: list[np.ndarray] = []
    n_pending, start = 0, 0
    for chunk in iter_audio(path, sr):
        pending.append(chunk)
        n_pending += chunk.size
        if n_pending <= block + block // 4:
            continue
        buf = np.concatenate(pending)
        while len(buf) > block + block // 4:
            cut = _quiet_cut(buf, block, sr)
            yield start, buf[:cut].copy()
            start += cut
            buf = buf[cut:]
        pending, n_pending = [buf.copy()], len(buf)
    if n_pending == 0 and start == 0:
        raise InputError(f"{Path(path).name} contains no audio samples (zero length)", hint="record or export it again")
    if n_pending:
        yield start, np.concatenate(pending)


def load_audio(path: Path | str, sr: int = SAMPLE_RATE, info: AudioInfo | None = None) -> np.ndarray:
    """The whole recording as one mono float32 array at ``sr`` (one preallocated buffer, grown if needed)."""
    info = info or probe(path)
    buf = np.empty(int(math.ceil(info.duration_s * sr)) + sr, dtype=np.float32)
    n = 0
    for chunk in iter_audio(path, sr):
        if n + chunk.size > buf.size:
            grown = np.empty(max(buf.size * 5 // 4, n + chunk.size), dtype=np.float32)
            grown[:n] = buf[:n]
            buf = grown
        buf[n:n + chunk.size] = chunk
        n += chunk.size
    if n == 0:
        raise InputError(f"{Path(path).name} contains no audio samples (zero length)", hint="record or export it again")
    return buf[:n]  # a view: the spare tail (about a second) is not worth a copy of the whole


def audio_sha256(path: Path | str) -> str:
    """sha256 of the file's bytes (read in chunks): the transcript cache's key for this recording."""
    return sha256_of(_check_file(Path(path)))


def peak_dbfs(audio: np.ndarray) -> float:
    """Peak level in dBFS (-inf for digital silence)."""
    peak = max(float(np.max(audio)), -float(np.min(audio))) if len(audio) else 0.0
    return 20 * math.log10(peak) if peak > 0 else float("-inf")

"""Speech to segments: faster-whisper (local, the default) or an OpenAI-compatible transcription server,
then speakers from diarization, with a persistent transcript cache.

``transcribe(path, settings)`` returns a :class:`Transcript` whose segments are ``core.meeting.Segment`` dicts
(ids ``s0001``…, speakers ``SPEAKER_1``…, no label yet). Steps:

1. check the file (``tools.audio.probe``: missing, empty, not audio, no samples, too long → ``InputError``);
2. look up the cache (namespace ``asr``; key: the audio's sha256, every ASR setting that changes the output, and
   the forced language) — a hit returns without loading any model;
3. decode block by block (``tools.audio.iter_blocks``: about five minutes each, cut at a quiet moment), so memory
   stays flat however long the recording; a block without speech (none found by the VAD, or a near-zero signal)
   is skipped, and a recording with no speech at all gives no segments and a warning;
4. language: forced (argument, else ``settings.language`` unless ``auto``), else voted over speech windows spread
   across the whole recording (``tools.asr_language``: the supported language with the most probability wins, so an
   uncertain Korean clip stays Korean); an unsupported top guess or a vote below ``asr.min_language_probability``
   is reported in ``warnings``. When the windows disagree (a code-switched meeting) and ``asr.segment_language``
   is on, each segment is checked on its own audio and one clearly in the other language is transcribed again in
   it (``Transcript.segment_languages``);
5. transcription (sequential ``WhisperModel.transcribe`` or ``BatchedInferencePipeline``; Silero VAD; word
   timestamps), the progress callback driven by the segment generator in audio seconds;
6. diarization (``tools.diarize``) when ``asr.diarize``: each word takes the speaker of the turn it overlaps most,
   and a segment whose words change speaker (for more than a couple of words) is split there.
"""

from __future__ import annotations

import mimetypes
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.cache import Cache, cache_key
from core.errors import InputError, ModelError
from core.meeting import Segment
from core.settings import Settings
from tools.asr_models import is_english_only, resolve_model
from tools.audio import SAMPLE_RATE, AudioInfo, audio_sha256, iter_blocks, peak_dbfs, probe

SUPPORTED_LANGUAGES = ("ko", "en")
CACHE_NAMESPACE = "asr"
_CACHE_VERSION = 2  # bump when the transcript format or post-processing changes
SILENCE_PEAK_DBFS = -45.0  # without VAD: a recording whose loudest sample is below this holds no speech
_LANGUAGE_NAMES = {"english": "en", "korean": "ko", "japanese": "ja", "chinese": "zh", "spanish": "es",
                   "french": "fr", "german": "de"}

ProgressFn = Callable[[float, float], None]


@dataclass
class Transcript:
    """What was said, when and by whom. ``warnings`` explain anything a person should check."""

    language: str
    language_probability: float
    duration_s: float
    segments: list[Segment]
    warnings: list[str] = field(default_factory=list)
    cached: bool = False  # served from the transcript cache (not stored)
    segment_languages: list[str] = field(default_factory=list)  # one per segment (empty: all ``language``)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("cached")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, cached: bool = False) -> Transcript:
        return cls(language=d["language"], language_probability=d["language_probability"],
                   duration_s=d["duration_s"], segments=[Segment(**s) for s in d["segments"]],
                   warnings=list(d.get("warnings", [])), cached=cached,
                   segment_languages=list(d.get("segment_languages", [])))


@dataclass
class _Word:
    start: float
    end: float
    text: str


@dataclass
class _RawSegment:
    start: float
    end: float
    text: str
    words: list[_Word] = field(default_factory=list)
    language: str | None = None


# --------------------------------------------------------------------------------------------------------------
# Model (loaded once per process per configuration)

_models: dict[tuple, Any] = {}
_models_lock = threading.Lock()


def _load_model(model_path: str, device: str, compute_type: str, cpu_threads: int):
    """Create a ``faster_whisper.WhisperModel`` (the only place a Whisper model is loaded)."""
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(model_path, device=device, compute_type=compute_type, cpu_threads=cpu_threads)
    except Exception as e:  # ctranslate2 / hub errors: make them actionable
        raise ModelError(f"could not load Whisper model '{model_path}': {str(e).splitlines()[0][:200]}",
                         hint="asr.model accepts 'base', 'tiny.en', a faster-whisper model name (needs hub "
                              "access) or a CTranslate2 model directory") from None


def load_model(settings: Settings):
    """The WhisperModel for ``settings.asr``, cached for the life of the process."""
    asr = settings.asr
    model_path = resolve_model(settings)
    key = (model_path, asr.device, asr.compute_type, asr.cpu_threads)
    with _models_lock:
        if key not in _models:
            _models[key] = _load_model(model_path, asr.device, asr.compute_type, asr.cpu_threads)
        return _models[key]


# --------------------------------------------------------------------------------------------------------------
# Public entry point


def transcribe(path: Path, settings: Settings, *, language: str | None = None, progress: ProgressFn | None = None,
               cache: Cache | None = None, metrics=None, names: list[str] | None = None) -> Transcript:
    """Transcribe the recording at ``path`` (see the module docstring). Raises ``InputError`` for bad input.
    ``names`` (the attendees) are passed to Whisper as hotwords when ``asr.names_as_hotwords``."""
    path = Path(path)
    if names and settings.asr.names_as_hotwords:
        words = ", ".join(dict.fromkeys(n.strip() for n in names if n and n.strip()))
        if words:
            settings = settings.model_copy(deep=True)
            settings.asr.hotwords = ", ".join(x for x in (words, settings.asr.hotwords) if x)
    info = probe(path, max_duration_s=settings.asr.max_duration_s)
    forced = language or (settings.language if settings.language != "auto" else None)
    if forced is not None:
        forced = forced.strip().lower()
        if not re.fullmatch(r"[a-z]{2,3}", forced):
            raise InputError(f"unknown language '{forced}'", hint="use a language code: ko or en")
        if is_english_only(settings) and settings.asr.provider == "local" and forced != "en":
            raise InputError(f"the ASR model '{settings.asr.model}' is English-only and cannot transcribe '{forced}'",
                             hint="use asr.model = \"base\" (multilingual) for Korean")

    started = time.perf_counter()
    if cache is None and settings.use_cache:
        cache = Cache(settings.path("cache.db"))
    key = cache_key(_CACHE_VERSION, audio_sha256(path), _output_settings(settings), forced) if cache else None
    if cache is not None:
        hit = cache.get(CACHE_NAMESPACE, key)
        if hit is not None:
            result = Transcript.from_dict(hit, cached=True)
            _record_metrics(metrics, settings, time.perf_counter() - started, result.duration_s, cache_hit=True)
            if progress:
                progress(result.duration_s, result.duration_s)
            return result

    try:
        if settings.asr.provider == "openai-compatible":
            result = _transcribe_remote(path, info, settings, forced, progress)
        else:
            result = _transcribe_local(path, info, settings, forced, progress)
    except Exception:
        _record_metrics(metrics, settings, time.perf_counter() - started, info.duration_s, error=True)
        raise
    if cache is not None:
        cache.put(CACHE_NAMESPACE, key, result.to_dict())
    _record_metrics(metrics, settings, time.perf_counter() - started, result.duration_s)
    return result


def _output_settings(settings: Settings) -> dict[str, Any]:
    """Every ASR setting that can change the transcript (the cache key's settings part)."""
    a = settings.asr
    d = {"provider": a.provider, "model": a.model, "beam_size": a.beam_size, "batched": a.batched, "vad": a.vad,
         "word_timestamps": a.word_timestamps, "default_language": a.default_language,
         "min_language_probability": a.min_language_probability, "diarize": a.diarize,
         "num_speakers": a.num_speakers, "initial_prompt": a.initial_prompt}
    if a.provider != "openai-compatible":
        d.update(language_windows=a.language_windows, segment_language=a.segment_language,
                 temperature_fallback=a.temperature_fallback,
                 condition_on_previous_text=a.condition_on_previous_text, vad_threshold=a.vad_threshold,
                 vad_min_silence_ms=a.vad_min_silence_ms, hotwords=a.hotwords)
    if a.provider == "openai-compatible":
        d["base_url"] = a.base_url
    else:
        d["compute_type"] = a.compute_type
        if a.batched:
            d["batch_size"] = a.batch_size
    return d


def _record_metrics(metrics, settings: Settings, seconds: float, audio_s: float, *, cache_hit: bool = False,
                    error: bool = False) -> None:
    """The one place ASR work is reported to ``core.metrics`` (``Metrics`` or ``RunMeter``)."""
    if metrics is None:
        return
    metrics.record("asr", settings.asr.model, seconds, 0, 0, cache_hit=cache_hit, error=error,
                   audio_s=0.0 if cache_hit else audio_s)


# --------------------------------------------------------------------------------------------------------------
# Local: faster-whisper


def _vad_options(settings: Settings):
    from faster_whisper.vad import VadOptions

    return VadOptions(threshold=settings.asr.vad_threshold, min_silence_duration_ms=settings.asr.vad_min_silence_ms)


def _speech_regions(audio: np.ndarray, settings: Settings) -> list[dict]:
    """Speech regions (sample offsets) of one block, from the bundled Silero VAD."""
    from faster_whisper.vad import get_speech_timestamps

    return get_speech_timestamps(audio, _vad_options(settings))


def _transcribe_local(path: Path, info: AudioInfo, settings: Settings, forced: str | None,
                      progress: ProgressFn | None) -> Transcript:
    """Decode, detect, transcribe and diarize block by block (``tools.audio.iter_blocks``): one block of audio
    (about five minutes) is in memory at a time, whatever the recording's length."""
    asr = settings.asr
    expected = info.duration_s
    warnings: list[str] = []
    model, lang, prob, mixed = None, forced, 1.0, False
    raw: list[_RawSegment] = []
    diarizer = None
    if asr.diarize:
        from tools.diarize import Diarizer

        diarizer = Diarizer(step_s=0.4 if expected <= 1800 else 0.75)
    n_samples = 0
    for first, block in iter_blocks(path, SAMPLE_RATE):
        n_samples = first + len(block)
        offset, length = first / SAMPLE_RATE, len(block) / SAMPLE_RATE
        total = max(expected, offset + length)
        regions = _speech_regions(block, settings) if asr.vad else None
        if (regions is not None and not regions) or peak_dbfs(block) < SILENCE_PEAK_DBFS:
            if progress:
                progress(offset + length, total)
            continue  # a silent block: nothing to transcribe or to tell speakers apart in
        if model is None:
            model = load_model(settings)
        if lang is None:
            if is_english_only(settings):
                lang = "en"
            else:
                vote = _detect_language(model, path, block, regions, expected, settings)
                lang, prob, warning = vote.language, vote.probability, _language_warning(vote, settings)
                mixed = vote.mixed and asr.segment_language
                if warning:
                    warnings.append(warning)
        block_progress = (lambda done, _t, o=offset, t=total: progress(min(o + done, t), t)) if progress else None
        block_segments = list(_run_whisper_block(model, block, lang, settings, length, block_progress))
        if asr.segment_language and not forced:
            block_segments = _segment_languages(model, block, block_segments, lang, settings, acoustic=mixed)
        for seg in block_segments:
            raw.append(_RawSegment(seg.start + offset, seg.end + offset, seg.text,
                                   [_Word(w.start + offset, w.end + offset, w.text) for w in seg.words],
                                   seg.language or lang))
        if diarizer is not None:
            diarizer.add(block, first)
    duration = n_samples / SAMPLE_RATE
    if progress:
        progress(duration, duration)
    if model is None:  # no block held speech
        return Transcript(forced or asr.default_language, 1.0 if forced else 0.0, round(duration, 3), [],
                          [f"no speech found in {path.name}: the transcript is empty"])
    turns = diarizer.turns(asr.num_speakers) if diarizer is not None and raw else None
    segments, languages = _to_segments(raw, turns)
    if not segments:
        warnings.append(f"no speech recognised in {path.name}: the transcript is empty")
    return Transcript(lang, round(float(prob), 4), round(duration, 3), segments, warnings,
                      segment_languages=[x or lang for x in languages])


def _detect_language(model, path: Path, block: np.ndarray, regions: list[dict] | None, expected_s: float,
                     settings: Settings):
    """The recording's language voted over ``asr.language_windows`` speech windows spread over the whole
    recording: the first block's speech when the recording is one block, else a light pass over every block
    (decode + VAD only) taking windows from each."""
    from tools.asr_language import score_window, speech_windows, vote_language
    from tools.audio import BLOCK_S

    asr = settings.asr
    n = max(1, asr.language_windows)
    if expected_s <= BLOCK_S * 1.25:
        chunks = speech_windows(block, regions, windows=n)
    else:
        per_block = max(1, int(np.ceil(n / max(1.0, expected_s / BLOCK_S))))
        chunks = []
        for _, b in iter_blocks(path, SAMPLE_RATE):
            r = _speech_regions(b, settings) if asr.vad else None
            if r is not None and not r:
                continue
            chunks.extend(speech_windows(b, r, windows=per_block))
        if len(chunks) > n:
            chunks = [chunks[i] for i in np.linspace(0, len(chunks) - 1, n).astype(int)]
    return vote_language([score_window(model, c) for c in chunks], default=asr.default_language)


def _language_warning(vote, settings: Settings) -> str | None:
    """A warning a person should read when the vote was not clear-cut (None when it was)."""
    if vote.unsupported_top:
        return (f"language detected as '{vote.unsupported_top}' (not Korean or English); transcribed as "
                f"'{vote.language}', the likelier of ko/en (p={vote.probability:.2f}) — pass --language ko|en if "
                f"that is wrong")
    if vote.probability < settings.asr.min_language_probability:
        return (f"language uncertain: '{vote.language}' (p={vote.probability:.2f}) — pass --language ko|en if "
                f"that is wrong")
    return None


def _segment_languages(model, block: np.ndarray, segments: list[_RawSegment], lang: str,
                       settings: Settings, *, acoustic: bool) -> list[_RawSegment]:
    """Code-switching: a segment Whisper wrote in the other language's script is that language; with
    ``acoustic`` (the recording's windows disagreed), each other segment of at least 1 s is checked on its own
    audio, and one clearly in the other supported language is transcribed again in it (block clock kept)."""
    from tools.asr_language import script_of, segment_language

    out: list[_RawSegment] = []
    for seg in segments:
        written = script_of(seg.text)
        if written is not None and written != lang:
            seg.language = written
            out.append(seg)
            continue
        a, b = int(seg.start * SAMPLE_RATE), int(seg.end * SAMPLE_RATE)
        if not acoustic or seg.end - seg.start < 1.0 or b - a < SAMPLE_RATE:
            out.append(seg)
            continue
        audio = block[max(0, a - SAMPLE_RATE // 5):b + SAMPLE_RATE // 5]
        other = segment_language(model, audio, lang, min_probability=settings.asr.segment_language_probability)
        if other == lang:
            out.append(seg)
            continue
        shift = max(0, a - SAMPLE_RATE // 5) / SAMPLE_RATE
        again = list(_run_whisper_block(model, audio, other, settings, len(audio) / SAMPLE_RATE, None, vad=False))
        if not again:
            out.append(seg)
            continue
        for r in again:
            out.append(_RawSegment(r.start + shift, r.end + shift, r.text,
                                   [_Word(w.start + shift, w.end + shift, w.text) for w in r.words], other))
    return out


def _decode_options(settings: Settings) -> dict[str, Any]:
    """The decoding options both pipelines take (beam, temperature fallback, prompt, hotwords)."""
    asr = settings.asr
    opts: dict[str, Any] = {"beam_size": asr.beam_size,
                            "condition_on_previous_text": asr.condition_on_previous_text,
                            "temperature": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0] if asr.temperature_fallback else 0.0}
    if asr.initial_prompt:
        opts["initial_prompt"] = asr.initial_prompt
    if asr.hotwords:
        opts["hotwords"] = asr.hotwords
    return opts


def _run_whisper_block(model, audio: np.ndarray, lang: str, settings: Settings, duration: float,
                       progress: ProgressFn | None, *, vad: bool | None = None):
    asr = settings.asr
    vad = asr.vad if vad is None else vad
    opts = _decode_options(settings)
    if asr.batched:
        from faster_whisper import BatchedInferencePipeline

        kwargs: dict[str, Any] = {}
        if vad:
            kwargs["vad_parameters"] = _vad_options(settings)
        else:  # the batched pipeline needs clips when VAD is off: fixed 30 s windows
            kwargs["clip_timestamps"] = [{"start": s, "end": min(s + 30.0, duration)}
                                         for s in np.arange(0.0, duration, 30.0).tolist()]
        segments, _ = BatchedInferencePipeline(model).transcribe(
            audio, language=lang, batch_size=asr.batch_size, vad_filter=vad,
            word_timestamps=asr.word_timestamps, **opts, **kwargs)
    else:
        segments, _ = model.transcribe(audio, language=lang, vad_filter=vad,
                                       vad_parameters=_vad_options(settings) if vad else None,
                                       word_timestamps=asr.word_timestamps, **opts)
    last_end = 0.0
    for s in segments:
        text = s.text.strip()
        start = max(float(s.start), 0.0)
        end = min(max(float(s.end), start), duration)
        last_end = max(last_end, end)
        if progress:
            progress(min(last_end, duration), duration)
        if not text:
            continue
        words = [_Word(float(w.start), float(w.end), w.word) for w in (s.words or [])]
        yield _RawSegment(start, end, text, words)


# --------------------------------------------------------------------------------------------------------------
# Remote: an OpenAI-compatible /audio/transcriptions endpoint


def _language_code(name: str | None) -> str:
    name = (name or "").strip().lower()
    return _LANGUAGE_NAMES.get(name, name)


def _remote_client(settings: Settings, duration_s: float):
    """An ``openai.OpenAI`` client for ``asr.base_url``: the SDK retries connection errors, 408/409/429 and 5xx
    answers ``asr.retries`` times with exponential backoff (honouring ``Retry-After``), each try bounded by
    ``asr.timeout_s`` (default: the recording's length, at least 10 minutes)."""
    import httpx
    from openai import OpenAI

    asr = settings.asr
    timeout = asr.timeout_s if asr.timeout_s is not None else max(600.0, duration_s)
    return OpenAI(base_url=asr.base_url.rstrip("/"), api_key=os.environ.get(asr.api_key_env) or "not-needed",
                  max_retries=asr.retries, timeout=httpx.Timeout(timeout, connect=10.0))


def _transcribe_remote(path: Path, info: AudioInfo, settings: Settings, forced: str | None,
                       progress: ProgressFn | None) -> Transcript:
    import openai

    asr = settings.asr
    if not asr.base_url:
        raise InputError("asr.provider is 'openai-compatible' but asr.base_url is not set",
                         hint="set asr.base_url, e.g. http://127.0.0.1:8000/v1 (MINUTES_ASR__BASE_URL)")
    url = asr.base_url.rstrip("/") + "/audio/transcriptions"
    client = _remote_client(settings, info.duration_s)
    kwargs: dict[str, Any] = {"model": asr.model, "response_format": "verbose_json",
                              "timestamp_granularities": ["segment", "word"] if asr.word_timestamps else ["segment"]}
    if forced:
        kwargs["language"] = forced
    if asr.initial_prompt:
        kwargs["prompt"] = asr.initial_prompt
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    try:
        with open(path, "rb") as f:
            reply = client.audio.transcriptions.create(file=(path.name, f, mime), **kwargs)
    except openai.APIStatusError as e:
        raise ModelError(f"transcription server {url} answered HTTP {e.status_code} (after {asr.retries} retries): "
                         f"{e.response.text[:200]}",
                         hint="check asr.model, asr.api_key_env and the server's logs") from None
    except (openai.APIConnectionError, openai.APITimeoutError) as e:
        raise ModelError(f"transcription server {url} unreachable after {asr.retries} retries: {type(e).__name__}",
                         hint="check asr.base_url and that the server is running") from None
    body = reply.model_dump() if hasattr(reply, "model_dump") else reply
    try:
        raw = [_RawSegment(float(s["start"]), float(s["end"]), str(s["text"]).strip())
               for s in body.get("segments") or [] if str(s.get("text", "")).strip()]
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise ModelError(f"transcription server {url} returned no verbose_json segments ({type(e).__name__})",
                         hint="the server must support response_format=verbose_json") from None
    words = body.get("words") or []
    for seg in raw:  # top-level words (OpenAI's shape) belong to the segment they fall in
        seg.words = [_Word(float(w["start"]), float(w["end"]), " " + str(w["word"]).strip())
                     for w in words if seg.start - 0.01 <= float(w["start"]) < seg.end + 0.01]
    duration = float(body.get("duration") or info.duration_s)
    if progress:
        progress(duration, duration)

    warnings: list[str] = []
    if forced:
        lang, prob = forced, 1.0
    else:
        lang, prob = _language_code(body.get("language")), 1.0
        if lang not in SUPPORTED_LANGUAGES:
            warnings.append(f"the server detected language '{lang}' (not Korean or English); labelled as "
                            f"'{asr.default_language}' (asr.default_language) — pass --language ko|en if wrong")
            lang = asr.default_language
    turns = None
    if asr.diarize and raw:
        from tools.diarize import Diarizer

        diarizer = Diarizer(step_s=0.4 if duration <= 1800 else 0.75)
        for first, block in iter_blocks(path, SAMPLE_RATE):
            diarizer.add(block, first)
        turns = diarizer.turns(asr.num_speakers)
    segments, _ = _to_segments(raw, turns)
    if not segments:
        warnings.append(f"no speech recognised in {path.name}: the transcript is empty")
    return Transcript(lang, prob, round(duration, 3), segments, warnings)


# --------------------------------------------------------------------------------------------------------------
# Speakers onto segments


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _speaker_at(start: float, end: float, turns) -> str | None:
    """The speaker of the turn overlapping [start, end] most; else of the nearest turn within 1 s."""
    best, best_ov = None, 0.0
    for t in turns:
        if t.start > end:
            break
        ov = _overlap(start, end, t.start, t.end)
        if ov > best_ov:
            best, best_ov = t.speaker, ov
    if best is not None:
        return best
    mid = (start + end) / 2
    near = min(turns, key=lambda t: min(abs(mid - t.start), abs(mid - t.end)), default=None)
    if near is not None and min(abs(mid - near.start), abs(mid - near.end)) <= 1.0:
        return near.speaker
    return None


def _split_by_speaker(seg: _RawSegment, turns, min_words: int = 3, min_s: float = 0.8) -> list[tuple[_RawSegment, str]]:
    """Split a segment where its words change speaker; runs too short to trust join their neighbour."""
    seg_speaker = _speaker_at(seg.start, seg.end, turns)
    if not seg.words:
        return [(seg, seg_speaker)]
    labels = [_speaker_at(w.start, w.end, turns) or seg_speaker for w in seg.words]
    runs: list[list] = []  # [speaker, first word index, last word index + 1]
    for i, lab in enumerate(labels):
        if runs and runs[-1][0] == lab:
            runs[-1][2] = i + 1
        else:
            runs.append([lab, i, i + 1])

    def weak(r) -> bool:
        n = r[2] - r[1]
        return n < min_words or seg.words[r[2] - 1].end - seg.words[r[1]].start < min_s

    while len(runs) > 1 and any(weak(r) for r in runs):
        j = min(range(len(runs)), key=lambda k: runs[k][2] - runs[k][1])
        if j == 0:
            runs[1][1] = runs[0][1]
        else:
            runs[j - 1][2] = runs[j][2]
        del runs[j]
        merged: list[list] = []
        for r in runs:
            if merged and merged[-1][0] == r[0]:
                merged[-1][2] = r[2]
            else:
                merged.append(r)
        runs = merged
    if len(runs) == 1:
        return [(seg, runs[0][0] if runs[0][0] is not None else seg_speaker)]
    out = []
    for lab, a, b in runs:
        ws = seg.words[a:b]
        text = "".join(w.text for w in ws).strip()
        if text:
            out.append((_RawSegment(ws[0].start, ws[-1].end, text, ws), lab))
    return out


def _to_segments(raw: list[_RawSegment], turns) -> tuple[list[Segment], list[str | None]]:
    """Numbered, speaker-named segments, and each one's language (None: the recording's)."""
    pieces: list[tuple[_RawSegment, str | None]] = []
    for seg in raw:
        if turns:
            for piece, spk in _split_by_speaker(seg, turns):
                piece.language = piece.language or seg.language
                pieces.append((piece, spk))
        else:
            pieces.append((seg, None))
    names: dict[str, str] = {}
    out: list[Segment] = []
    last_start = 0.0
    prev: str | None = None
    for seg, spk in pieces:
        spk = spk or prev  # no turn near this piece (VAD missed it): the previous speaker goes on
        prev = spk
        name = names.setdefault(spk or "?", f"SPEAKER_{len(names) + 1}")
        start = max(round(seg.start, 2), last_start)
        end = max(round(seg.end, 2), start)
        last_start = start
        out.append(Segment(id=f"s{len(out) + 1:04d}", start=start, end=end, speaker=name, text=seg.text, label=None))
    return out, [seg.language for seg, _ in pieces]

"""Transcription: input checks, decoding, model assembly, the real Whisper model on the sample meeting,
the transcript cache, and the OpenAI-compatible provider against a real local HTTP server."""

from __future__ import annotations

import json
import re
import threading
import wave
from email.parser import BytesParser
from email.policy import HTTP
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from core.assets import AssembledFile, FilePart, ModelAsset, ensure_asset, sha256_of
from core.cache import Cache
from core.errors import AssetError, InputError, ModelError
from tools import asr_models
from tools import transcribe as transcribe_mod
from tools.audio import audio_sha256, iter_audio, load_audio, probe
from tools.transcribe import Transcript, transcribe

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "meeting_en.ogg"
TURNS = json.loads((ROOT / "samples" / "meeting_en.turns.json").read_text())["turns"]
REFERENCE = (ROOT / "samples" / "meeting_en.reference.txt").read_text()
SR = 16_000


def write_wav(path: Path, audio: np.ndarray, sr: int = SR, channels: int = 1) -> Path:
    pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
    return path


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


@pytest.fixture(scope="module")
def sample_audio() -> np.ndarray:
    return load_audio(SAMPLE)


def clip_turns(sample_audio: np.ndarray, tmp: Path, first: int, last: int) -> tuple[Path, list[dict]]:
    """Turns first..last of the sample, as a wav file, with their reference turns shifted to the clip."""
    t0 = max(0.0, TURNS[first]["start"] - 0.3)
    t1 = TURNS[last]["end"] + 0.3
    path = write_wav(tmp / f"clip_{first}_{last}.wav", sample_audio[int(t0 * SR): int(t1 * SR)])
    ref = [dict(t, start=t["start"] - t0, end=t["end"] - t0) for t in TURNS[first:last + 1]]
    return path, ref


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def plain(text: str) -> str:
    """Lower-case words only, with the spelling variants Whisper alternates between unified."""
    t = text.lower().replace("on-boarding", "onboarding").replace("log in", "login").replace("log-in", "login")
    return " ".join(words(t))


def speaker_accuracy(segments, ref_turns) -> float:
    """Share of segments whose speaker matches the reference under the best one-to-one mapping."""
    from itertools import permutations

    def ref_speaker(seg):
        mid = (seg["start"] + seg["end"]) / 2
        return min(ref_turns, key=lambda t: 0 if t["start"] <= mid <= t["end"] else
                   min(abs(mid - t["start"]), abs(mid - t["end"])))["speaker"]

    pairs = [(s["speaker"], ref_speaker(s)) for s in segments]
    hyp_names = sorted({h for h, _ in pairs})
    ref_names = sorted({r for _, r in pairs})
    best = 0
    for perm in permutations(ref_names, min(len(ref_names), len(hyp_names))):
        mapping = dict(zip(hyp_names, perm))
        best = max(best, sum(mapping.get(h) == r for h, r in pairs))
    return best / len(pairs)


# ---------------------------------------------------------------------------------------------- bad input


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


# ---------------------------------------------------------------------------------------------- decoding


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
    assert len(audio_sha256(SAMPLE)) == 64


# ---------------------------------------------------------------------------------------------- model assets


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


# ---------------------------------------------------------------------------------------------- real model


def test_transcribes_clip_with_speakers_then_serves_cache(tmp_path, settings, sample_audio, monkeypatch):
    """Representative real test: base model + VAD + diarization on 3 voices (turns 12-18, ~22 s)."""
    path, ref = clip_turns(sample_audio, tmp_path, 12, 18)
    done = []
    result = transcribe(path, settings, progress=lambda d, t: done.append((d, t)))
    text = plain(" ".join(s["text"] for s in result.segments))
    assert result.language == "en" and result.language_probability > 0.9 and not result.warnings
    for phrase in ("december 10th", "login", "friday", "decided", "onboarding designs", "next wednesday"):
        assert phrase in text, phrase
    segs = result.segments
    assert [s["id"] for s in segs] == [f"s{i:04d}" for i in range(1, len(segs) + 1)]
    assert all(0 <= s["start"] <= s["end"] <= result.duration_s + 0.01 for s in segs)
    assert all(a["start"] <= b["start"] for a, b in zip(segs, segs[1:]))
    assert all(s["label"] is None and s["speaker"].startswith("SPEAKER_") for s in segs)
    assert len({s["speaker"] for s in segs}) == 3
    assert speaker_accuracy(segs, ref) >= 0.9
    assert done and all(a[0] <= b[0] for a, b in zip(done, done[1:])) and done[-1] == (result.duration_s,) * 2

    # second call: from the cache, no model load and no diarization
    def boom(*a, **k):
        raise AssertionError("model loaded on a cache hit")

    monkeypatch.setattr(transcribe_mod, "_load_model", boom)
    monkeypatch.setattr(transcribe_mod, "load_model", boom)
    monkeypatch.setattr("tools.diarize.diarize", boom)
    again = transcribe(path, settings)
    assert again.cached and again.segments == result.segments and again.language == "en"
    # a setting that changes the output misses the cache
    settings.asr.beam_size = 5
    with pytest.raises(AssertionError, match="cache hit"):
        transcribe(path, settings)


def test_uncertain_language_falls_back_with_warning(tmp_path, settings, sample_audio):
    path, _ = clip_turns(sample_audio, tmp_path, 16, 17)
    settings.asr.min_language_probability = 1.01  # nothing is that sure
    settings.asr.diarize = False
    result = transcribe(path, settings)
    assert result.language == "en" and result.warnings and "uncertain" in result.warnings[0]
    assert "friday" in " ".join(s["text"] for s in result.segments).lower()
    assert {s["speaker"] for s in result.segments} == {"SPEAKER_1"}


@pytest.mark.slow
def test_full_sample_accuracy_and_speakers(settings):
    import jiwer

    result = transcribe(SAMPLE, settings)
    ref_text = " ".join(line.split(":", 1)[1] for line in REFERENCE.splitlines())
    hyp_text = " ".join(s["text"] for s in result.segments)
    norm = lambda s: plain(s.replace("10th", "tenth").replace("3rd", "third")  # noqa: E731
                           .replace("5%", "five percent"))
    wer = jiwer.wer(norm(ref_text), norm(hyp_text))
    assert wer < 0.10, wer
    assert result.language == "en"
    assert len({s["speaker"] for s in result.segments}) == 3
    assert speaker_accuracy(result.segments, TURNS) >= 0.9
    text = plain(hyp_text)
    for phrase in ("mobile app launch", "december 10th", "friday", "next wednesday", "tuesday afternoon",
                   "open question", "weekend"):
        assert phrase in text, phrase


@pytest.mark.slow
@pytest.mark.parametrize("model,batched", [("tiny.en", False), ("base", True)])
def test_other_models_and_batched(tmp_path, settings, sample_audio, model, batched):
    path, ref = clip_turns(sample_audio, tmp_path, 12, 22)
    settings.asr.model, settings.asr.batched = model, batched
    result = transcribe(path, settings)
    text = " ".join(s["text"] for s in result.segments).lower()
    assert result.language == "en"
    assert "friday" in text and "wednesday" in text and "december" in text
    assert speaker_accuracy(result.segments, ref) >= 0.85
    assert all(0 <= s["start"] <= s["end"] <= result.duration_s + 0.01 for s in result.segments)


@pytest.mark.slow
def test_forced_language_and_no_vad(tmp_path, settings, sample_audio):
    path, _ = clip_turns(sample_audio, tmp_path, 25, 28)
    settings.asr.vad, settings.asr.diarize = False, False
    result = transcribe(path, settings, language="en")
    assert result.language == "en" and result.language_probability == 1.0
    assert "tuesday afternoon" in " ".join(s["text"] for s in result.segments).lower()


# ---------------------------------------------------------------------------------------------- remote provider


class _FakeTranscriptionServer(BaseHTTPRequestHandler):
    requests: list[dict] = []
    status = 200
    failures: list[int] = []  # statuses answered first, one per request, before ``status``

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        msg = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body)
        fields: dict[str, list] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields.setdefault(name, []).append(
                (part.get_filename(), payload) if part.get_filename() else payload.decode())
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "fields": fields})
        reply = {
            "task": "transcribe", "language": "english", "duration": 8.0, "text": "Hello there. Bye now.",
            "segments": [
                {"id": 0, "seek": 0, "start": 0.5, "end": 3.0, "text": " Hello there.", "avg_logprob": -0.2},
                {"id": 1, "seek": 0, "start": 4.0, "end": 7.5, "text": " Bye now.", "avg_logprob": -0.3},
            ],
            "words": [{"word": "Hello", "start": 0.5, "end": 1.2}, {"word": "there.", "start": 1.3, "end": 3.0},
                      {"word": "Bye", "start": 4.0, "end": 5.0}, {"word": "now.", "start": 5.1, "end": 7.5}],
        }
        status = type(self).failures.pop(0) if type(self).failures else type(self).status
        data = json.dumps(reply if status == 200 else {"error": "nope"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if status != 200:
            self.send_header("Retry-After-Ms", "50")  # keep the SDK's backoff short in tests
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def transcription_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeTranscriptionServer)
    _FakeTranscriptionServer.requests = []
    _FakeTranscriptionServer.status = 200
    _FakeTranscriptionServer.failures = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_compatible_provider(tmp_path, settings, sample_audio, transcription_server, monkeypatch):
    path = write_wav(tmp_path / "meeting.wav", sample_audio[: 8 * SR])
    monkeypatch.setenv("MY_ASR_KEY", "sk-test-123")
    settings.asr.provider = "openai-compatible"
    settings.asr.base_url = transcription_server + "/"
    settings.asr.model = "whisper-1"
    settings.asr.api_key_env = "MY_ASR_KEY"
    settings.asr.diarize = False
    result = transcribe(path, settings, language="en")
    [req] = _FakeTranscriptionServer.requests
    assert req["path"] == "/v1/audio/transcriptions" and req["auth"] == "Bearer sk-test-123"
    f = req["fields"]
    assert f["model"] == ["whisper-1"] and f["response_format"] == ["verbose_json"] and f["language"] == ["en"]
    assert set(f["timestamp_granularities[]"]) == {"segment", "word"}
    [(filename, payload)] = f["file"]
    assert filename == "meeting.wav" and payload == path.read_bytes()
    assert isinstance(result, Transcript) and result.language == "en" and result.duration_s == 8.0
    assert [(s["id"], s["start"], s["end"], s["text"]) for s in result.segments] == [
        ("s0001", 0.5, 3.0, "Hello there."), ("s0002", 4.0, 7.5, "Bye now.")]

    # detection by the server ("english" -> "en"), cached on the second call
    settings.asr.diarize = True  # local diarization over the server's segments
    again = transcribe(path, settings)
    assert again.language == "en" and len(_FakeTranscriptionServer.requests) == 2
    assert "language" not in _FakeTranscriptionServer.requests[1]["fields"]
    assert transcribe(path, settings).cached and len(_FakeTranscriptionServer.requests) == 2

    _FakeTranscriptionServer.status = 500
    settings.use_cache = False
    with pytest.raises(ModelError, match="HTTP 500"):
        transcribe(path, settings, cache=None)
    settings.asr.base_url = "http://127.0.0.1:9/v1"
    with pytest.raises(ModelError, match="unreachable"):
        transcribe(path, settings)


def test_openai_compatible_provider_retries_503_then_succeeds(tmp_path, settings, sample_audio,
                                                              transcription_server):
    """The server answers 503 twice, then 200: the SDK's retries carry the call through (3 requests, one result);
    with fewer retries than failures the error names the status."""
    path = write_wav(tmp_path / "meeting.wav", sample_audio[: 8 * SR])
    settings.asr.provider, settings.asr.base_url, settings.asr.model = "openai-compatible", transcription_server, "w"
    settings.asr.diarize, settings.use_cache = False, False
    _FakeTranscriptionServer.failures = [503, 503]
    result = transcribe(path, settings, language="en", cache=None)
    assert len(_FakeTranscriptionServer.requests) == 3
    assert [s["text"] for s in result.segments] == ["Hello there.", "Bye now."]

    _FakeTranscriptionServer.requests = []
    _FakeTranscriptionServer.failures = [503, 503]
    settings.asr.retries = 1
    with pytest.raises(ModelError, match="HTTP 503"):
        transcribe(path, settings, language="en", cache=None)
    assert len(_FakeTranscriptionServer.requests) == 2


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

    whole = load_audio(SAMPLE)
    streamed = list(iter_blocks(SAMPLE, block_s=20.0))
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


def test_local_ctranslate2_directory_is_a_one_line_setting(tmp_path, settings, sample_audio):
    """``asr.model = "<folder>"``: the embedded base model's files, linked into a folder of the user's,
    transcribe like ``base`` (what a user's small/medium/large-v3-turbo CTranslate2 folder goes through)."""
    settings.asr.model = "base"
    base = Path(asr_models.resolve_model(settings))
    mine = tmp_path / "my-whisper-ct2"
    mine.mkdir()
    for f in base.iterdir():
        (mine / f.name).symlink_to(f)
    settings.asr.model, settings.asr.diarize = str(mine), False
    path, _ = clip_turns(sample_audio, tmp_path, 16, 17)
    result = transcribe(path, settings, language="en", cache=None)
    assert "friday" in " ".join(s["text"] for s in result.segments).lower()
    assert transcribe_mod.resolve_model(settings) == str(mine)

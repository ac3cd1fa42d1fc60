"""Transcription for real: the Whisper model on the sample meeting, other models and settings (slow), a
local CTranslate2 folder, and the OpenAI-compatible provider against a local HTTP server."""

from __future__ import annotations

import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest

from core.errors import ModelError
from tests.fakes import LocalHTTPServer
from tests.fixtures import ROOT, SAMPLE_EN_AUDIO, SR, write_wav
from tools import asr_models
from tools import transcribe as transcribe_mod
from tools.transcribe import Transcript, transcribe

TURNS = json.loads((ROOT / "samples" / "meeting_en.turns.json").read_text())["turns"]
REFERENCE = (ROOT / "samples" / "meeting_en.reference.txt").read_text()


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

    result = transcribe(SAMPLE_EN_AUDIO, settings)
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
    _FakeTranscriptionServer.requests = []
    _FakeTranscriptionServer.status = 200
    _FakeTranscriptionServer.failures = []
    with LocalHTTPServer(_FakeTranscriptionServer) as server:
        yield f"{server.root}/v1"


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

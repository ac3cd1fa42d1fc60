"""Real-speech eval with real parts: preparing clips out of a git clone (subprocess), and a mixed
Korean-English recording through the real Whisper model (slow, needs ``asr.speech_data``)."""

from __future__ import annotations

import subprocess

import pytest

from core.settings import Settings
from evals import speech
from tools.asr_language import script_of


def test_prepare_copies_clips_out_of_a_clone(tmp_path):
    """``prepare`` reads files from git history (kospeech deleted its clips: the commit before 554c6e64 is
    read); here a tiny clone of the faster-whisper layout."""
    repo = tmp_path / "faster-whisper"
    (repo / "tests" / "data").mkdir(parents=True)
    (repo / "tests" / "data" / "jfk.flac").write_bytes(b"fLaC-not-really")
    git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "data"], check=True)
    counts = speech.prepare(tmp_path / "out", {"faster-whisper": repo})
    assert counts == {"fw": 1} and (tmp_path / "out" / "fw" / "jfk.flac").read_bytes() == b"fLaC-not-really"


_DATA = Settings().asr.speech_data
needs_data = pytest.mark.skipif(_DATA is None or not (_DATA / "kspon").is_dir() or not (_DATA / "fw").is_dir(),
                                reason="real-speech data not set (MINUTES_ASR__SPEECH_DATA; see evals/speech.py)")


@pytest.mark.slow
@needs_data
def test_mixed_korean_english_recording_keeps_each_segments_language(tmp_path, settings):
    """Korean KsponSpeech clips around JFK's English, joined here: the recording is Korean, the English
    segments stay English (Latin script), the Korean ones Korean."""
    from tools.transcribe import transcribe

    korean = speech.korean_dev_set(_DATA, limit=4)
    english = next(c for c in speech.read_clips(_DATA) if c.name == "jfk")
    audio, spans = speech.mixed_recording(korean, english)
    settings.asr.diarize = False
    result = transcribe(speech.write_wav(tmp_path / "mixed.wav", audio), settings, cache=None)
    assert result.language == "ko"
    assert len(result.segment_languages) == len(result.segments)
    for seg, lang in zip(result.segments, result.segment_languages, strict=True):
        ref = speech.span_language(seg["start"], seg["end"], spans)
        assert lang == ref and script_of(seg["text"]) in (ref, None), (seg, lang)
    assert "en" in result.segment_languages

"""Speaker diarization with Resemblyzer's real encoder weights in numpy (no torch), on clips cut from the
sample meeting."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.fixtures import ROOT
from tools.audio import load_audio
from tools.diarize import (
    Turn,
    diarize,
    get_encoder,
    speaker_error_rate,
)

SAMPLE = ROOT / "samples" / "meeting_en.ogg"
TURNS = ROOT / "samples" / "meeting_en.turns.json"
SR = 16_000


@pytest.fixture(scope="module")
def sample():
    """(audio, reference turns) of the sample meeting."""
    meta = json.loads(TURNS.read_text())
    return load_audio(SAMPLE), [Turn(t["start"], t["end"], t["speaker"]) for t in meta["turns"]]


def make_clip(audio: np.ndarray, turns: list[Turn], speakers: set[str], max_turns: int, gap_s: float = 0.4):
    """Concatenate the first ``max_turns`` turns of ``speakers`` (with pauses); returns (clip, its turns)."""
    pieces, ref, t = [], [], 0.0
    gap = np.zeros(int(gap_s * SR), np.float32)
    for turn in [x for x in turns if x.speaker in speakers][:max_turns]:
        piece = audio[int(turn.start * SR): int(turn.end * SR)]
        pieces += [gap, piece]
        t += gap_s
        ref.append(Turn(t, t + len(piece) / SR, turn.speaker))
        t += len(piece) / SR
    pieces.append(gap)
    return np.concatenate(pieces), ref


def test_weights_load_without_importing_torch():
    code = ("import sys, numpy as np; from tools.diarize import get_encoder, mel_spectrogram; "
            "e = get_encoder(); x = e.embed(mel_spectrogram(np.random.default_rng(0).standard_normal(16000)"
            ".astype('float32') * 0.1)[None, :160]); "
            "assert x.shape == (1, 256) and abs(float(np.linalg.norm(x)) - 1) < 1e-4; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_two_voices_separated_automatically(sample):
    audio, turns = sample
    clip, ref = make_clip(audio, turns, {"Alice Kim", "Bob Lee"}, max_turns=6)
    hyp = diarize(clip)
    assert len({t.speaker for t in hyp}) == 2
    assert speaker_error_rate(ref, hyp) < 0.15
    assert all(0 <= t.start < t.end <= len(clip) / SR + 1e-6 for t in hyp)
    assert all(a.end <= b.start for a, b in zip(hyp, hyp[1:]))


@pytest.mark.slow  # the default run covers 3 voices through test_transcribe's representative test
def test_three_voices_separated_automatically(sample):
    audio, turns = sample
    clip, ref = make_clip(audio, turns, {"Alice Kim", "Bob Lee", "Carol Park"}, max_turns=9)
    hyp = diarize(clip)
    assert len({t.speaker for t in hyp}) == 3
    assert speaker_error_rate(ref, hyp) < 0.15


@pytest.mark.slow
def test_one_voice_stays_one_speaker(sample):
    audio, turns = sample
    clip, ref = make_clip(audio, turns, {"Bob Lee"}, max_turns=8)
    hyp = diarize(clip)
    assert {t.speaker for t in hyp} == {"SPEAKER_1"}
    assert speaker_error_rate(ref, hyp) < 0.05


@pytest.mark.slow
def test_full_sample_known_and_unknown_count(sample):
    audio, ref = sample
    for n in (None, 3):
        hyp = diarize(audio, num_speakers=n)
        assert len({t.speaker for t in hyp}) == 3
        assert speaker_error_rate(ref, hyp) < 0.10


@pytest.mark.slow
def test_given_count_is_respected(sample):
    audio, turns = sample
    clip, ref = make_clip(audio, turns, {"Alice Kim", "Bob Lee", "Carol Park"}, max_turns=12)
    assert len({t.speaker for t in diarize(clip, num_speakers=2)}) == 2
    assert get_encoder() is get_encoder()  # loaded once per process

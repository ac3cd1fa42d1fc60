"""Speaker diarization: Resemblyzer's encoder in numpy (no torch), on clips cut from the sample meeting."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.errors import AssetError, InputError
from tools.audio import load_audio
from tools.diarize import (
    Turn,
    VoiceEncoder,
    diarize,
    get_encoder,
    load_torch_legacy_state,
    mel_filterbank,
    mel_spectrogram,
    speaker_error_rate,
)

ROOT = Path(__file__).resolve().parent.parent
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


def test_restricted_unpickler_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (subprocess.call, (["true"],))

    bad = tmp_path / "evil.pt"
    with open(bad, "wb") as f:
        for obj in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}, {"model_state": Evil()}):
            pickle.dump(obj, f, protocol=2)
    with pytest.raises(AssetError, match="refusing"):
        load_torch_legacy_state(bad)
    notpt = tmp_path / "zero.pt"
    with open(notpt, "wb") as f:
        pickle.dump(42, f)
    with pytest.raises(AssetError):
        VoiceEncoder(notpt)


def test_mel_front_end_matches_librosa_conventions():
    fb = mel_filterbank()
    assert fb.shape == (40, 201) and (fb >= 0).all()
    # Slaney area normalisation: each triangle's peak is 2 / (its width in Hz)
    freqs = np.linspace(0, 8000, 201)
    assert all(fb[i].max() > 0 for i in range(40))
    # a 1 kHz tone lands in the band whose peak frequency is nearest 1 kHz; frames every 10 ms, centred
    t = np.arange(SR) / SR
    mel = mel_spectrogram(0.5 * np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    assert mel.shape == (1 + SR // 160, 40)
    band = int(np.argmax(mel[50]))
    peaks = freqs[np.argmax(fb, axis=1)]
    assert abs(peaks[band] - 1000) == min(abs(peaks - 1000))
    # power 2: doubling the amplitude quadruples the energy
    mel2 = mel_spectrogram(1.0 * np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    assert np.allclose(mel2[10:-10].sum(), 4 * mel[10:-10].sum(), rtol=1e-3)


def test_speaker_error_rate_is_name_independent():
    ref = [Turn(0, 2, "A"), Turn(2, 4, "B")]
    assert speaker_error_rate(ref, [Turn(0, 2, "x"), Turn(2, 4, "y")]) == 0.0
    assert speaker_error_rate(ref, [Turn(0, 4, "x")]) == pytest.approx(0.5, abs=0.03)
    assert speaker_error_rate(ref, []) == 1.0


def test_bad_rate_and_silence():
    with pytest.raises(InputError):
        diarize(np.zeros(8000, np.float32), sr=8000)
    assert diarize(np.zeros(5 * SR, np.float32)) == []
    assert diarize(np.zeros(0, np.float32)) == []


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


def test_clustering_counts_speakers_and_scales_by_subsampling(monkeypatch):
    import tools.diarize as d

    rng = np.random.default_rng(3)
    centres = rng.standard_normal((3, 256))
    truth = rng.integers(0, 3, 600)
    emb = centres[truth] + 0.25 * rng.standard_normal((600, 256))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)

    def agreement(labels):
        return max(np.mean(labels == np.array([perm[t] for t in truth]))
                   for perm in ([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]))

    full = d.cluster_embeddings(emb)
    assert len(set(full)) == 3 and agreement(full) == 1.0
    monkeypatch.setattr(d, "MAX_CLUSTER_POINTS", 100)
    sub = d.cluster_embeddings(emb)
    assert len(set(sub)) == 3 and agreement(sub) > 0.99
    assert len(set(d.cluster_embeddings(emb, num_speakers=2))) == 2
    assert set(d.cluster_embeddings(emb[truth == 0])) == {0}

"""Speaker diarization's parts on hand-made input: the restricted unpickler, the mel front end, the speaker
error rate, bad input, and clustering (tests/real/test_diarize.py runs the real encoder on the sample)."""

from __future__ import annotations

import pickle
import subprocess

import numpy as np
import pytest

from core.errors import AssetError, InputError
from tools.diarize import (
    Turn,
    VoiceEncoder,
    diarize,
    load_torch_legacy_state,
    mel_filterbank,
    mel_spectrogram,
    speaker_error_rate,
)

SR = 16_000


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

"""Who spoke when: speaker turns from 16 kHz mono audio, with no torch.

The voice encoder is Resemblyzer's bundled model (``resemblyzer/pretrained.pt``, Apache-2.0): a 3-layer LSTM
over 40-band mel frames, a linear layer, ReLU and L2 normalisation, giving a 256-d speaker embedding per
1.6 s window. Resemblyzer's own code imports torch (and its pip dependencies pull CUDA torch), so the package is
installed ``--no-deps`` and only its weights file is used here:

- the weights are torch's legacy (non-zip) serialization of float tensors; a restricted unpickler reads the
  pickled structure (only an allow-list of names can be built) and numpy reads the raw storages;
- the mel front end reproduces librosa's ``melspectrogram`` defaults used by Resemblyzer (n_fft 400, hop 160,
  periodic Hann window, centred frames, power 2, Slaney mel scale with Slaney area normalisation), unlogged;
- the LSTM runs in numpy, batched over windows.

Pipeline: Silero VAD (bundled with faster-whisper) finds speech; windows of 1.6 s (shorter for short speech
regions) every ``step_s`` inside speech regions are embedded; the embeddings are clustered with agglomerative
clustering (cosine, average linkage) into ``num_speakers`` groups, or a count chosen automatically; window
labels are voted onto a 50 ms grid, smoothed, and returned as turns named ``SPEAKER_1``, ``SPEAKER_2``, …
in order of first appearance.

A long recording is fed block by block (:class:`Diarizer`: VAD, windows and embeddings per block, each block's
volume normalised on its own; one clustering at the end), so only the embeddings (1 KB per window) grow with
its length, never the audio.
"""

from __future__ import annotations

import importlib.util
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import AssetError, InputError

SAMPLE_RATE = 16_000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
WINDOW_FRAMES = 160  # 1.6 s partial utterances, as the encoder was trained
HIDDEN = 256
LAYERS = 3
TARGET_DBFS = -30.0  # Resemblyzer's volume normalisation target (increase only)
GRID_S = 0.05  # resolution of the output timeline

# Automatic speaker count: merge clusters whose average cosine distance is below this. Measured on the sample
# meeting: windows of one voice are 0.15-0.22 apart on average, different voices 0.48-0.61 (0.36 between a
# Piper voice and its pitch-shifted copy's centroids).
AUTO_DISTANCE_THRESHOLD = 0.36
MAX_AUTO_SPEAKERS = 10
MAX_CLUSTER_POINTS = 2000  # average linkage on 2,000 windows peaks at ~70 MB
MERGE_GAP_S = 1.0  # a pause this short between two turns of one voice joins them


@dataclass(frozen=True)
class Turn:
    """One speaker's stretch of speech, in seconds from the start of the audio."""

    start: float
    end: float
    speaker: str


# --------------------------------------------------------------------------------------------------------------
# Weights: torch legacy serialization, read without torch


@dataclass(frozen=True)
class _StorageRef:
    key: str
    dtype: np.dtype


@dataclass(frozen=True)
class _TensorRef:
    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _rebuild_tensor(storage: _StorageRef, offset: int, size, stride, *_ignored) -> _TensorRef:
    return _TensorRef(storage, int(offset), tuple(size), tuple(stride))


class _RestrictedUnpickler(pickle.Unpickler):
    """Builds only dicts, tensors and storages; anything else in the file is refused."""

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) in {("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor")}:
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return np.dtype(_STORAGE_DTYPES[name])
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a weights file")

    def persistent_load(self, pid):
        kind, dtype, key, _location, _numel, view = pid[:6]
        if kind != "storage" or not isinstance(dtype, np.dtype) or view is not None:
            raise pickle.UnpicklingError(f"unsupported storage record {pid[:1]}")
        return _StorageRef(str(key), dtype)


def load_torch_legacy_state(path: Path) -> dict:
    """Read a torch legacy-format checkpoint of plain tensors into nested dicts of numpy arrays.

    Only dicts, tensors and float/int storages are built; any other object in the pickle is refused."""
    try:
        return _load_legacy(Path(path))
    except (pickle.UnpicklingError, EOFError, KeyError, ValueError, TypeError) as e:
        raise AssetError(f"cannot read voice encoder weights {path}: {e}",
                         hint="reinstall resemblyzer==0.1.4 (--no-deps)") from None


def _load_legacy(path: Path) -> dict:
    with open(path, "rb") as f:
        if pickle.load(f) != _LEGACY_MAGIC:
            raise AssetError(f"{path} is not a torch legacy checkpoint", hint="reinstall resemblyzer==0.1.4")
        pickle.load(f)  # protocol version
        sys_info = pickle.load(f)
        if not sys_info.get("little_endian", True):
            raise AssetError(f"{path}: big-endian checkpoints are not supported")
        tree = _RestrictedUnpickler(f).load()
        keys = pickle.load(f)
        storages: dict[str, np.ndarray] = {}
        refs = {r.storage.key: r.storage for r in _iter_tensors(tree)}
        for key in keys:
            numel = int(np.frombuffer(f.read(8), dtype="<i8")[0])
            dtype = refs[str(key)].dtype if str(key) in refs else np.dtype(np.float32)
            data = f.read(numel * dtype.itemsize)
            if len(data) != numel * dtype.itemsize:
                raise AssetError(f"{path} is truncated", hint="reinstall resemblyzer==0.1.4")
            storages[str(key)] = np.frombuffer(data, dtype=dtype.newbyteorder("<"))
    return _materialise(tree, storages)


def _iter_tensors(obj):
    if isinstance(obj, _TensorRef):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _iter_tensors(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _iter_tensors(v)


def _materialise(obj, storages: dict[str, np.ndarray]):
    if isinstance(obj, _TensorRef):
        base = storages[obj.storage.key]
        item = base.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(base[obj.offset:], shape=obj.size,
                                               strides=tuple(s * item for s in obj.stride))
        return np.array(view, dtype=base.dtype.newbyteorder("="))
    if isinstance(obj, dict):
        return OrderedDict((k, _materialise(v, storages)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(v, storages) for v in obj)
    return obj


def resemblyzer_weights_path() -> Path:
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise AssetError("speaker-diarization weights package 'resemblyzer' is not installed",
                         hint="run `make setup` (it installs resemblyzer==0.1.4 with --no-deps), "
                              "or turn diarization off with asr.diarize = false")
    p = Path(list(spec.submodule_search_locations)[0]) / "pretrained.pt"
    if not p.is_file():
        raise AssetError(f"voice encoder weights missing: {p}", hint="reinstall resemblyzer==0.1.4 --no-deps")
    return p


# --------------------------------------------------------------------------------------------------------------
# Mel front end (librosa-compatible)


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, f / f_sp)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Slaney-style mel filterbank with Slaney area normalisation, shape (n_mels, 1 + n_fft // 2)."""
    fft_freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sr / 2), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    return weights.astype(np.float32)


_MEL = mel_filterbank()
_HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic


def mel_spectrogram(wav: np.ndarray) -> np.ndarray:
    """Power mel spectrogram (not log), frames centred every 10 ms; shape (n_frames, 40), float32."""
    wav = np.asarray(wav, dtype=np.float32)
    pad = N_FFT // 2
    mode = "reflect" if len(wav) > pad else "constant"
    y = np.pad(wav, (pad, pad), mode=mode)
    n_frames = 1 + (len(y) - N_FFT) // HOP
    if n_frames <= 0:
        return np.zeros((0, N_MELS), np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(y, N_FFT)[::HOP][:n_frames]
    spec = np.fft.rfft(frames * _HANN, axis=1)
    power = (spec.real ** 2 + spec.imag ** 2).astype(np.float32)
    return power @ _MEL.T


# --------------------------------------------------------------------------------------------------------------
# Voice encoder


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # stable, same values


class VoiceEncoder:
    """Resemblyzer's speaker encoder in numpy: mel windows (batch, frames, 40) -> L2-normed (batch, 256)."""

    def __init__(self, weights_path: Path | None = None):
        checkpoint = load_torch_legacy_state(weights_path or resemblyzer_weights_path())
        state = checkpoint.get("model_state", checkpoint)
        try:
            self.layers = [
                (
                    np.ascontiguousarray(state[f"lstm.weight_ih_l{k}"].T, dtype=np.float32),
                    np.ascontiguousarray(state[f"lstm.weight_hh_l{k}"].T, dtype=np.float32),
                    (state[f"lstm.bias_ih_l{k}"] + state[f"lstm.bias_hh_l{k}"]).astype(np.float32),
                )
                for k in range(LAYERS)
            ]
            self.linear_w = np.ascontiguousarray(state["linear.weight"].T, dtype=np.float32)
            self.linear_b = state["linear.bias"].astype(np.float32)
        except KeyError as e:
            raise AssetError(f"voice encoder weights lack {e}", hint="reinstall resemblyzer==0.1.4") from None

    def embed(self, mels: np.ndarray) -> np.ndarray:
        x = np.asarray(mels, dtype=np.float32)
        n, t, _ = x.shape
        h = np.zeros((n, HIDDEN), np.float32)
        for w_ih, w_hh, b in self.layers:
            xw = (x.reshape(n * t, -1) @ w_ih + b).reshape(n, t, 4 * HIDDEN)
            h = np.zeros((n, HIDDEN), np.float32)
            c = np.zeros((n, HIDDEN), np.float32)
            outs = np.empty((n, t, HIDDEN), np.float32)
            for step in range(t):
                g = xw[:, step] + h @ w_hh
                i_g = _sigmoid(g[:, :HIDDEN])
                f_g = _sigmoid(g[:, HIDDEN:2 * HIDDEN])
                c_g = np.tanh(g[:, 2 * HIDDEN:3 * HIDDEN])
                o_g = _sigmoid(g[:, 3 * HIDDEN:])
                c = f_g * c + i_g * c_g
                h = o_g * np.tanh(c)
                outs[:, step] = h
            x = outs
        raw = np.maximum(0.0, h @ self.linear_w + self.linear_b)
        norm = np.linalg.norm(raw, axis=1, keepdims=True)
        return raw / np.maximum(norm, 1e-8)


_encoder: VoiceEncoder | None = None
_encoder_lock = threading.Lock()


def get_encoder() -> VoiceEncoder:
    """The voice encoder, loaded once per process."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = VoiceEncoder()
        return _encoder


# --------------------------------------------------------------------------------------------------------------
# Diarization


def speech_regions(audio: np.ndarray, sr: int = SAMPLE_RATE) -> list[tuple[int, int]]:
    """Speech regions (sample ranges) found by faster-whisper's bundled Silero VAD."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(min_silence_duration_ms=250, speech_pad_ms=60, min_speech_duration_ms=200)
    return [(int(s["start"]), int(s["end"])) for s in get_speech_timestamps(audio, opts, sampling_rate=sr)]


def _windows(regions: list[tuple[int, int]], step_s: float, min_s: float = 0.5) -> list[tuple[int, int]]:
    win = WINDOW_FRAMES * HOP
    step = max(HOP, int(step_s * SAMPLE_RATE))
    out = []
    for s, e in regions:
        if e - s < int(min_s * SAMPLE_RATE):
            continue
        if e - s <= win:
            out.append((s, e))
            continue
        starts = list(range(s, e - win + 1, step))
        if starts[-1] + win < e:
            starts.append(e - win)
        out.extend((a, a + win) for a in starts)
    return out


def _n_frames(n_samples: int) -> int:
    return min(WINDOW_FRAMES, 1 + n_samples // HOP)


def embed_windows(audio: np.ndarray, windows: list[tuple[int, int]], encoder: VoiceEncoder | None = None,
                  batch: int = 64) -> np.ndarray:
    """One L2-normed speaker embedding per (start, end) sample window (mels computed batch by batch)."""
    encoder = encoder or get_encoder()
    out = np.zeros((len(windows), HIDDEN), np.float32)
    by_len: dict[int, list[int]] = {}
    for i, (s, e) in enumerate(windows):
        by_len.setdefault(_n_frames(e - s), []).append(i)
    for n_frames, idx in by_len.items():
        for j in range(0, len(idx), batch):
            chunk = idx[j:j + batch]
            mels = np.stack([mel_spectrogram(audio[windows[i][0]:windows[i][1]])[:n_frames] for i in chunk])
            out[chunk] = encoder.embed(mels)
    return out


def cluster_embeddings(emb: np.ndarray, num_speakers: int | None = None,
                       distance_threshold: float = AUTO_DISTANCE_THRESHOLD) -> np.ndarray:
    """Cluster labels (0..k-1) for L2-normed embeddings; k given, or chosen by a cosine-distance threshold."""
    from sklearn.cluster import AgglomerativeClustering

    n = len(emb)
    if n == 0:
        return np.zeros(0, int)
    if n == 1 or num_speakers == 1:
        return np.zeros(n, int)
    if n > MAX_CLUSTER_POINTS:
        # average linkage needs all pairwise distances: cluster an even subsample, then give every window
        # the label of the nearest cluster centroid
        pick = np.linspace(0, n - 1, MAX_CLUSTER_POINTS).round().astype(int)
        sub = cluster_embeddings(emb[pick], num_speakers, distance_threshold)
        centroids = np.stack([emb[pick][sub == c].mean(axis=0) for c in range(int(sub.max()) + 1)])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        return np.argmax(emb @ centroids.T, axis=1)
    if num_speakers:
        k = min(num_speakers, n)
        return AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(emb)
    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=distance_threshold, metric="cosine",
                                     linkage="average").fit_predict(emb)
    # tiny clusters (a few stray windows) are noise, not speakers: fold them into the nearest big cluster
    counts = np.bincount(labels)
    min_size = max(2, int(0.02 * n))
    big = [c for c in range(len(counts)) if counts[c] >= min_size]
    if not big:
        return np.zeros(n, int)
    big = sorted(big, key=lambda c: -counts[c])[:MAX_AUTO_SPEAKERS]
    centroids = np.stack([emb[labels == c].mean(axis=0) for c in big])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    keep = np.isin(labels, big)
    nearest = np.argmax(emb @ centroids.T, axis=1)
    remap = {c: i for i, c in enumerate(big)}
    return np.array([remap[c] if keep[j] else nearest[j] for j, c in enumerate(labels)], dtype=int)


def _normalise_volume(audio: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0
    if rms <= 1e-9:
        return audio
    change_db = TARGET_DBFS - 20 * np.log10(rms)
    return audio * np.float32(10 ** (change_db / 20)) if change_db > 0 else audio


class Diarizer:
    """Speaker turns for a recording fed block by block: ``add(block, first_sample)`` for each consecutive
    16 kHz mono block (VAD, windows and their embeddings are computed there), then ``turns()`` clusters every
    window once and returns the turns of the whole recording."""

    def __init__(self, *, step_s: float = 0.4, min_turn_s: float = 0.4):
        self.step_s, self.min_turn_s = step_s, min_turn_s
        self.regions: list[tuple[int, int]] = []
        self.windows: list[tuple[int, int]] = []
        self.embeddings: list[np.ndarray] = []
        self.n_samples = 0

    def add(self, block: np.ndarray, first_sample: int = 0) -> None:
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        self.n_samples = max(self.n_samples, first_sample + len(block))
        if not len(block):
            return
        regions = speech_regions(block)
        windows = _windows(regions, self.step_s)
        self.regions += [(s + first_sample, e + first_sample) for s, e in regions]
        if windows:
            self.embeddings.append(embed_windows(_normalise_volume(block), windows))
            self.windows += [(s + first_sample, e + first_sample) for s, e in windows]

    def turns(self, num_speakers: int | None = None) -> list[Turn]:
        if num_speakers is not None and num_speakers < 1:
            raise InputError(f"num_speakers must be at least 1, got {num_speakers}")
        if not self.windows:
            return [Turn(round(s / SAMPLE_RATE, 3), round(e / SAMPLE_RATE, 3), "SPEAKER_1") for s, e in self.regions]
        labels = cluster_embeddings(np.concatenate(self.embeddings), num_speakers)
        return _turns_from_windows(self.n_samples, self.regions, self.windows, labels, self.min_turn_s)


def diarize(audio: np.ndarray, sr: int = SAMPLE_RATE, num_speakers: int | None = None, *,
            step_s: float = 0.4, min_turn_s: float = 0.4) -> list[Turn]:
    """Speaker turns for 16 kHz mono float audio held in memory (block by block, as :class:`Diarizer`).
    ``num_speakers``: known count, or None to choose it."""
    from tools.audio import block_bounds

    if sr != SAMPLE_RATE:
        raise InputError(f"diarization needs {SAMPLE_RATE} Hz audio, got {sr} Hz",
                         hint="decode with tools.audio.load_audio (it resamples)")
    if num_speakers is not None and num_speakers < 1:
        raise InputError(f"num_speakers must be at least 1, got {num_speakers}")
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    if len(audio) == 0:
        return []
    diarizer = Diarizer(step_s=step_s, min_turn_s=min_turn_s)
    for lo, hi in block_bounds(audio):
        diarizer.add(audio[lo:hi], lo)
    return diarizer.turns(num_speakers)


def _turns_from_windows(n_samples: int, regions, windows, labels, min_turn_s: float) -> list[Turn]:
    grid = int(GRID_S * SAMPLE_RATE)
    n_cells = n_samples // grid + 1
    k = int(labels.max()) + 1
    votes = np.zeros((n_cells, k), np.float32)
    for (s, e), lab in zip(windows, labels):
        a, b = s // grid, max(s // grid + 1, e // grid)
        # windows weigh most at their centre, so boundaries follow the windows that are mostly on one side
        w = np.hanning(b - a + 2)[1:-1] if b - a > 2 else np.ones(b - a)
        votes[a:b, lab] += w
    speech = np.zeros(n_cells, bool)
    for s, e in regions:
        speech[s // grid: max(s // grid + 1, e // grid)] = True
    cell_label = np.full(n_cells, -1)
    have = votes.sum(axis=1) > 0
    cell_label[have] = votes[have].argmax(axis=1)
    # speech cells no window covered (very short regions): nearest covered cell's label
    covered = np.flatnonzero(have)
    if covered.size:
        for i in np.flatnonzero(speech & ~have):
            cell_label[i] = cell_label[covered[np.argmin(np.abs(covered - i))]]
    cell_label[~speech] = -1

    runs = _runs(cell_label)
    # fold runs shorter than min_turn_s into the longer neighbour inside the same speech stretch
    min_cells = max(1, int(round(min_turn_s / GRID_S)))
    changed = True
    while changed:
        changed = False
        for j, (a, b, lab) in enumerate(runs):
            if lab < 0 or b - a >= min_cells:
                continue
            left = runs[j - 1] if j > 0 and runs[j - 1][2] >= 0 and runs[j - 1][1] == a else None
            right = runs[j + 1] if j + 1 < len(runs) and runs[j + 1][2] >= 0 and runs[j + 1][0] == b else None
            target = max((r for r in (left, right) if r), key=lambda r: r[1] - r[0], default=None)
            if target is None:
                continue
            cell_label[a:b] = target[2]
            runs = _runs(cell_label)
            changed = True
            break

    names: dict[int, str] = {}
    turns: list[Turn] = []
    for a, b, lab in runs:
        if lab < 0:
            continue
        name = names.setdefault(lab, f"SPEAKER_{len(names) + 1}")
        start, end = round(a * GRID_S, 3), round(min(b * GRID_S, n_samples / SAMPLE_RATE), 3)
        if turns and turns[-1].speaker == name and start - turns[-1].end <= MERGE_GAP_S:
            turns[-1] = Turn(turns[-1].start, end, name)  # same voice after a short pause: one turn
        else:
            turns.append(Turn(start, end, name))
    return turns


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    if len(labels) == 0:
        return []
    change = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(labels)]])
    return [(int(a), int(b), int(labels[a])) for a, b in zip(starts, ends)]


def speaker_error_rate(reference: list[Turn], hypothesis: list[Turn], resolution_s: float = 0.05) -> float:
    """Fraction of reference speech time given the wrong speaker (after the best one-to-one name mapping),
    plus missed speech; false alarms outside reference speech are not counted. A simple DER without collars."""
    from scipy.optimize import linear_sum_assignment

    if not reference:
        return 0.0
    end = max(t.end for t in reference + hypothesis)
    n = int(end / resolution_s) + 1
    ref_names = sorted({t.speaker for t in reference})
    hyp_names = sorted({t.speaker for t in hypothesis})
    ref = np.full(n, -1)
    hyp = np.full(n, -1)
    for t in reference:
        ref[int(t.start / resolution_s): int(t.end / resolution_s)] = ref_names.index(t.speaker)
    for t in hypothesis:
        hyp[int(t.start / resolution_s): int(t.end / resolution_s)] = hyp_names.index(t.speaker)
    scored = ref >= 0
    if not hyp_names:
        return 1.0
    overlap = np.zeros((len(ref_names), len(hyp_names)))
    for r, h in zip(ref[scored], hyp[scored]):
        if h >= 0:
            overlap[r, h] += 1
    rows, cols = linear_sum_assignment(-overlap)
    correct = overlap[rows, cols].sum()
    return float(1.0 - correct / scored.sum())

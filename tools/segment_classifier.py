"""The segment router's default model: logistic regression over multilingual sentence embeddings.

Each transcript segment gets one of ``core.meeting.LABELS`` (content, decision, action, scheduling,
small_talk). Features are the segment's unit embedding (``core.embeddings``; USE-multilingual puts Korean
and English in one space) plus a few cheap lexical cues in both languages (a date word, a first-person
promise, a meeting word, a settling word, a request, an owner, ...). Measured on the held-out split of
``tools/router_data/segments.jsonl`` the cues add about 5 points of accuracy (see the data README).

The trained weights are three small arrays saved as ``.npz`` (no pickle). ``default_classifier`` trains on
the dataset's train split on first use and caches the model under ``settings.model_path("router")``,
keyed by the dataset's sha256, the embedder's name and the feature version, so editing the dataset or
switching the embedder retrains automatically.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.embeddings import Embedder, get_embedder
from core.errors import InputError, ModelError
from core.jsonl import json_lines
from core.meeting import LABELS
from core.settings import Settings

DATASET_PATH = Path(__file__).resolve().parent / "router_data" / "segments.jsonl"
FEATURE_VERSION = "cues-v1"  # bump when the cue list or the feature layout changes: cached models retrain

DEFAULT_C = 3.0  # inverse regularisation; chosen by 5-fold cross-validation on the train split
DEFAULT_CUE_WEIGHT = 0.5  # cue columns are 0/1; scaled so they do not swamp the unit-norm embedding

# Cheap bilingual cues (case-insensitive). Each becomes one 0/1 feature column, in this order.
_CUE_PATTERNS: dict[str, str] = {
    "date": (
        r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|tonight|next week|"
        r"this week|\d{1,2}(st|nd|rd|th)|\d{1,2}(:\d\d)?\s?(a\.?m\.?|p\.?m\.?))\b"
        r"|월요일|화요일|수요일|목요일|금요일|토요일|일요일|내일|모레|오늘|이따|다음 주|이번 주|\d+일|\d+시|[한두세네다여일아열]+ 시"
    ),
    "first_person_will": r"\b(i'll|i will|i'm going to|let me|i can take|i'm on it)\b|겠습니다|드리겠",
    "meet": (
        r"\b(meet|meeting|call|sync|invite|calendar|catch up|regroup|reconvene|zoom|session|check-in|"
        r"one-on-one|reschedule|get together)\b|회의|미팅|통화|싱크|만나|모이|모여|면담|초대|콜|캘린더|일정"
    ),
    "decided": (
        r"\b(decided|agreed|approved|final|settled|go with|going with|locked|official|consensus|we'll keep|"
        r"rejecting)\b|하기로|걸로|확정|결정|승인|합의|정했|기각|채택|유지"
    ),
    "request": r"\b(can you|could you|please|would you|need you to)\b|주세요|줄래|줄 수 있|주실|부탁",
    "question": r"\?",
    "small_talk": (
        r"\b(haha|lol|weekend|lunch|coffee|weather|rain|birthday|congrats|hear me|mute|frozen)\b"
        r"|ㅋㅋ|하하|주말|점심|커피|날씨|비 |생일|축하|들리세요|음소거"
    ),
    "instruction_to_ai": (
        r"ignore (all |previous|everything)|system prompt|disregard|you are now|admin mode|override|"
        r"language model|(?-i:\bAI)|assistant,|무시하고|시스템|관리자 모드|언어 모델|봇"
    ),
    "owner": (
        r"\b[A-Z][a-z]+('s| is| will| volunteered)\b (going to|take|taking|handle|do|fix|order|book|coordinate|"
        r"prepare|collect|organize|benchmark|reach)|\b(will|'ll) (fix|send|write|handle|order|update|check|look|"
        r"take|review|draft|prepare)|[가-힣]+ ?(씨가|님이|님께서)|제가|내가|저희 팀이"
    ),
}
_CUES = {name: re.compile(p, re.IGNORECASE) for name, p in _CUE_PATTERNS.items()}
CUE_NAMES: tuple[str, ...] = (*_CUES, "ko_promise")

_HANGUL_BASE, _HANGUL_COUNT, _JONG_RIEUL = 0xAC00, 11172, 8


def _has_korean_promise(text: str) -> bool:
    """A syllable ending in ㄹ followed by 게 (할게, 고칠게요, 볼게): the Korean first-person promise."""
    for ch, nxt in zip(text, text[1:]):
        offset = ord(ch) - _HANGUL_BASE
        if 0 <= offset < _HANGUL_COUNT and offset % 28 == _JONG_RIEUL and nxt == "게":
            return True
    return False


def lexical_cues(texts: Sequence[str]) -> np.ndarray:
    """An (n, len(CUE_NAMES)) float32 array of 0/1 cue indicators for ``texts``."""
    rows = [[1.0 if rx.search(t) else 0.0 for rx in _CUES.values()] + [1.0 if _has_korean_promise(t) else 0.0]
            for t in texts]
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), len(CUE_NAMES))


def _check_texts(texts: object) -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise InputError("segment texts must be a list of strings", hint="pass [segment['text'] for segment in segments]")
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise InputError(f"segment text #{bad[0]} is not a string", hint="pass plain segment texts")
    return list(texts)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class SegmentClassifier:
    """A trained router: embeddings (+ cues) -> multinomial logistic regression -> (label, probability)."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str], embedder: Embedder,
                 *, use_cues: bool = True, cue_weight: float = DEFAULT_CUE_WEIGHT, embedder_name: str | None = None):
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.classes: tuple[str, ...] = tuple(str(c) for c in classes)
        self.embedder = embedder
        self.use_cues = bool(use_cues)
        self.cue_weight = float(cue_weight)
        self.embedder_name = embedder_name or embedder.name
        if self.coef.shape != (len(self.classes), self.coef.shape[1]) or self.intercept.shape != (len(self.classes),):
            raise ModelError("router weights have inconsistent shapes", hint="delete the cached router model to retrain")

    # -- features -------------------------------------------------------------------------------------
    def _features(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        emb = self.embedder.embed(texts) if embeddings is None else embeddings
        emb = np.asarray(emb, dtype=np.float32)
        if not self.use_cues:
            return emb
        return np.hstack([emb, self.cue_weight * lexical_cues(texts)])

    # -- training -------------------------------------------------------------------------------------
    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], embedder: Embedder, *, use_cues: bool = True,
              C: float = DEFAULT_C, cue_weight: float = DEFAULT_CUE_WEIGHT) -> SegmentClassifier:
        """Fit on ``texts``/``labels`` (labels from ``core.meeting.LABELS``; at least two distinct ones).

        Class weights are balanced, so a label with fewer examples is not drowned out.
        """
        texts = _check_texts(texts)
        labels = list(labels)
        if len(texts) != len(labels):
            raise InputError(f"{len(texts)} texts but {len(labels)} labels", hint="give one label per text")
        unknown = sorted({lab for lab in labels if lab not in LABELS})
        if unknown:
            raise InputError(f"unknown segment label {unknown[0]!r}", hint=f"labels are {', '.join(LABELS)}")
        if len(set(labels)) < 2:
            raise InputError("the router needs examples of at least two labels", hint="add labelled segments")
        from sklearn.linear_model import LogisticRegression  # imported here: it takes a second or two

        probe = cls(np.zeros((1, 1)), np.zeros(1), ["content"], embedder, use_cues=use_cues, cue_weight=cue_weight)
        features = probe._features(texts)
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
        model.fit(features, np.asarray(labels))
        return cls(model.coef_, model.intercept_, model.classes_, embedder, use_cues=use_cues, cue_weight=cue_weight)

    # -- inference ------------------------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, len(self.classes)) array of probabilities, all segments embedded in one batched pass."""
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, len(self.classes)))
        features = self._features(texts).astype(np.float64)
        if features.shape[1] != self.coef.shape[1]:
            raise ModelError(
                f"router expects {self.coef.shape[1]} features, got {features.shape[1]}",
                hint="the embedder changed since the router was trained; delete the cached router model",
            )
        scores = features @ self.coef.T + self.intercept
        if len(self.classes) == 2:  # sklearn's binary model has one row: score of classes[1]
            scores = np.hstack([-scores, scores]) / 2
        return _softmax(scores)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """``(label, probability)`` for each text, in order."""
        proba = self.predict_proba(texts)
        best = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=int)
        return [(self.classes[i], float(proba[row, i])) for row, i in enumerate(best)]

    # -- persistence ----------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the weights and metadata to ``path`` (an ``.npz``; written atomically)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"embedder": self.embedder_name, "use_cues": self.use_cues, "cue_weight": self.cue_weight,
                "feature_version": FEATURE_VERSION, "cues": list(CUE_NAMES)}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, coef=self.coef, intercept=self.intercept, classes=np.asarray(self.classes),
                     meta=np.asarray(json.dumps(meta)))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | Path, embedder: Embedder) -> SegmentClassifier:
        """Read a model written by ``save``; ``embedder`` must be the one it was trained with."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"router model not found: {path}", hint="train one with SegmentClassifier.train(...).save(path)")
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                coef, intercept, classes = data["coef"], data["intercept"], [str(c) for c in data["classes"]]
        except (OSError, ValueError, KeyError) as e:
            raise ModelError(f"router model {path} is unreadable: {e}", hint="delete it to retrain") from e
        if meta.get("feature_version") != FEATURE_VERSION:
            raise ModelError(f"router model {path} has feature version {meta.get('feature_version')!r}, "
                             f"this code uses {FEATURE_VERSION!r}", hint="delete it to retrain")
        if meta.get("embedder") != embedder.name:
            raise ModelError(f"router model {path} was trained on embedder {meta.get('embedder')!r}, not {embedder.name!r}",
                             hint="use the same embeddings settings, or retrain the router")
        return cls(coef, intercept, classes, embedder, use_cues=meta["use_cues"], cue_weight=meta["cue_weight"],
                   embedder_name=meta["embedder"])


# -- the bundled dataset -------------------------------------------------------------------------------

def load_dataset(path: str | Path = DATASET_PATH) -> list[dict]:
    """The labelled segments: dicts with ``text``, ``label``, ``lang`` (ko|en), ``split`` (train|test)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"router dataset not found: {path}", hint="it ships in tools/router_data/segments.jsonl")
    rows = []
    not_json = lambda n, msg: InputError(f"{path.name} line {n} is not JSON: {msg}", hint="one JSON object per line")
    for n, row in json_lines(path.read_text(encoding="utf-8").splitlines(), not_json):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or row.get("label") not in LABELS \
                or row.get("lang") not in ("ko", "en") or row.get("split") not in ("train", "test"):
            raise InputError(f"{path.name} line {n} needs text, label in LABELS, lang ko|en, split train|test",
                             hint='e.g. {"text": "...", "label": "action", "lang": "en", "split": "train"}')
        rows.append(row)
    return rows


def dataset_sha256(path: str | Path = DATASET_PATH) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def model_cache_path(settings: Settings, embedder_name: str, dataset: str | Path = DATASET_PATH) -> Path:
    """Where the default router trained on ``dataset`` with ``embedder_name`` is cached."""
    key = hashlib.sha256(f"{dataset_sha256(dataset)}|{embedder_name}|{FEATURE_VERSION}".encode()).hexdigest()[:20]
    return settings.model_path("router", f"{key}.npz")


_loaded: dict[tuple[str, str], SegmentClassifier] = {}
_loaded_lock = threading.Lock()


def default_classifier(settings: Settings, *, dataset: str | Path = DATASET_PATH) -> SegmentClassifier:
    """The router trained on ``dataset``'s train split with ``settings.embeddings``.

    Loaded from ``settings.model_path("router", "<key>.npz")``; trained and saved there on first use
    (about 10 s with USE on two cores). The key hashes the dataset's bytes, the embedder's name and the
    feature version, so editing the dataset retrains. Kept in memory per process after the first call.
    """
    embedder = get_embedder(settings.embeddings)
    path = model_cache_path(settings, embedder.name, dataset)
    memo = (str(path.resolve()), embedder.name)
    with _loaded_lock:
        if memo in _loaded:
            return _loaded[memo]
        if path.is_file():
            clf = SegmentClassifier.load(path, embedder)
        else:
            train = [r for r in load_dataset(dataset) if r["split"] == "train"]
            clf = SegmentClassifier.train([r["text"] for r in train], [r["label"] for r in train], embedder)
            clf.save(path)
        _loaded[memo] = clf
        return clf

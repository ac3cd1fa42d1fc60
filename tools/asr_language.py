"""Which language a recording (and each of its segments) is in, decided by code from Whisper's probabilities.

Whisper's language detection looks at one 30-second window. On a short or quiet clip it is often unsure, and its
top guess may be a language Minutes does not handle (a Korean clip heard as Japanese or English). So:

* **the recording**: up to ``windows`` speech windows spread evenly over the whole recording's speech (VAD
  regions only) are scored; each window's probabilities of the supported languages are summed, weighted by the
  window's speech length, and the supported language with the most mass wins (``vote_language``). An unsupported
  top guess never decides; it only adds a warning. (Settling an unsure vote by decoding the speech in both
  languages and comparing mean token log-probabilities was measured and rejected: Whisper decodes Korean
  speech as short, confident English, so English often scores higher.)
* **a segment** (code-switched meetings): a segment Whisper wrote in the other language's script (English words
  in a Korean meeting: Whisper often keeps them English) is that language (``script_of``, free); and when the
  recording's windows did not all agree (the other supported language held at least ``mixed_share`` of some
  window), each remaining segment long enough to judge is scored on its own audio, and one clearly
  (``segment_probability``) in the other supported language is transcribed again in that language
  (``tools.transcribe``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

SUPPORTED = ("ko", "en")
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class WindowScore:
    """One window's speech length (s) and its probability per language (Whisper's, all languages)."""

    seconds: float
    probs: dict[str, float]

    def supported_share(self, lang: str) -> float:
        """``lang``'s share of the supported languages' probability in this window (0 when none has any)."""
        mass = sum(self.probs.get(x, 0.0) for x in SUPPORTED)
        return self.probs.get(lang, 0.0) / mass if mass > 0 else 0.0

    @property
    def top(self) -> tuple[str, float]:
        return max(self.probs.items(), key=lambda kv: kv[1]) if self.probs else ("", 0.0)


@dataclass
class LanguageVote:
    """The recording's language, how sure the windows were (weighted mean of its probability), and
    whether the windows disagree enough to check each segment."""

    language: str
    probability: float
    mixed: bool
    windows: list[WindowScore] = field(default_factory=list)
    unsupported_top: str | None = None  # the windows' most probable language when it is not ko/en


def speech_windows(audio: np.ndarray, regions: Sequence[dict] | None, *, windows: int = 8,
                   window_s: float = 8.0, sr: int = SAMPLE_RATE) -> list[np.ndarray]:
    """Up to ``windows`` chunks of speech (``window_s`` each at most), evenly spread over all speech in
    ``audio``; ``regions`` are VAD sample ranges (None: the whole signal is speech)."""
    if regions:
        speech = np.concatenate([audio[r["start"]:r["end"]] for r in regions])
    else:
        speech = audio
    n = int(window_s * sr)
    if len(speech) <= n:
        return [speech] if len(speech) else []
    count = min(windows, int(np.ceil(len(speech) / n)))
    starts = np.linspace(0, len(speech) - n, count).astype(int)
    return [speech[s:s + n] for s in starts]


def score_window(model, audio: np.ndarray, sr: int = SAMPLE_RATE) -> WindowScore:
    """Whisper's language probabilities for one window of audio (one encoder pass)."""
    _, _, all_probs = model.detect_language(audio=audio, language_detection_segments=1)
    return WindowScore(len(audio) / sr, {lang: float(p) for lang, p in all_probs})


def vote_language(scores: Sequence[WindowScore], *, default: str = "en", mixed_share: float = 0.25) -> LanguageVote:
    """The supported language with the most speech-weighted probability over ``scores``; ``default`` when no
    window gives either supported language any probability. ``mixed`` is set when, in some window of at
    least 2 s, the losing supported language holds ``mixed_share`` of the supported mass."""
    if not scores:
        return LanguageVote(default, 0.0, False)
    weight = sum(max(s.seconds, 1e-3) for s in scores)
    mass = {lang: sum(max(s.seconds, 1e-3) * s.probs.get(lang, 0.0) for s in scores) / weight for lang in SUPPORTED}
    if max(mass.values()) <= 0.0:
        lang = default
    else:
        lang = max(SUPPORTED, key=lambda x: (mass[x], x == default))
    other = next(x for x in SUPPORTED if x != lang)
    mixed = any(s.seconds >= 2.0 and s.supported_share(other) >= mixed_share for s in scores)
    overall: dict[str, float] = {}
    for s in scores:
        for k, p in s.probs.items():
            overall[k] = overall.get(k, 0.0) + max(s.seconds, 1e-3) * p
    top = max(overall, key=overall.get) if overall else lang
    return LanguageVote(lang, round(mass[lang], 4), mixed, list(scores),
                        unsupported_top=top if top not in SUPPORTED else None)


def script_of(text: str) -> str | None:
    """``ko`` when Hangul syllables are at least as many as Latin letters, ``en`` when fewer, None when the text
    has neither (digits, punctuation)."""
    hangul = sum("\uac00" <= ch <= "\ud7a3" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    if not hangul and not latin:
        return None
    return "ko" if hangul >= latin else "en"


def segment_language(model, audio: np.ndarray, recording_language: str, *, min_probability: float = 0.8,
                     sr: int = SAMPLE_RATE) -> str:
    """The language of one segment's audio: the other supported language only when its share of the supported
    probability is at least ``min_probability``, else the recording's."""
    score = score_window(model, audio, sr)
    other = next(x for x in SUPPORTED if x != recording_language)
    return other if score.supported_share(other) >= min_probability else recording_language

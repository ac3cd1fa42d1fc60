"""Scorers for real-speech evals: Korean CER with KsponSpeech normalisation, English WER, DER.

Korean (``normalize_ko``): KsponSpeech transcribes what was *said*: numbers and English words are written out in
Hangul ("영 점 일 프로", "쓰리 쥐"), a word with two readings is marked ``(spelling)/(pronunciation)``, and noise or
disfluency tags (``b/ n/ l/ o/ u/``, ``*``, ``+``) mark events. Whisper writes digits and Latin letters. Both sides
are brought to the same form before scoring:

* dual forms ``(a)/(b)`` keep the pronunciation ``b`` (what a recogniser hears);
* event tags, punctuation and every space are removed (CER is space-insensitive: Korean spacing is inconsistent
  in both references and hypotheses);
* digits become their Hangul reading: Sino-Korean ("2024" → "이천이십사", "0.1" → "영점일"), native Korean before a
  counter that takes native numbers ("3시" → "세시", "2명" → "두명"); ``%`` becomes "퍼센트";
* Latin letters become their Korean letter names ("C" → "씨"), applied to both sides; a
  reading the reference spells differently ("3G": 쓰리 쥐 vs 삼쥐) stays an error.

English (``normalize_en``): lowercase, punctuation removed (apostrophes inside words kept).

DER (``diarization_error_rate``): ``pyannote.metrics`` when installed (the reference implementation), with a
collar of ±0.25 s around each reference boundary (md-eval's convention; ``pyannote`` takes the total width, 0.5)
and overlapped speech scored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# ------------------------------------------------------------------------------------------ edit distance


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance between two token sequences (substitution, insertion, deletion cost 1)."""
    if len(ref) < len(hyp):
        ref, hyp = hyp, ref
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


@dataclass(frozen=True)
class ErrorCount:
    """Edits against a reference of ``length`` tokens; ``rate`` is edits / length (0 for an empty reference)."""

    edits: int
    length: int

    @property
    def rate(self) -> float:
        return self.edits / self.length if self.length else 0.0

    def __add__(self, other: ErrorCount) -> ErrorCount:
        return ErrorCount(self.edits + other.edits, self.length + other.length)


def corpus_rate(counts: Iterable[ErrorCount]) -> float:
    """Total edits over total reference length (a corpus CER/WER, not a mean of per-clip rates)."""
    total = ErrorCount(0, 0)
    for c in counts:
        total = total + c
    return total.rate


# ------------------------------------------------------------------------------------------ Korean

_SINO_DIGITS = "영일이삼사오육칠팔구"
_SINO_UNITS = ((1000, "천"), (100, "백"), (10, "십"))
_BIG_UNITS = ((10 ** 12, "조"), (10 ** 8, "억"), (10 ** 4, "만"))
_NATIVE_ONES = {1: "한", 2: "두", 3: "세", 4: "네", 5: "다섯", 6: "여섯", 7: "일곱", 8: "여덟", 9: "아홉"}
_NATIVE_TENS = {1: "열", 2: "스물", 3: "서른", 4: "마흔", 5: "쉰", 6: "예순", 7: "일흔", 8: "여든", 9: "아흔"}
# counters read with native numbers (1–99); everything else is Sino-Korean ("3일", "5분", "2024년", "10월")
_NATIVE_COUNTERS = ("시간", "시", "개", "명", "살", "번째", "번", "마리", "잔", "권", "대", "장", "병", "가지", "달")
_LETTER_NAMES = {
    "a": "에이", "b": "비", "c": "씨", "d": "디", "e": "이", "f": "에프", "g": "쥐", "h": "에이치", "i": "아이",
    "j": "제이", "k": "케이", "l": "엘", "m": "엠", "n": "엔", "o": "오", "p": "피", "q": "큐", "r": "알",
    "s": "에스", "t": "티", "u": "유", "v": "브이", "w": "더블유", "x": "엑스", "y": "와이", "z": "지",
}
_DUAL_FORM = re.compile(r"\(([^()]*)\)\s*/\s*\(([^()]*)\)")
_EVENT_TAG = re.compile(r"(?<![가-힣A-Za-z0-9])[bnlou]/")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _sino_under_10000(n: int) -> str:
    out = []
    for value, name in _SINO_UNITS:
        d, n = divmod(n, value)
        if d:
            out.append(("" if d == 1 else _SINO_DIGITS[d]) + name)
    if n:
        out.append(_SINO_DIGITS[n])
    return "".join(out)


def sino_korean(n: int) -> str:
    """Sino-Korean reading of a non-negative integer: 0 → 영, 15 → 십오, 2024 → 이천이십사, 10000 → 만."""
    if n == 0:
        return "영"
    out = []
    for value, name in _BIG_UNITS:
        d, n = divmod(n, value)
        if d:
            out.append(("" if d == 1 and value == 10 ** 4 else _sino_under_10000(d)) + name)
    if n:
        out.append(_sino_under_10000(n))
    return "".join(out)


def native_korean(n: int) -> str | None:
    """Native Korean reading (as before a counter) for 1–99, else None: 3 → 세, 20 → 스무, 21 → 스물한."""
    if not 1 <= n <= 99:
        return None
    tens, ones = divmod(n, 10)
    if n == 20:
        return "스무"
    return (_NATIVE_TENS[tens] if tens else "") + (_NATIVE_ONES[ones] if ones else "")


def _read_number(match: re.Match, text: str) -> str:
    raw = match.group(0)
    following = text[match.end():match.end() + 3].lstrip()
    if "." in raw and raw.count(".") == 1:  # a decimal: 0.1 → 영점일
        whole, frac = raw.split(".")
        return sino_korean(int(whole.replace(",", ""))) + "점" + "".join(_SINO_DIGITS[int(c)] for c in frac)
    n = int(re.sub(r"[.,]", "", raw))
    if any(following.startswith(c) for c in _NATIVE_COUNTERS):
        native = native_korean(n)
        if native:
            return native
    return sino_korean(n)


def spell_numbers_ko(text: str) -> str:
    """Digits written out in Hangul (see the module docstring); ``%`` → 퍼센트."""
    text = text.replace("%", "퍼센트")
    return _NUMBER.sub(lambda m: _read_number(m, text), text)


def spell_latin_ko(text: str) -> str:
    """Latin letters as their Korean letter names, one by one ("CEO" → "씨이오")."""
    return re.sub(r"[A-Za-z]", lambda m: _LETTER_NAMES[m.group(0).lower()], text)


def normalize_ko(text: str) -> str:
    """A Korean transcript (KsponSpeech reference or recogniser output) in the scored form: pronunciation of
    dual forms, no event tags, numbers and Latin letters in Hangul, no punctuation, no spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _DUAL_FORM.sub(lambda m: m.group(2), text)
    text = _EVENT_TAG.sub(" ", text)
    text = spell_numbers_ko(text)
    text = spell_latin_ko(text)
    return "".join(ch for ch in text if ch.isalnum())


def character_errors(reference: str, hypothesis: str) -> ErrorCount:
    """Character edits of a Korean hypothesis against its reference, both normalised (space-insensitive)."""
    ref, hyp = normalize_ko(reference), normalize_ko(hypothesis)
    return ErrorCount(edit_distance(ref, hyp), len(ref))


# ------------------------------------------------------------------------------------------ English


def normalize_en(text: str) -> str:
    """Lowercase, punctuation removed (apostrophes inside words kept), single spaces."""
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)
    return " ".join(text.split())


def word_errors(reference: str, hypothesis: str) -> ErrorCount:
    """Word edits of an English hypothesis against its reference, both normalised."""
    ref, hyp = normalize_en(reference).split(), normalize_en(hypothesis).split()
    return ErrorCount(edit_distance(ref, hyp), len(ref))


# ------------------------------------------------------------------------------------------ diarization


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


def read_rttm(text: str, uri: str | None = None) -> dict[str, list[SpeakerTurn]]:
    """RTTM ``SPEAKER`` lines grouped by file id (only ``uri`` when given)."""
    out: dict[str, list[SpeakerTurn]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 8 or parts[0] != "SPEAKER" or (uri is not None and parts[1] != uri):
            continue
        start, dur = float(parts[3]), float(parts[4])
        out.setdefault(parts[1], []).append(SpeakerTurn(start, start + dur, parts[7]))
    return out


def read_uem(text: str) -> dict[str, tuple[float, float]]:
    """UEM lines ``uri channel start end`` → the scored region per file id."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 4:
            out[parts[0]] = (float(parts[2]), float(parts[3]))
    return out


@dataclass(frozen=True)
class DiarizationScore:
    der: float
    false_alarm: float
    missed: float
    confusion: float
    total: float  # scored reference speech, seconds

    def __add__(self, other: DiarizationScore) -> DiarizationScore:
        fa, miss, conf = (self.false_alarm + other.false_alarm, self.missed + other.missed,
                          self.confusion + other.confusion)
        total = self.total + other.total
        return DiarizationScore((fa + miss + conf) / total if total else 0.0, fa, miss, conf, total)


def diarization_error_rate(reference: list[SpeakerTurn], hypothesis: list[SpeakerTurn], *, collar_s: float = 0.25,
                           uem: tuple[float, float] | None = None) -> DiarizationScore:
    """DER (false alarm + missed + confusion over reference speech) with ``pyannote.metrics``; ``collar_s`` is
    removed on *each* side of every reference boundary; overlapped speech is scored; ``uem`` limits the region."""
    try:
        from pyannote.core import Annotation, Segment, Timeline
        from pyannote.metrics.diarization import DiarizationErrorRate
    except ImportError as e:  # the scorer is a dev dependency
        raise RuntimeError("DER needs pyannote.metrics: pip install pyannote.metrics==4.2.0 "
                           "(or `pip install -e .[dev]`)") from e

    def annotation(turns: list[SpeakerTurn]) -> Annotation:
        ann = Annotation()
        for i, t in enumerate(turns):
            if t.end > t.start:
                ann[Segment(t.start, t.end), i] = t.speaker
        return ann

    metric = DiarizationErrorRate(collar=2 * collar_s, skip_overlap=False)
    ref, hyp = annotation(reference), annotation(hypothesis)
    if uem is None:
        extent = ref.get_timeline().extent() | hyp.get_timeline().extent() if len(hyp) else ref.get_timeline().extent()
        uem_tl = Timeline([extent])
    else:
        uem_tl = Timeline([Segment(*uem)])
    d = metric(ref, hyp, uem=uem_tl, detailed=True)
    total = float(d["total"])
    return DiarizationScore(float(d["diarization error rate"]) if total else 0.0, float(d["false alarm"]),
                            float(d["missed detection"]), float(d["confusion"]), total)

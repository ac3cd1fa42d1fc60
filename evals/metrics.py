"""Metric helpers shared by the evals: ROUGE with a Korean-aware tokenizer, fuzzy item matching with
precision/recall/F1, AMI owner roles, floors.

ROUGE (``rouge-score``): English text uses the package's own tokenizer with Porter stemming; text with
Hangul uses :class:`KoreanTokenizer` (kiwipiepy morphemes, punctuation dropped, Latin words lowercased),
because whitespace tokens of Korean glue particles to nouns ("출시일을" vs "출시일은") and would share almost
nothing.

Item matching (action items, decisions): each item becomes a set of content words (English: lowercased,
stopwords dropped, light suffix stemming; Korean: content morphemes). Two items match when the Dice
overlap of their sets, ``2|A∩B| / (|A|+|B|)``, is at least ``threshold`` (0.3 by default) and their
owners agree (when both sides name an owner role; a reference without an owner, e.g. "The group will…",
accepts any). Pairs are assigned one-to-one, greedily from the best overlap down; precision = matched /
predicted, recall = matched / reference.

Floors (``evals/floors.json``): per run mode (``quick``, ``full``), ``{"min": {metric: floor}, "max":
{metric: ceiling}}``; a metric below its floor (or above its ceiling) is a failure named with its value
and bound.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.errors import MinutesError
from core.text import has_hangul

FLOORS_PATH = Path(__file__).resolve().parent / "floors.json"

_WORD = re.compile(r"[a-z0-9]+")
# kiwipiepy tags dropped from ROUGE tokens: punctuation and symbols (SF, SP, SS, SE, SO, SW, W_*).
_PUNCT_TAGS = ("SF", "SP", "SS", "SSO", "SSC", "SE", "SO", "SW", "W_")
# Content morphemes kept for item matching: nouns, numerals, verb/adjective stems, roots, foreign words.
_KO_CONTENT_TAGS = {"NNG", "NNP", "NR", "SN", "SL", "SH", "VV", "VA", "XR", "MAG",
                    "VV-R", "VV-I", "VA-R", "VA-I"}
_KO_STOP = frozenset("하 되 있 없 않 이 그 저 같 거 좀 것 수 등 씨 님".split())
_EN_STOP = frozenset(
    """a an and are as at be been being but by can could did do does done for from had has have he her his how
    i if in into is it its just me my no not of on or our she so that the their them then there these they this
    those to up uh um was we were what when where which who will with would you your yeah okay oh mm hmm also
    all any each about should shall must need needs going get gets make makes let us s""".split())


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    import warnings

    from kiwipiepy import Kiwi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return Kiwi(num_workers=0)


_kiwi_lock = threading.Lock()


def _morphemes(text: str) -> list[tuple[str, str]]:
    with _kiwi_lock:
        return [(t.form, t.tag) for t in _kiwi().tokenize(text)]


class KoreanTokenizer:
    """A ``rouge_score`` tokenizer (``.tokenize(text) -> list[str]``) for Korean or mixed text:
    kiwipiepy morphemes without punctuation; Latin words and numbers lowercased."""

    def tokenize(self, text: str) -> list[str]:
        if not text:
            return []
        out = []
        for form, tag in _morphemes(text):
            if tag.startswith(_PUNCT_TAGS):
                continue
            form = form.lower()
            if tag in ("SL", "SN"):
                out.extend(_WORD.findall(form))
            elif form.strip():
                out.append(form)
        return out


def rouge_scores(prediction: str, reference: str, lang: str) -> dict[str, float]:
    """ROUGE-1/2/L F-measures of ``prediction`` against ``reference`` (0..1)."""
    from rouge_score import rouge_scorer

    if lang == "ko" or has_hangul(reference):
        scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=KoreanTokenizer())
    else:
        scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    s = scorer.score(reference or "", prediction or "")
    return {k: round(v.fmeasure, 4) for k, v in s.items()}


def _stem(word: str) -> str:
    """A light English suffix stripper: enough to match "designs"/"design", "updated"/"update"."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word.rstrip("e") if len(word) > 3 else word


def content_words(text: str) -> set[str]:
    """The content words of ``text`` (English and/or Korean) used to compare items."""
    words: set[str] = set()
    if has_hangul(text):
        for form, tag in _morphemes(text):
            if tag in _KO_CONTENT_TAGS and form not in _KO_STOP:
                if tag in ("SL", "SN"):
                    words.update(_stem(w) for w in _WORD.findall(form.lower()) if w not in _EN_STOP)
                else:
                    words.add(form)
        return words
    return {_stem(w) for w in _WORD.findall(text.lower().replace("’", "'")) if w not in _EN_STOP}


def dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


@dataclass(frozen=True)
class Item:
    """An action item or decision to compare: its text and, for action items, an owner (name or role)."""

    text: str
    owner: str | None = None


def _norm_owner(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def owners_agree(predicted: str | None, reference: str | None) -> bool:
    """A reference without an owner accepts any; otherwise the names must be the same person
    (case-insensitive; one may be the other's first or last word: "Bob" ~ "Bob Lee"). A reference owner
    "A|B" accepts either."""
    if not reference:
        return True
    if not predicted:
        return False
    a = _norm_owner(predicted)
    return any(a == b or a in b.split() or b in a.split() for b in map(_norm_owner, reference.split("|")))


def match_items(predicted: list[Item], reference: list[Item], *, threshold: float = 0.3,
                use_owner: bool = True) -> dict[str, Any]:
    """Greedy one-to-one matching (see the module docstring). Returns tp, counts, P/R/F1 and the pairs.

    With nothing predicted and nothing expected, precision, recall and F1 are all 1.0 (nothing was missed
    and nothing invented); with only one side empty they are 0.0 on the side that failed.
    """
    pw = [content_words(p.text) for p in predicted]
    rw = [content_words(r.text) for r in reference]
    pairs = []
    for i, p in enumerate(predicted):
        for j, r in enumerate(reference):
            score = dice(pw[i], rw[j])
            if score >= threshold and (not use_owner or owners_agree(p.owner, r.owner)):
                pairs.append((score, i, j))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_p, used_r, matched = set(), set(), []
    for score, i, j in pairs:
        if i not in used_p and j not in used_r:
            used_p.add(i)
            used_r.add(j)
            matched.append({"predicted": i, "reference": j, "overlap": round(score, 3)})
    tp, n_pred, n_ref = len(matched), len(predicted), len(reference)
    precision = tp / n_pred if n_pred else (1.0 if not n_ref else 0.0)
    recall = tp / n_ref if n_ref else (1.0 if not n_pred else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "predicted": n_pred, "reference": n_ref, "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4), "pairs": matched}


def micro_prf(results: list[dict[str, Any]]) -> dict[str, float]:
    """Micro-averaged precision/recall/F1 over several ``match_items`` results."""
    tp = sum(r["tp"] for r in results)
    n_pred = sum(r["predicted"] for r in results)
    n_ref = sum(r["reference"] for r in results)
    p = tp / n_pred if n_pred else (1.0 if not n_ref else 0.0)
    r = tp / n_ref if n_ref else (1.0 if not n_pred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "predicted": n_pred,
            "reference": n_ref}


# ------------------------------------------------------------------------------------------ AMI roles

AMI_ROLES = ("Project Manager", "Marketing", "User Interface", "Industrial Designer")
_ROLE_PATTERNS = [
    ("Project Manager", r"project manager|\bPM\b"),
    ("Marketing", r"marketing(?: expert| executive| person| manager| designer)?"),
    ("User Interface", r"user interface|\bUI\b|interface (?:designer|specialist|expert)"),
    ("Industrial Designer", r"industrial (?:designer|deigner|design|specialist)"),
]


def is_empty_reference(sentence: str) -> bool:
    """AMI writes "*NA*" / "NA." where a meeting has no action items or decisions."""
    return re.sub(r"[^a-z]", "", sentence.lower()) in ("", "na")


def ami_action_owner(sentence: str) -> tuple[str | None, str]:
    """The AMI speaker role(s) owning an action sentence, and the sentence without its owner phrase.

    "The industrial designer will work on the working design." -> ("Industrial Designer", "work on the working
    design."). Several roles -> "Role A|Role B" (either may own it); a group ("The group will…",
    "Everyone…", "They…") -> (None, sentence), which accepts any owner.
    """
    text = sentence.strip()
    m = re.match(r"^(?:the\s+)?(.{0,90}?)\s+(?:will|were instructed to|was instructed to|was assigned(?: the task of)?|is to|are to|should|must|"
                 r"has to|have to|needs? to|is going to)\s+(.*)$", text, re.I)
    subject, rest = (m.group(1), m.group(2)) if m else ("", text)
    owners = [role for role, pat in _ROLE_PATTERNS if re.search(pat, subject, re.I)]
    return ("|".join(owners) if owners else None), rest


# ------------------------------------------------------------------------------------------ floors


def load_floors(path: Path | str = FLOORS_PATH, mode: str = "quick") -> dict[str, dict[str, float]]:
    """The bounds of one run mode ("quick" or "full"): ``{"min": {metric: floor}, "max": {metric: ceiling}}``."""
    path = Path(path)
    if not path.is_file():
        raise MinutesError(f"floors file not found: {path}", hint="evals/floors.json ships with the project")
    section = json.loads(path.read_text(encoding="utf-8")).get(mode, {})
    return {"min": dict(section.get("min", {})), "max": dict(section.get("max", {}))}


def floor_violations(metrics: dict[str, float], floors: dict[str, dict[str, float]],
                     stages: set[str] | None = None) -> list[str]:
    """One line per metric below its floor or above its ceiling. Metrics of stages not run are skipped;
    a bound whose metric is missing from a stage that ran is itself a violation (the eval broke)."""
    out = []
    for kind, bounds in (("min", floors.get("min", {})), ("max", floors.get("max", {}))):
        for name, bound in bounds.items():
            if stages is not None and name.split(".", 1)[0] not in stages:
                continue
            value = metrics.get(name)
            if value is None:
                out.append(f"{name}: missing (bound {bound})")
            elif kind == "min" and value < bound:
                out.append(f"{name} = {value:.4g} is below its floor {bound:.4g}")
            elif kind == "max" and value > bound:
                out.append(f"{name} = {value:.4g} is above its ceiling {bound:.4g}")
    return out


def enforce_floors(metrics: dict[str, float], floors: dict[str, dict[str, float]],
                   stages: set[str] | None = None) -> None:
    """Raise ``MinutesError`` naming every metric past its bound."""
    bad = floor_violations(metrics, floors, stages)
    if bad:
        raise MinutesError("eval below floor: " + "; ".join(bad),
                           hint="a change made a stage worse; floors only move up (evals/README.md)")

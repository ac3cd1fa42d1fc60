"""Keyword search (BM25, ``bm25s``) beside the vectors, with a Korean-aware tokenizer.

Sentence embeddings are weak on names, numbers and rare terms ("API v2", "3분기", "ES2002"); BM25 is
strong there. Tokens:
- Hangul: kiwipiepy morphemes, keeping content morphemes only (nouns, numerals, verb/adjective stems,
  roots, hanja), so "예산안을 검토하기로" and "예산안 검토" share "예산안", "검토";
- Latin words: lowercased ``[a-z0-9]`` runs (a small English stopword list is dropped);
- numbers: kept ("20%" -> "20", "3분기" -> "3", "분기").

The index lives in memory and is updated incrementally. A ``bm25s`` matrix covers the documents
present at its last build (the *base*); documents written since (the *delta*) are scored with the same
Lucene BM25 formula in plain Python, and replaced or removed base documents are masked out. The base
is rebuilt from cached token lists (nothing is re-tokenized) only when the delta grows past 5% of it
(at least 512 documents), because a rebuild costs seconds at 50k documents (measured in
benchmarks/memory.py) while scoring a small delta costs well under a millisecond.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable

import numpy as np

from core.text import HANGUL as _HANGUL

_LATIN_OR_NUMBER = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Content morphemes: general/proper nouns, numerals, verb and adjective stems, roots, hanja.
_KEEP_TAGS = {"NNG", "NNP", "NR", "VV", "VA", "XR", "SH", "VV-R", "VV-I", "VA-R", "VA-I"}
_EN_STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have he her his how i if in
    into is it its just me my no not of on or our she so that the their them then there these they this
    to uh um was we were what when where which who will with would you your yeah okay oh mm hmm""".split()
)
# Stems too common in Korean to tell passages apart (하다, 되다, 있다, 없다, 않다, 이다 ...).
_KO_STOPWORDS = frozenset("하 되 있 없 않 이 그 저 같 거 좀".split())


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    import warnings

    from kiwipiepy import Kiwi

    with warnings.catch_warnings():  # "num_workers=0 changed in 0.21": 0 now means one thread, as wanted
        warnings.simplefilter("ignore", DeprecationWarning)
        return Kiwi(num_workers=0)  # single thread: tokenizing is per text and the machine is shared


_kiwi_lock = threading.Lock()


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` for BM25 (see the module docstring). Empty for text with no content words."""
    if not text:
        return []
    lowered = text.lower()
    tokens: list[str] = []
    if _HANGUL.search(text):
        with _kiwi_lock:
            morphemes = _kiwi().tokenize(text)
        tokens.extend(m.form for m in morphemes if m.tag == "SH" or (m.tag in _KEEP_TAGS and _HANGUL.search(m.form)
                                                        and m.form not in _KO_STOPWORDS))
    for word in _LATIN_OR_NUMBER.findall(lowered):
        word = word.replace("’", "'").split("'", 1)[0]
        if word and word not in _EN_STOPWORDS:
            tokens.append(word)
    return tokens


@dataclass
class KeywordDoc:
    """One document of the keyword index: its tokens and the metadata the filters need."""

    text: str
    tokens: list[str]
    metadata: dict[str, Any] = field(default_factory=dict)


class KeywordIndex:
    """BM25 over documents keyed by id; filters are applied as a predicate over metadata.

    ``put``/``remove`` change the document set, tokenizing only new texts; searches see every change at
    once (see the module docstring for the base + delta scheme). Thread-safe.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75, min_rebuild: int = 512, rebuild_fraction: float = 0.05):
        self._k1, self._b = k1, b
        self._min_rebuild, self._rebuild_fraction = min_rebuild, rebuild_fraction
        self._docs: dict[str, KeywordDoc] = {}
        self._lock = threading.RLock()
        self._bm25: Any = None
        self._base_ids: list[str] = []
        self._base_pos: dict[str, int] = {}
        self._base_df = np.zeros(0, dtype=np.int64)
        self._base_avgdl = 1.0
        self._stale: set[int] = set()  # base positions replaced or removed since the build
        self._delta: set[str] = set()  # live ids not (validly) in the base
        self.rebuilds = 0

    def __len__(self) -> int:
        return len(self._docs)

    def ids(self) -> set[str]:
        with self._lock:
            return set(self._docs)

    def doc(self, doc_id: str) -> KeywordDoc | None:
        with self._lock:
            return self._docs.get(doc_id)

    def put(self, items: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Add or replace documents given as ``(id, text, metadata)``."""
        with self._lock:
            for doc_id, text, metadata in items:
                old = self._docs.get(doc_id)
                if old is not None and old.text == text:  # same words: only the metadata changes
                    old.metadata = dict(metadata or {})
                    continue
                self._docs[doc_id] = KeywordDoc(text, tokenize(text), dict(metadata or {}))
                self._invalidate(doc_id)
                self._delta.add(doc_id)

    def update_metadata(self, doc_id: str, changes: dict[str, Any]) -> None:
        with self._lock:
            if doc_id in self._docs:
                self._docs[doc_id].metadata.update(changes)

    def remove(self, doc_ids: Iterable[str]) -> None:
        with self._lock:
            for doc_id in doc_ids:
                if self._docs.pop(doc_id, None) is not None:
                    self._invalidate(doc_id)
                    self._delta.discard(doc_id)

    def clear(self) -> None:
        with self._lock:
            self._docs.clear()
            self._bm25, self._base_ids, self._base_pos = None, [], {}
            self._stale.clear()
            self._delta.clear()

    def _invalidate(self, doc_id: str) -> None:
        pos = self._base_pos.get(doc_id)
        if pos is not None:
            self._stale.add(pos)

    def _needs_rebuild(self) -> bool:
        pending = len(self._delta) + len(self._stale)
        if self._bm25 is None:
            return pending > 0
        return pending > max(self._min_rebuild, self._rebuild_fraction * len(self._base_ids))

    def rebuild(self) -> None:
        """Index every live document with bm25s (the delta becomes empty)."""
        import bm25s

        with self._lock:
            ids = [i for i, d in self._docs.items() if d.tokens]
            self._delta = set()
            self._stale = set()
            self._base_ids, self._base_pos = ids, {i: n for n, i in enumerate(ids)}
            if not ids:
                self._bm25 = None
                return
            vocab: dict[str, int] = {}
            corpus = [[vocab.setdefault(t, len(vocab)) for t in self._docs[i].tokens] for i in ids]
            bm25 = bm25s.BM25(k1=self._k1, b=self._b)
            bm25.index((corpus, vocab), show_progress=False)
            self._bm25 = bm25
            self._base_df = np.diff(np.asarray(bm25.scores["indptr"], dtype=np.int64))
            self._base_avgdl = float(np.mean([len(c) for c in corpus]))
            self.rebuilds += 1

    def search(self, query: str, k: int, accept: Callable[[dict[str, Any]], bool] | None = None) -> list[tuple[str, float]]:
        """The ``k`` best ``(id, bm25 score)`` pairs with a positive score, best first.

        ``accept(metadata) -> bool`` keeps only matching documents (the store's where-filter, in Python).
        """
        terms = list(dict.fromkeys(tokenize(query)))
        if not terms:
            return []
        with self._lock:
            if self._needs_rebuild():
                self.rebuild()
            base: Iterable[tuple[float, str]] = ()
            if self._bm25 is not None:
                vocab = self._bm25.vocab_dict
                known = [t for t in terms if t in vocab]
                if known:
                    scores = np.asarray(self._bm25.get_scores(known), dtype=np.float32)
                    if self._stale:
                        scores[list(self._stale)] = 0.0
                    hits = np.flatnonzero(scores > 0)
                    if accept is None and len(hits) > k:  # only the top k can be returned
                        hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
                    hits = hits[np.argsort(-scores[hits], kind="stable")]
                    base = ((float(scores[i]), self._base_ids[i]) for i in hits)
            delta = sorted(self._score_delta(terms), key=lambda x: -x[0]) if self._delta else []
            out: list[tuple[str, float]] = []
            for score, doc_id in heapq.merge(base, delta, key=lambda x: -x[0]):
                if accept is None or accept(self._docs[doc_id].metadata):
                    out.append((doc_id, score))
                    if len(out) == k:
                        break
            return out

    def _score_delta(self, terms: list[str]) -> list[tuple[float, str]]:
        """Lucene BM25 of the delta documents, with document frequencies of base + delta."""
        delta_docs = [(i, self._docs[i].tokens) for i in self._delta]
        n_docs = len(self._base_ids) - len(self._stale) + len(delta_docs)
        avgdl = self._base_avgdl if self._bm25 is not None else (
            float(np.mean([len(t) for _, t in delta_docs])) or 1.0)
        vocab = self._bm25.vocab_dict if self._bm25 is not None else {}
        idf = {}
        for term in terms:
            df = sum(1 for _, toks in delta_docs if term in toks)
            if term in vocab and vocab[term] < len(self._base_df):
                df += int(self._base_df[vocab[term]])
            if df:
                idf[term] = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
        out = []
        for doc_id, toks in delta_docs:
            score = 0.0
            for term, w in idf.items():
                tf = toks.count(term)
                if tf:
                    score += w * tf / (self._k1 * (1 - self._b + self._b * len(toks) / avgdl) + tf)
            if score > 0:
                out.append((score, doc_id))
        return out

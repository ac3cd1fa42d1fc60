"""Keyword search (BM25, ``bm25s``) beside the vectors, with a Korean-aware tokenizer.

Sentence embeddings are weak on names, numbers and rare terms ("API v2", "3분기", "ES2002"); BM25 is
strong there. Tokens:
- Hangul: kiwipiepy morphemes, keeping content morphemes only (nouns, numerals, verb/adjective stems,
  roots, hanja), so "예산안을 검토하기로" and "예산안 검토" share "예산안", "검토";
- Latin words: lowercased ``[a-z0-9]`` runs (a small English stopword list is dropped);
- numbers: kept ("20%" -> "20", "3분기" -> "3", "분기").

The index lives in memory. Token lists are cached per document id, so after an upsert only the new
documents are tokenized; the BM25 matrix itself is rebuilt from the cached tokens on the next search
(``bm25s`` indexes tens of thousands of short documents in about a second).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

import numpy as np

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
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
    """BM25 over documents keyed by id; filters are applied as a mask over the scores.

    ``put``/``remove`` change the document set (tokenizing only new texts); the BM25 matrix is rebuilt
    lazily on the next ``search``. Thread-safe.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75):
        self._k1, self._b = k1, b
        self._docs: dict[str, KeywordDoc] = {}
        self._lock = threading.RLock()
        self._ids: list[str] = []
        self._bm25: Any = None
        self._dirty = True

    def __len__(self) -> int:
        return len(self._docs)

    def ids(self) -> set[str]:
        with self._lock:
            return set(self._docs)

    def put(self, items: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Add or replace documents given as ``(id, text, metadata)``."""
        with self._lock:
            for doc_id, text, metadata in items:
                old = self._docs.get(doc_id)
                tokens = old.tokens if old is not None and old.text == text else tokenize(text)
                self._docs[doc_id] = KeywordDoc(text, tokens, dict(metadata or {}))
            self._dirty = True

    def doc(self, doc_id: str) -> KeywordDoc | None:
        with self._lock:
            return self._docs.get(doc_id)

    def update_metadata(self, doc_id: str, changes: dict[str, Any]) -> None:
        with self._lock:
            if doc_id in self._docs:
                self._docs[doc_id].metadata.update(changes)

    def remove(self, doc_ids: Iterable[str]) -> None:
        with self._lock:
            for doc_id in doc_ids:
                self._docs.pop(doc_id, None)
            self._dirty = True

    def clear(self) -> None:
        with self._lock:
            self._docs.clear()
            self._dirty = True

    def _build(self) -> None:
        import bm25s

        self._ids = list(self._docs)
        corpus = [self._docs[i].tokens for i in self._ids]
        if corpus:
            bm25 = bm25s.BM25(k1=self._k1, b=self._b)
            bm25.index(corpus, show_progress=False)
            self._bm25 = bm25
        else:
            self._bm25 = None
        self._dirty = False

    def search(self, query: str, k: int, accept: Any = None) -> list[tuple[str, float]]:
        """The ``k`` best ``(id, bm25 score)`` pairs with a positive score, best first.

        ``accept(metadata) -> bool`` keeps only matching documents (the store's where-filter, in Python).
        """
        tokens = tokenize(query)
        with self._lock:
            if self._dirty:
                self._build()
            if self._bm25 is None or not tokens:
                return []
            known = [t for t in tokens if t in self._bm25.vocab_dict]
            if not known:
                return []
            scores = np.asarray(self._bm25.get_scores(known), dtype=np.float32)
            candidates = np.flatnonzero(scores > 0)
            if accept is not None and len(candidates):
                keep = [i for i in candidates if accept(self._docs[self._ids[i]].metadata)]
                candidates = np.asarray(keep, dtype=np.int64)
            if not len(candidates):
                return []
            order = candidates[np.argsort(-scores[candidates], kind="stable")][:k]
            return [(self._ids[i], float(scores[i])) for i in order]

"""Keyword search (BM25) beside the vectors, persisted beside Chroma, with a Korean-aware tokenizer.

Sentence embeddings are weak on names, numbers and rare terms ("API v2", "3분기", "ES2002"); BM25 is
strong there. Tokens:
- Hangul: kiwipiepy morphemes, keeping content morphemes only (nouns, numerals, verb/adjective stems,
  roots, hanja), so "예산안을 검토하기로" and "예산안 검토" share "예산안", "검토";
- Latin words: lowercased ``[a-z0-9]`` runs (a small English stopword list is dropped);
- numbers: kept ("20%" -> "20", "3분기" -> "3", "분기").

The index is an inverted index in SQLite (``data_dir/keyword/<collection>.db``, WAL): term -> postings
(document, term frequency, document length), plus the document count and total length. Nothing is loaded
at start-up: opening it is opening a file, and a query reads only the postings of its terms. Scores are
computed at query time (Lucene's BM25, as in ``bm25s``: ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``,
``tf / (tf + k1 (1 - b + b dl / avgdl))``) from the current N, df and average length, so a document added
a second ago and one indexed a year ago are scored with the same statistics, and adding or removing a
document is one transaction (no rebuild, ever). Several processes may write at once (SQLite's locking).
Kiwi (≈2 s to load) is loaded only for text that has Hangul in it.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

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
        # single thread: tokenizing is per text and the machine is shared. Without the typo and multi-word
        # dictionaries Kiwi loads in less than half the time (measured 8.7 s -> 3.0 s on a loaded 2-core
        # machine) and gives the same content morphemes for meeting text; changing this changes the tokens,
        # so TOKENIZER_VERSION below goes up with it.
        return Kiwi(num_workers=0, load_typo_dict=False, load_multi_dict=False)


_kiwi_lock = threading.Lock()

# Bumped whenever tokenize() changes: an index built with other tokens is emptied on open and refilled
# from the collection by the store (its size then differs from Chroma's).
TOKENIZER_VERSION = 2


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
    """One document of the keyword index: its text and the metadata the filters need."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS docs (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, len INTEGER NOT NULL,
                                 text TEXT NOT NULL, meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS postings (term INTEGER NOT NULL, doc INTEGER NOT NULL, tf INTEGER NOT NULL,
                                     len INTEGER NOT NULL, PRIMARY KEY (term, doc)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS postings_doc ON postings (doc);
CREATE TABLE IF NOT EXISTS stats (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
INSERT OR IGNORE INTO stats VALUES ('docs', 0), ('total_len', 0);
"""


class KeywordIndex:
    """BM25 over documents keyed by id, stored in SQLite at ``path`` (in memory when None).

    ``put``/``remove`` change the document set (tokenizing only new or changed texts), each call one
    transaction; searches see every committed change, also another process's. Filters are a predicate
    over metadata, applied best-first until ``k`` documents pass. Thread-safe.
    """

    def __init__(self, path: Path | str | None = None, k1: float = 1.5, b: float = 0.75):
        self._k1, self._b = k1, b
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path) if self.path else ":memory:", check_same_thread=False,
                                   timeout=60, isolation_level=None)
        self._lock = threading.RLock()
        with self._lock:
            if self.path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            if self._db.execute("PRAGMA user_version").fetchone()[0] != TOKENIZER_VERSION:
                self.clear()
                self._db.execute(f"PRAGMA user_version = {TOKENIZER_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM docs")}

    def doc(self, doc_id: str) -> KeywordDoc | None:
        with self._lock:
            row = self._db.execute("SELECT text, meta FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return KeywordDoc(row[0], json.loads(row[1])) if row else None

    def put(self, items: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Add or replace documents given as ``(id, text, metadata)`` (one transaction)."""
        items = list(items)
        with self._lock:
            old = {}
            ids = [i for i, _, _ in items]
            for chunk in _chunks(ids, 500):
                q = f"SELECT id, text FROM docs WHERE id IN ({','.join('?' * len(chunk))})"
                old.update(dict(self._db.execute(q, chunk).fetchall()))
        # tokenize outside the lock (Kiwi is the slow part), then write in one transaction
        prepared = []
        for doc_id, text, metadata in items:
            meta = json.dumps(dict(metadata or {}), ensure_ascii=False)
            if doc_id in old and old[doc_id] == (text or ""):
                prepared.append((doc_id, None, meta, None))  # same words: only the metadata changes
            else:
                prepared.append((doc_id, text or "", meta, Counter(tokenize(text or ""))))
        with self._lock, self._transaction():
            for doc_id, text, meta, counts in prepared:
                if counts is None:
                    self._db.execute("UPDATE docs SET meta = ? WHERE id = ?", (meta, doc_id))
                    continue
                self._delete(doc_id)
                length = sum(counts.values())
                rid = self._db.execute("INSERT INTO docs (id, len, text, meta) VALUES (?, ?, ?, ?)",
                                       (doc_id, length, text, meta)).lastrowid
                if length:
                    term_ids = self._term_ids(list(counts))
                    self._db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)",
                                         [(term_ids[t], rid, tf, length) for t, tf in counts.items()])
                    self._bump(1, length)

    def update_metadata(self, doc_id: str, changes: dict[str, Any]) -> None:
        with self._lock, self._transaction():
            row = self._db.execute("SELECT meta FROM docs WHERE id = ?", (doc_id,)).fetchone()
            if row:
                meta = {**json.loads(row[0]), **changes}
                self._db.execute("UPDATE docs SET meta = ? WHERE id = ?", (json.dumps(meta, ensure_ascii=False), doc_id))

    def remove(self, doc_ids: Iterable[str]) -> None:
        with self._lock, self._transaction():
            for doc_id in doc_ids:
                self._delete(doc_id)

    def clear(self) -> None:
        with self._lock, self._transaction():
            for table in ("postings", "docs", "terms"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.execute("UPDATE stats SET v = 0")

    # -- internals
    def _transaction(self) -> Any:
        db = self._db

        class Tx:
            def __enter__(self) -> None:
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type: Any, *exc: Any) -> None:
                db.execute("ROLLBACK" if exc_type else "COMMIT")

        return Tx()

    def _bump(self, docs: int, length: int) -> None:
        self._db.execute("UPDATE stats SET v = v + ? WHERE k = 'docs'", (docs,))
        self._db.execute("UPDATE stats SET v = v + ? WHERE k = 'total_len'", (length,))

    def _delete(self, doc_id: str) -> None:
        row = self._db.execute("SELECT rid, len FROM docs WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return
        rid, length = row
        self._db.execute("DELETE FROM postings WHERE doc = ?", (rid,))
        self._db.execute("DELETE FROM docs WHERE rid = ?", (rid,))
        if length:
            self._bump(-1, -length)

    def _term_ids(self, terms: list[str]) -> dict[str, int]:
        self._db.executemany("INSERT OR IGNORE INTO terms (term) VALUES (?)", [(t,) for t in terms])
        out: dict[str, int] = {}
        for chunk in _chunks(terms, 500):
            q = f"SELECT term, id FROM terms WHERE term IN ({','.join('?' * len(chunk))})"
            out.update(dict(self._db.execute(q, chunk).fetchall()))
        return out

    def search(self, query: str, k: int, accept: Callable[[dict[str, Any]], bool] | None = None) -> list[tuple[str, float]]:
        """The ``k`` best ``(id, bm25 score)`` pairs with a positive score, best first.

        ``accept(metadata) -> bool`` keeps only matching documents (the store's where-filter, in Python).
        """
        terms = list(dict.fromkeys(tokenize(query)))
        if not terms or k <= 0:
            return []
        with self._lock:
            n_docs, total = (dict(self._db.execute("SELECT k, v FROM stats").fetchall()).get(x, 0) for x in ("docs", "total_len"))
            if not n_docs:
                return []
            avgdl = total / n_docs
            q = f"SELECT id FROM terms WHERE term IN ({','.join('?' * len(terms))})"
            term_ids = [r[0] for r in self._db.execute(q, terms)]
            docs_parts, score_parts = [], []
            for tid in term_ids:
                rows = self._db.execute("SELECT doc, tf, len FROM postings WHERE term = ?", (tid,)).fetchall()
                if not rows:
                    continue
                arr = np.asarray(rows, dtype=np.float64)
                idf = math.log(1 + (n_docs - len(rows) + 0.5) / (len(rows) + 0.5))
                tf, dl = arr[:, 1], arr[:, 2]
                score_parts.append(idf * tf / (tf + self._k1 * (1 - self._b + self._b * dl / avgdl)))
                docs_parts.append(arr[:, 0].astype(np.int64))
            if not docs_parts:
                return []
            rids, inverse = np.unique(np.concatenate(docs_parts), return_inverse=True)
            scores = np.bincount(inverse, weights=np.concatenate(score_parts))
            order = np.lexsort((rids, -scores))  # best first; ties by insertion order
            if accept is None:
                order = order[:k]
            out: list[tuple[str, float]] = []
            for chunk in _chunks(order.tolist(), max(64, 4 * k)):
                chosen = [int(rids[i]) for i in chunk]
                q = f"SELECT rid, id, meta FROM docs WHERE rid IN ({','.join('?' * len(chosen))})"
                found = {rid: (doc_id, meta) for rid, doc_id, meta in self._db.execute(q, chosen)}
                for i, rid in zip(chunk, chosen):
                    doc_id, meta = found[rid]
                    if scores[i] > 0 and (accept is None or accept(json.loads(meta))):
                        out.append((doc_id, float(scores[i])))
                        if len(out) == k:
                            return out
            return out


def _chunks(seq: list, n: int) -> Iterable[list]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]

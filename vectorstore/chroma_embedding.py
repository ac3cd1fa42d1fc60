"""The project's sentence embedder (core.embeddings) as a Chroma embedding function and a LangChain one.

Chroma stores an embedding function's ``name()`` and ``get_config()`` with each collection and rebuilds
it with ``build_from_config`` when the collection is reopened without one, provided the class is
registered, which importing this module does. So a reopened collection never falls back to Chroma's
default embedding (which downloads a model and fails offline). The config holds only the embeddings
settings (provider, model name, URL, the *name* of the API-key variable), never a secret.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings as LangChainEmbeddings

from core.embeddings import Embedder, get_embedder
from core.settings import EmbeddingsSettings

EMBEDDING_FUNCTION_NAME = "minutes-embeddings"


@register_embedding_function
class MinutesEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma embedding function over ``core.embeddings.get_embedder(settings)``.

    The model loads on first use, not at construction, so opening a store is cheap.
    Rows are unit vectors, so the collection's space is cosine.
    """

    def __init__(self, settings: EmbeddingsSettings | None = None):
        self.settings = settings or EmbeddingsSettings()

    @property
    def embedder(self) -> Embedder:
        return get_embedder(self.settings)

    def __call__(self, input: Documents) -> Embeddings:
        vectors = self.embedder.embed([str(t) for t in input])
        return [np.asarray(row, dtype=np.float32) for row in vectors]

    def embed_query(self, input: Documents) -> Embeddings:
        return self.__call__(input)

    @staticmethod
    def name() -> str:
        return EMBEDDING_FUNCTION_NAME

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return self.settings.model_dump(mode="json")

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MinutesEmbeddingFunction:
        return MinutesEmbeddingFunction(EmbeddingsSettings.model_validate(config or {}))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        EmbeddingsSettings.model_validate(config or {})

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        old, new = EmbeddingsSettings.model_validate(old_config or {}), EmbeddingsSettings.model_validate(new_config or {})
        if (old.provider, old.model) != (new.provider, new.model):
            raise ValueError("a collection's embedding model cannot change: re-index into a new collection")

    def as_langchain(self) -> MinutesLangChainEmbeddings:
        """The same embedder as a LangChain ``Embeddings`` (for langchain-chroma or the chat agent)."""
        return MinutesLangChainEmbeddings(self)


class MinutesLangChainEmbeddings(LangChainEmbeddings):
    """LangChain ``Embeddings`` adapter of a :class:`MinutesEmbeddingFunction` (same model, same vectors)."""

    def __init__(self, function: MinutesEmbeddingFunction | None = None):
        self.function = function or MinutesEmbeddingFunction()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.function.embedder.embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.function.embedder.embed([text])[0].tolist()

"""Meeting memory: ChromaDB passages with hybrid (vector + BM25) search."""

from vectorstore.chroma_embedding import MinutesEmbeddingFunction, MinutesLangChainEmbeddings
from vectorstore.keyword import KeywordIndex, tokenize
from vectorstore.store import (
    KINDS,
    Hit,
    MeetingStore,
    make_search_tool,
    passages_of,
    reciprocal_rank_fusion,
    search_meetings,
)

__all__ = [
    "KINDS",
    "Hit",
    "KeywordIndex",
    "MeetingStore",
    "MinutesEmbeddingFunction",
    "MinutesLangChainEmbeddings",
    "make_search_tool",
    "passages_of",
    "reciprocal_rank_fusion",
    "search_meetings",
    "tokenize",
]

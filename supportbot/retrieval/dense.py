"""Dense retrieval: embed the query, search the FAISS index, keep what clears the relevance bar."""

from __future__ import annotations

from supportbot.retrieval.documents import ScoredChunk
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.index_store import StoredIndex


class DenseRetriever:
    """Cosine-similarity search over a stored index with the embedder it was built with."""

    def __init__(self, index: StoredIndex, embedder: SentenceTransformerEmbedder, top_k: int, min_score: float) -> None:
        index.check_embedding(embedder.model_reference)
        self.index = index
        self.embedder = embedder
        self.top_k = top_k
        self.min_score = min_score

    def warm_up(self) -> None:
        self.embedder.warm_up()
        self.index.check_embedding(self.embedder.model_reference, self.embedder.dimension)

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        """The k nearest chunks whatever their score."""
        hits = self.index.search(self.embedder.embed_query(query), k)
        return [ScoredChunk(chunk, score) for chunk, score in hits]

    def retrieve(self, query: str) -> list[ScoredChunk]:
        return [hit for hit in self.search(query, self.top_k) if hit.score >= self.min_score]

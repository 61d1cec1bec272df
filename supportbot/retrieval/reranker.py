"""Reranking: a cross-encoder reads the query together with each of the best candidates and reorders them.

An embedding compares two vectors made separately; a cross-encoder sees both texts at once, so it
separates near-duplicates (a Vimeo question from the YouTube entry) that vectors blur. It costs a
model pass per candidate, so it only reorders the first `retrieval.rerank_candidates` of the
configured pipeline. Whether a chunk is relevant enough to answer from is still decided by that
pipeline (`retrieval.min_score` on the dense cosine): the reranker changes the order, not the
fallback rule. No reranker ships with supportbot; `retrieval.reranker` names one.
"""

from __future__ import annotations

from dataclasses import replace

from supportbot.errors import ConfigError
from supportbot.model_sources import load_sentence_transformers_model
from supportbot.retrieval.base import SearchPipeline
from supportbot.retrieval.documents import ScoredChunk


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder; the model loads on first use or `warm_up()`."""

    def __init__(self, model_reference: str, candidates: int, device: str = "cpu", batch_size: int = 32) -> None:
        if candidates < 1:
            raise ConfigError(f"retrieval.rerank_candidates must be at least 1, got {candidates}")
        self.model_reference = model_reference
        self.candidates = candidates
        self.device = device
        self.batch_size = batch_size
        self._model = None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from sentence_transformers import CrossEncoder

        self._model = load_sentence_transformers_model(
            CrossEncoder,
            self.model_reference,
            self.device,
            "reranker",
            'set retrieval.reranker to a cross-encoder folder or a model in the local Hugging Face cache, or to "" for none',
        )

    def rerank(self, query: str, hits: list[ScoredChunk]) -> list[ScoredChunk]:
        """The hits best first by the cross-encoder's score; the pipeline's own scores stay in metadata."""
        if not hits:
            return []
        self.warm_up()
        pairs = [(query, hit.chunk.embedding_text()) for hit in hits]
        scores = self._model.predict(pairs, batch_size=self.batch_size, show_progress_bar=False)
        reranked = [
            replace(hit, score=float(score), metadata={**hit.metadata, "retrieval": hit.score, "rerank": float(score)})
            for hit, score in zip(hits, scores)
        ]
        return sorted(reranked, key=lambda hit: hit.score, reverse=True)


class RerankingRetriever:
    """Any retrieval pipeline with its first candidates reordered by a CrossEncoderReranker."""

    def __init__(self, pipeline: SearchPipeline, reranker: CrossEncoderReranker, top_k: int) -> None:
        self.pipeline = pipeline
        self.reranker = reranker
        self.top_k = top_k

    def warm_up(self) -> None:
        warm_up = getattr(self.pipeline, "warm_up", None)
        if warm_up is not None:
            warm_up()
        self.reranker.warm_up()

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        """The pipeline's k best chunks with its first rerank_candidates reordered; the rest keep its order and scores."""
        hits = self.pipeline.search(query, max(k, self.reranker.candidates))
        split = self.reranker.candidates
        return (self.reranker.rerank(query, hits[:split]) + hits[split:])[:k]

    def retrieve(self, query: str) -> list[ScoredChunk]:
        """The top_k relevant chunks (by the pipeline's relevance bar), in the reranker's order."""
        candidates = self.pipeline.search(query, self.reranker.candidates)
        relevant = [hit for hit in candidates if self.pipeline.is_relevant(hit)]
        return self.reranker.rerank(query, relevant)[: self.top_k]

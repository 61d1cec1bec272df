"""Dense retrieval: embed the query, search the FAISS index, keep what clears the relevance bar.

FAQ entries are matched field by field: the query is compared with the entry's question on its own
and with each chunk (question plus answer). A customer's paraphrase of a question then matches the
question even when the answer is long and about more. By default (`lift`) the question's cosine
only raises a chunk's score, by `question_weight` of what it adds over the chunk's cosine: a
customer who describes a situation in the answer's words, not the question's, is not pulled away
from the right entry towards short entries whose question shares a few words (`average`, the
weighted mean of the two cosines, does that; docs/retrieval.md has the measurements).
"""

from __future__ import annotations

import numpy as np

from supportbot.retrieval.documents import ScoredChunk
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.index_store import StoredIndex


def candidate_count(k: int) -> int:
    """How many nearest vectors each field contributes before re-scoring: enough that the fused top k is exact in practice."""
    return max(4 * k, 64)


class DenseRetriever:
    """Cosine-similarity search over a stored index with the embedder it was built with."""

    def __init__(
        self,
        index: StoredIndex,
        embedder: SentenceTransformerEmbedder,
        top_k: int,
        min_score: float,
        question_weight: float = 0.25,
        question_scoring: str = "lift",
    ) -> None:
        index.check_embedding(embedder.model_reference)
        self.index = index
        self.embedder = embedder
        self.top_k = top_k
        self.min_score = min_score
        self.question_weight = question_weight if index.question_vectors is not None else 0.0
        self.question_scoring = question_scoring
        self._has_question = np.array([bool(chunk.question) for chunk in index.chunks], dtype=bool)

    def warm_up(self) -> None:
        self.embedder.warm_up()
        self.index.check_embedding(self.embedder.model_reference, self.embedder.dimension, self.embedder.document_prompt)

    def embed(self, query: str) -> np.ndarray:
        return self.embedder.embed_query(query)

    def candidate_rows(self, query_vector: np.ndarray, k: int) -> np.ndarray:
        """Chunk rows near the query in either field."""
        rows = [row for row, _ in self.index.search_rows(query_vector, k, "passage")]
        if self.question_weight > 0:
            rows += [row for row, _ in self.index.search_rows(query_vector, k, "question")]
        return np.array(list(dict.fromkeys(rows)), dtype=np.int64)

    def score_rows(self, query_vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Field-aware cosine for the given chunk rows: the passage's, lifted (or averaged) by the FAQ question's."""
        scores = self.index.vectors[rows] @ query_vector
        if self.question_weight > 0 and len(rows):
            faq = self._has_question[rows]
            question_scores = self.index.question_vectors[rows[faq]] @ query_vector
            if self.question_scoring == "lift":
                scores[faq] += self.question_weight * np.maximum(question_scores - scores[faq], 0.0)
            else:
                scores[faq] = (1 - self.question_weight) * scores[faq] + self.question_weight * question_scores
        return scores

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        """The k best chunks whatever their score."""
        vector = self.embed(query)
        rows = self.candidate_rows(vector, candidate_count(k))
        scores = self.score_rows(vector, rows)
        order = np.argsort(-scores, kind="stable")[:k]
        return [ScoredChunk(self.index.chunks[rows[i]], float(scores[i])) for i in order]

    def is_relevant(self, hit: ScoredChunk) -> bool:
        """Whether a hit clears the relevance bar: its field-aware cosine reaches min_score."""
        return hit.score >= self.min_score

    def retrieve(self, query: str) -> list[ScoredChunk]:
        return [hit for hit in self.search(query, self.top_k) if self.is_relevant(hit)]

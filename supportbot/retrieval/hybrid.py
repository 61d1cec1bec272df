"""Hybrid retrieval: dense and BM25 candidates fused into one ranking.

`weighted` (the default) min-max normalises each side's scores over the candidates and mixes them
with `dense_weight`; `rrf` is reciprocal rank fusion, sum of 1 / (rrf_k + rank). Weighing matters:
on FAQ collections whose paraphrases share few words with the entry, BM25 is much weaker than the
embeddings, and an unweighted fusion such as RRF lets it pull wrong entries up.

A query the embedding model cannot read (`reads` says so: Chinese with the English all-MiniLM-L6-v2,
see retrieval.embedding_languages) is ranked by BM25 alone, and a hit is relevant when it holds
enough of the query's words (keyword coverage, `min_keyword_coverage`): the model's cosines for such
text are noise, and mixing them in ranked the right page first for 27% of the Chinese answer set's
questions where BM25 alone does for 60% (benchmarks/README.md).

A query the model reads is judged by the dense cosine (`min_score`), and a chunk that holds most of its
words is relevant too (`relevant_keyword_coverage`): MiniLM scores "Do you take American Express?" 0.31
against the payment page that lists it, under the bar, while that page holds both of its rare words.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from supportbot.errors import ConfigError
from supportbot.retrieval.bm25 import KEYWORD_COVERAGE, BM25Retriever, top_rows
from supportbot.retrieval.dense import DenseRetriever, candidate_count
from supportbot.retrieval.documents import ScoredChunk

FUSIONS = ("weighted", "rrf")
# Metadata of a hit under the cosine bar that holds relevant_keyword_coverage of the query's words: relevant by its
# keywords alone (the model did not find the query's subject in it; bot/dialogue.py reads a follow-up accordingly).
FOUND_BY_KEYWORDS = "found_by_keywords"


def min_max(scores: np.ndarray) -> np.ndarray:
    """Scores scaled over the candidates, the best 1 and the worst 0.

    Scores that do not spread (a lone candidate, or all alike) rank nothing: each is as good as the best, 1, where it
    scored at all (a chunk that shares no word with the query has BM25 0). A lone candidate got the worst's 0, and the
    answer's one source was shown at "score 0.00" (console /sources, the web API's "score") whatever its cosine.
    """
    if not len(scores):
        return scores
    low, high = float(scores.min()), float(scores.max())
    return (scores - low) / (high - low) if high > low else (scores > 0).astype(np.float64)


def ranks(scores: np.ndarray) -> np.ndarray:
    """1 for the best score."""
    order = np.argsort(-scores, kind="stable")
    result = np.empty(len(scores), dtype=np.float64)
    result[order] = np.arange(1, len(scores) + 1)
    return result


class HybridRetriever:
    """Fuses a DenseRetriever and a BM25Retriever over the same chunks; relevance is judged by the dense cosine.

    A query the embedder does not read (`reads(query)` is False) is ranked and judged by its keywords alone.
    """

    def __init__(
        self,
        dense: DenseRetriever,
        bm25: BM25Retriever,
        top_k: int,
        min_score: float,
        fusion: str = "weighted",
        dense_weight: float = 0.9,
        rrf_k: int = 60,
        reads: Callable[[str], bool] | None = None,
        min_keyword_coverage: float = 0.0,
        relevant_keyword_coverage: float = 1.01,
    ) -> None:
        """`reads`: whether the embedder reads a query (None: every query); `min_keyword_coverage`: the relevance bar then;
        `relevant_keyword_coverage`: the keyword coverage that makes a chunk relevant whatever its cosine (over 1: none)."""
        if fusion not in FUSIONS:
            raise ConfigError(f"retrieval.fusion: unknown fusion {fusion!r} (choose one of {', '.join(FUSIONS)})")
        if not 0.0 <= dense_weight <= 1.0:
            raise ConfigError(f"retrieval.dense_weight must be between 0 and 1, got {dense_weight}")
        self.dense = dense
        self.bm25 = bm25
        self.top_k = top_k
        self.min_score = min_score
        self.fusion = fusion
        self.dense_weight = dense_weight
        self.rrf_k = rrf_k
        self.reads = reads
        self.min_keyword_coverage = min_keyword_coverage
        self.relevant_keyword_coverage = relevant_keyword_coverage

    def warm_up(self) -> None:
        self.dense.warm_up()

    def fuse(self, dense_scores: np.ndarray, bm25_scores: np.ndarray) -> np.ndarray:
        if self.fusion == "rrf":
            return 1.0 / (self.rrf_k + ranks(dense_scores)) + 1.0 / (self.rrf_k + ranks(bm25_scores))
        return self.dense_weight * min_max(dense_scores) + (1 - self.dense_weight) * min_max(bm25_scores)

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        """The k best chunks by fused score, each with its dense and BM25 scores in metadata (by BM25 alone: see the class)."""
        if self.reads is not None and not self.reads(query):
            return self.bm25.search(query, k)
        vector = self.dense.embed(query)
        n = candidate_count(k)
        keyword_scores = self.bm25.scores(query)
        keyword_rows = top_rows(keyword_scores, n)
        rows = np.array(list(dict.fromkeys([*self.dense.candidate_rows(vector, n), *keyword_rows])), dtype=np.int64)
        if not len(rows):
            return []
        dense_scores = self.dense.score_rows(vector, rows)
        fused = self.fuse(dense_scores, keyword_scores[rows])
        order = np.argsort(-fused, kind="stable")[:k]
        chunks = self.dense.index.chunks
        coverage = self.bm25.coverage(query)
        hits = []
        for i in order:
            metadata = {"dense": float(dense_scores[i]), "bm25": float(keyword_scores[rows[i]]), KEYWORD_COVERAGE: float(coverage[rows[i]])}
            if metadata["dense"] < self.min_score and metadata[KEYWORD_COVERAGE] >= self.relevant_keyword_coverage:
                metadata[FOUND_BY_KEYWORDS] = True
            hits.append(ScoredChunk(chunks[rows[i]], float(fused[i]), metadata))
        return hits

    def is_relevant(self, hit: ScoredChunk) -> bool:
        """Whether a hit's dense cosine reaches min_score or its keyword coverage relevant_keyword_coverage (a BM25 score
        alone never makes a chunk relevant), or for a query the embedder does not read, whether its keyword coverage
        reaches min_keyword_coverage."""
        if "dense" not in hit.metadata:
            return hit.metadata[KEYWORD_COVERAGE] >= self.min_keyword_coverage
        return hit.metadata["dense"] >= self.min_score or bool(hit.metadata.get(FOUND_BY_KEYWORDS))

    def retrieve(self, query: str) -> list[ScoredChunk]:
        """The top_k fused hits that are relevant (see is_relevant)."""
        hits = self.search(query, candidate_count(self.top_k))
        return [hit for hit in hits if self.is_relevant(hit)][: self.top_k]

"""BM25 keyword retrieval over the index's chunks, rebuilt in memory from chunks.jsonl at load.

Keywords catch what embeddings blur: product names, order numbers, error codes. A chunk's title
(or FAQ question) is counted `title_weight` times, a simple form of BM25F field weighting, so the
words of a question weigh more than the same words somewhere in a long answer.

Scoring is Okapi BM25 with Lucene's IDF, log(1 + (N - n + 0.5) / (n + 0.5)), which stays positive:
rank_bm25's BM25Okapi gives words found in over half the chunks a negative weight, so on a small
help center a question made of common words scores nothing. Postings lists keep a query's cost
proportional to the chunks that contain its words, not to the size of the index.

Words are reduced to their Snowball stem ("archived" and "archive" are one term), as Lucene's
English analyzer and the BM25 baselines of BEIR do; `retrieval.bm25_stemmer` names the language.
Chinese (text without spaces) is segmented into words; see supportbot/text/analyzers.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from supportbot.retrieval.documents import Chunk, ScoredChunk
from supportbot.text.analyzers import Analyzer, TextAnalyzer, tokenize

KEYWORD_COVERAGE = "keyword_coverage"  # the metadata key of BM25Retriever.coverage in a hit


def chunk_terms(chunk: Chunk, title_weight: int, analyze: Analyzer = tokenize) -> list[str]:
    title = chunk.question or " ".join(h for h in (chunk.title, *chunk.headings) if h)
    return analyze(title) * title_weight + analyze(chunk.text)


def top_rows(scores: np.ndarray, n: int) -> np.ndarray:
    """Rows of the n best scores, best first, leaving out zeros (chunks that share no word with the query)."""
    n = min(n, len(scores))
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return top[scores[top] > 0]


class BM25Retriever:
    """Okapi BM25 over chunks; a chunk sharing no word with the query scores 0 and is never returned."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        top_k: int,
        title_weight: int = 2,
        stemmer_language: str = "english",
        k1: float = 1.5,
        b: float = 0.75,
    ) -> None:
        self.chunks = list(chunks)
        self.top_k = top_k
        self.analyze = TextAnalyzer(stemmer_language)
        postings: dict[str, dict[int, int]] = {}
        lengths = np.zeros(len(self.chunks), dtype=np.float64)
        for row, chunk in enumerate(self.chunks):
            terms = chunk_terms(chunk, title_weight, self.analyze)
            lengths[row] = len(terms)
            for term in terms:
                counts = postings.setdefault(term, {})
                counts[row] = counts.get(row, 0) + 1
        # Every term's contribution to every chunk it occurs in is fixed once the index is built, so
        # it is computed here: a query only adds up its terms' weights.
        average_length = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        self._weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, counts in postings.items():
            rows = np.fromiter(counts, dtype=np.int64)
            frequencies = np.fromiter(counts.values(), dtype=np.float64)
            norm = k1 * (1 - b + b * lengths[rows] / average_length)
            self._weights[term] = (rows, self.idf(len(rows)) * frequencies * (k1 + 1) / (frequencies + norm))

    def idf(self, chunks_with_term: int) -> float:
        return float(np.log(1 + (len(self.chunks) - chunks_with_term + 0.5) / (chunks_with_term + 0.5)))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk, in index order."""
        scores = np.zeros(len(self.chunks), dtype=np.float64)
        for term in self.analyze(query):
            if term in self._weights:
                rows, weights = self._weights[term]
                scores[rows] += weights
        return scores

    def coverage(self, query: str) -> np.ndarray:
        """Per chunk, the share of the query's distinct words it contains, each word weighted by its IDF.

        1 when a chunk holds every word; a word no chunk holds still counts in the whole (at the highest
        IDF), so a question about something the documents never mention covers little of any chunk.
        A relevance measure for queries the embedding model cannot read (see retrieval/hybrid.py).
        """
        found = np.zeros(len(self.chunks), dtype=np.float64)
        total = 0.0
        for term in dict.fromkeys(self.analyze(query)):
            rows = self._weights[term][0] if term in self._weights else None
            weight = self.idf(0 if rows is None else len(rows))
            total += weight
            if rows is not None:
                found[rows] += weight
        return found / total if total else found

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        """The k best chunks, each with its BM25 score and keyword coverage (KEYWORD_COVERAGE) in metadata."""
        scores, coverage = self.scores(query), self.coverage(query)
        return [
            ScoredChunk(self.chunks[row], float(scores[row]), {"bm25": float(scores[row]), KEYWORD_COVERAGE: float(coverage[row])})
            for row in top_rows(scores, k)
        ]

    def is_relevant(self, hit: ScoredChunk) -> bool:
        """Every hit shares a word with the query: in keyword-only mode that is the relevance bar."""
        return hit.score > 0

    def retrieve(self, query: str) -> list[ScoredChunk]:
        return self.search(query, self.top_k)

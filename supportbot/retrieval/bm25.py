"""BM25 keyword retrieval over the index's chunks, rebuilt in memory from chunks.jsonl at load.

Keywords catch what embeddings blur: product names, order numbers, error codes. A chunk's title
(or FAQ question) is counted `title_weight` times, a simple form of BM25F field weighting, so the
words of a question weigh more than the same words somewhere in a long answer.

Scoring is Okapi BM25 with Lucene's IDF, log(1 + (N - n + 0.5) / (n + 0.5)), which stays positive:
rank_bm25's BM25Okapi gives words found in over half the chunks a negative weight, so on a small
help center a question made of common words scores nothing. Postings lists keep a query's cost
proportional to the chunks that contain its words, not to the size of the index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from supportbot.retrieval.documents import Chunk, ScoredChunk

_WORD = re.compile(r"\w+", re.UNICODE)
# Function words that carry no topic; short on purpose, so that "not" or "how" stay out of it.
STOPWORDS = frozenset(
    "a an the and or of to in on for is are was were be been it its i my me we our you your do does did "
    "can could would should will with at by from this that these those as if so there their them then".split()
)


def tokenize(text: str) -> list[str]:
    return [word for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


def chunk_terms(chunk: Chunk, title_weight: int) -> list[str]:
    title = chunk.question or " ".join(h for h in (chunk.title, *chunk.headings) if h)
    return tokenize(title) * title_weight + tokenize(chunk.text)


class BM25Retriever:
    """Okapi BM25 over chunks; a chunk sharing no word with the query scores 0 and is never returned."""

    def __init__(self, chunks: Sequence[Chunk], top_k: int, title_weight: int = 2, k1: float = 1.5, b: float = 0.75) -> None:
        self.chunks = list(chunks)
        self.top_k = top_k
        self.k1, self.b = k1, b
        postings: dict[str, dict[int, int]] = {}
        lengths = np.zeros(len(self.chunks), dtype=np.float64)
        for row, chunk in enumerate(self.chunks):
            terms = chunk_terms(chunk, title_weight)
            lengths[row] = len(terms)
            for term in terms:
                counts = postings.setdefault(term, {})
                counts[row] = counts.get(row, 0) + 1
        self._lengths = lengths
        self._average_length = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        self._postings = {
            term: (np.fromiter(counts, dtype=np.int64), np.fromiter(counts.values(), dtype=np.float64))
            for term, counts in postings.items()
        }

    def idf(self, term: str) -> float:
        found = len(self._postings[term][0]) if term in self._postings else 0
        return float(np.log(1 + (len(self.chunks) - found + 0.5) / (found + 0.5)))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk, in index order."""
        scores = np.zeros(len(self.chunks), dtype=np.float64)
        for term in tokenize(query):
            if term not in self._postings:
                continue
            rows, frequencies = self._postings[term]
            norm = self.k1 * (1 - self.b + self.b * self._lengths[rows] / self._average_length)
            scores[rows] += self.idf(term) * frequencies * (self.k1 + 1) / (frequencies + norm)
        return scores

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        scores = self.scores(query)
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [ScoredChunk(self.chunks[row], float(scores[row]), {"bm25": float(scores[row])}) for row in top if scores[row] > 0]

    def retrieve(self, query: str) -> list[ScoredChunk]:
        return self.search(query, self.top_k)

"""Approved answers: texts a support team has signed off on, sent word for word instead of generated.

An FAQ entry with "approved": true, or a Markdown page with `approved: true` in its front matter,
is matched by how close the customer's question is to the entry's question (for a page: to its
title and text). Above `bot.approved_min_score` the bot replies with the approved text exactly and
cites it; below, the entry is an ordinary source for generation. Approved documents are indexed
as one chunk (see retrieval/splitter.py), so the chunk text is the approved text.

A question the embedding model cannot read (`reads`; see retrieval.embedding_languages) matches no
approved entry: all-MiniLM-L6-v2 reads most Chinese characters as one unknown token, so unrelated
Chinese questions score up to 1.0 with each other, and a wrong approved text would be sent as is. Nor
does a question that asks for the opposite action ("turn off" for an entry on turning it on; see
text/opposites.py), however close the embedding model puts the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from supportbot.bot.prompt import Source
from supportbot.retrieval.documents import Chunk
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.index_store import StoredIndex
from supportbot.text.opposites import asks_the_opposite


@dataclass(frozen=True)
class ApprovedMatch:
    """The approved entry a question matched, and how closely (cosine similarity)."""

    chunk: Chunk
    score: float

    @property
    def text(self) -> str:
        return self.chunk.text

    def source(self) -> Source:
        chunk = self.chunk
        return Source(1, chunk.doc_id, chunk.title, chunk.path, chunk.url, self.score, approved=True, text=chunk.text)


class ApprovedAnswers:
    """Finds the approved entry a question asks for, if one is close enough."""

    def __init__(
        self, index: StoredIndex, embedder: SentenceTransformerEmbedder, min_score: float, reads: Callable[[str], bool] | None = None
    ) -> None:
        """`reads`: whether the embedder reads a question (None: every question)."""
        self.embedder = embedder
        self.min_score = min_score
        self.reads = reads
        self.chunks = [chunk for chunk in index.chunks if chunk.approved]
        rows = [row for row, chunk in enumerate(index.chunks) if chunk.approved]
        questions = index.question_vectors
        self.vectors = np.stack(
            [questions[row] if chunk.question and questions is not None else index.vectors[row] for row, chunk in zip(rows, self.chunks)]
        ) if rows else np.zeros((0, index.vectors.shape[1] if index.vectors.ndim == 2 else 0), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.chunks)

    def match(self, question: str) -> ApprovedMatch | None:
        if not self.chunks or self.min_score > 1 or (self.reads is not None and not self.reads(question)):
            return None
        scores = self.vectors @ self.embedder.embed_query(question)
        best = int(np.argmax(scores))
        chunk = self.chunks[best]
        if scores[best] < self.min_score or asks_the_opposite(question, chunk.question or chunk.title):
            return None
        return ApprovedMatch(chunk, float(scores[best]))

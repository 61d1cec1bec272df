"""Answers built from the sources' own sentences: always faithful, in any language the embedder reads, no LM call.

When the best retrieved chunk is an FAQ entry, the answer is that entry's answer. Otherwise each
source sentence, read with its page title and headings, is ranked against the question by
embedding similarity plus keyword overlap (the share of the question's words it contains, each
weighted by how rare it is among the candidates, as BM25's IDF does), and the best one or two are
quoted in their source's order, never reworded, each with its citation.

The same ranking decides whether the sources answer the question at all: when no sentence reaches
`min_relevance` (embedding similarity with the question), there is no extractive answer and the
bot declines instead of quoting something beside the point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from supportbot.bot.citations import SENTENCE_ENDS, CitedSentence, write_cited
from supportbot.bot.grounding import GroundingChecker, SourceSentence, source_sentences
from supportbot.bot.prompt import Source
from supportbot.retrieval.documents import ScoredChunk

# Chosen on the sample docs' answer set and StackFAQ together (benchmarks/README.md, "Extractive answers").
MIN_RELEVANCE = 0.5
KEYWORD_WEIGHT = 0.3  # how much keyword overlap adds to the embedding similarity when ranking sentences
MAX_SENTENCES = 2  # a support answer is short; more sentences mostly add what wasn't asked
NEAR_BEST = 0.9  # a second sentence is quoted only when it ranks nearly as high as the best


@dataclass(frozen=True)
class ExtractiveAnswer:
    """Quoted source sentences, in order, and how relevant the best of them is to the question."""

    sentences: list[CitedSentence]
    relevance: float

    def text(self) -> str:
        return write_cited(self.sentences)


def quotable(sentence: SourceSentence) -> bool:
    """Whether a sentence can stand in an answer: not a heading or a one-word list item ("Fixing rust", "Visa")."""
    words = sentence.text.split()
    return len(words) >= 6 or " | " in sentence.text or sentence.text.rstrip("*_\"'”’)").endswith(SENTENCE_ENDS)


def _in_context(sentence: SourceSentence) -> str:
    """A sentence as its reader meets it: under its FAQ question or page heading ("Phone: Call 1-800-...")."""
    return f"{sentence.context}: {sentence.text}" if sentence.context else sentence.text


class ExtractiveAnswerer:
    """Picks the source sentences that answer a question; shares the checker's embeddings and word analysis."""

    def __init__(self, checker: GroundingChecker, min_relevance: float = MIN_RELEVANCE, max_sentences: int = MAX_SENTENCES) -> None:
        self.checker = checker
        self.min_relevance = min_relevance
        self.max_sentences = max_sentences

    def _keyword_overlap(self, question: str, sentences: Sequence[SourceSentence]) -> np.ndarray:
        words = set(self.checker.analyze(question))
        if not words:
            return np.zeros(len(sentences))
        terms = [set(self.checker.analyze(_in_context(sentence))) for sentence in sentences]
        weight = {word: math.log(1 + len(terms) / (1 + sum(word in t for t in terms))) for word in words}
        total = sum(weight.values())
        return np.array([sum(weight[word] for word in words & t) / total for t in terms])

    def similarity(self, question: str, sentences: Sequence[SourceSentence]) -> np.ndarray:
        """Embedding similarity between the question and each sentence read in its context."""
        if not sentences:
            return np.zeros(0)
        vectors = np.stack([self.checker.vector(_in_context(sentence)) for sentence in sentences])
        return vectors @ self.checker.vector(question)

    def answer(self, question: str, grouped: Sequence[tuple[Source, Sequence[ScoredChunk]]]) -> ExtractiveAnswer | None:
        """The sentences that answer `question`, or None when no source sentence is relevant enough."""
        sentences = [sentence for sentence in source_sentences(grouped) if quotable(sentence)]
        similarity = self.similarity(question, sentences)
        if not len(similarity) or similarity.max() < self.min_relevance:
            return None
        relevance = float(similarity.max())
        source, hits = grouped[0]
        if hits[0].chunk.question:  # the best match is an FAQ entry: its answer, whole
            return ExtractiveAnswer([CitedSentence(hits[0].chunk.text, source.number)], relevance)
        rank = similarity + KEYWORD_WEIGHT * self._keyword_overlap(question, sentences)
        best = float(rank.max())
        chosen = [int(i) for i in np.argsort(-rank)[: self.max_sentences] if rank[i] >= NEAR_BEST * best]
        chosen.sort(key=lambda i: (sentences[i].number, i))  # each source's sentences in the order the model saw them
        return ExtractiveAnswer([CitedSentence(sentences[i].text, sentences[i].number) for i in chosen], relevance)

"""A help center of one page: its only chunk is the best candidate, not the worst, and its score says so.

Weighted fusion min-max normalises each side over the candidates; a lone candidate had nothing to spread over and got
0, so `supportbot chat` listed the answer's one source as "(score 0.00)" and the web API sent "score": 0.0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from supportbot.app import retriever_for_index
from supportbot.config import Config
from supportbot.retrieval.index_store import load_index


def test_the_only_chunk_scores_as_the_best_candidate(refunds_page_index: Path, embedder):
    retriever = retriever_for_index(Config(), load_index(refunds_page_index), embedder)
    (hit,) = retriever.retrieve("How long do refunds take?")
    assert hit.score == pytest.approx(1.0)  # best on both sides
    (hit,) = retriever.search("When is my money back?", 1)  # no word in common: the dense side's share alone
    assert (hit.metadata["bm25"], hit.score) == (0.0, pytest.approx(Config().retrieval.dense_weight))

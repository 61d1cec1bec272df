"""A help center of one page: its only chunk is the best candidate, not the worst, and its score says so.

Weighted fusion min-max normalises each side over the candidates; a lone candidate had nothing to spread over and got
0, so `supportbot chat` listed the answer's one source as "(score 0.00)" and the web API sent "score": 0.0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from supportbot.app import create_index_builder, retriever_for_index
from supportbot.config import Config
from supportbot.retrieval.index_store import load_index

REFUNDS = "# Refunds\n\nRefunds take 5-7 business days after we receive your return.\n"


@pytest.fixture
def one_page_index(tmp_path: Path, embedder) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "refunds.md").write_text(REFUNDS, encoding="utf-8")
    create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
    return tmp_path / "index"


def test_the_only_chunk_scores_as_the_best_candidate(one_page_index: Path, embedder):
    retriever = retriever_for_index(Config(), load_index(one_page_index), embedder)
    (hit,) = retriever.retrieve("How long do refunds take?")
    assert hit.score == pytest.approx(1.0)  # best on both sides
    (hit,) = retriever.search("When is my money back?", 1)  # no word in common: the dense side's share alone
    assert (hit.metadata["bm25"], hit.score) == (0.0, pytest.approx(Config().retrieval.dense_weight))

"""The default hybrid with the bundled English embedder: a Chinese query by keywords alone, an English one as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportbot.app import retriever_for_index
from supportbot.config import Config
from supportbot.retrieval.bm25 import KEYWORD_COVERAGE
from supportbot.retrieval.index_store import load_index

ANSWERS = Path(__file__).resolve().parents[2] / "supportbot" / "sample_data" / "eval" / "answers.jsonl"


@pytest.fixture(scope="module")
def chinese(sample_zh_index_dir, embedder):
    """The default hybrid and BM25 alone over the Chinese sample docs."""
    index = load_index(sample_zh_index_dir)
    return retriever_for_index(Config(), index, embedder), retriever_for_index(Config(), index, embedder, "bm25")


def test_chinese_query_is_ranked_by_bm25_alone(chinese):
    hybrid, bm25 = chinese
    query = "地毯可以寄到邮政信箱吗？"
    hits = hybrid.search(query, 10)
    assert [(hit.chunk.chunk_id, hit.score) for hit in hits] == [(hit.chunk.chunk_id, hit.score) for hit in bm25.search(query, 10)]
    assert hits[0].chunk.doc_id == "shipping/shipping-options-and-rates.md"
    assert "dense" not in hits[0].metadata and hits[0].metadata[KEYWORD_COVERAGE] > 0.5


def test_chinese_query_is_relevant_by_its_keyword_coverage_not_by_cosine(chinese):
    hybrid, _ = chinese
    assert hybrid.retrieve("可以开增值税专用发票吗？") == []  # its only shared word is 可以 ("can"); MiniLM's cosines are ~0.7
    hits = hybrid.retrieve("退貨要多久才能退款")  # Traditional characters find the Simplified pages
    assert hits and all(hit.metadata[KEYWORD_COVERAGE] >= Config().retrieval.min_keyword_coverage for hit in hits)


def test_english_queries_are_ranked_and_judged_exactly_as_before(sample_index_dir, embedder):
    """With the language check off (every query embedded, as before it existed), every score and hit is the same."""
    index = load_index(sample_index_dir)
    before = Config()
    before.retrieval.embedding_languages = ["all"]
    default, reference = retriever_for_index(Config(), index, embedder), retriever_for_index(before, index, embedder)
    questions = [json.loads(line)["question"] for line in ANSWERS.read_text(encoding="utf-8").splitlines() if line.strip()][:20]
    for question in questions:
        hits = default.search(question, 10)
        assert [(h.chunk.chunk_id, h.score, h.metadata) for h in hits] == [
            (h.chunk.chunk_id, h.score, h.metadata) for h in reference.search(question, 10)
        ]
        assert "dense" in hits[0].metadata
        assert [h.chunk.chunk_id for h in default.retrieve(question)] == [h.chunk.chunk_id for h in reference.retrieve(question)]

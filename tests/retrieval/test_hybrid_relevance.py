"""When the default hybrid counts a chunk as relevant: by its cosine, or by holding most of the question's words."""

from __future__ import annotations

from supportbot.app import retriever_for_index
from supportbot.config import Config
from supportbot.retrieval.hybrid import FOUND_BY_KEYWORDS
from supportbot.retrieval.index_store import load_index

PAYMENTS = "billing/payment-methods.md"


def _retriever(sample_index_dir, embedder, **retrieval):
    config = Config()
    for name, value in retrieval.items():
        setattr(config.retrieval, name, value)
    return retriever_for_index(config, load_index(sample_index_dir), embedder)


def test_a_page_holding_the_questions_rare_words_is_relevant_under_the_cosine_bar(sample_index_dir, embedder):
    # MiniLM scores the payment page ~0.31 for this question (retrieval.min_score is 0.35); it lists American Express.
    hits = _retriever(sample_index_dir, embedder).retrieve("Do you take American Express?")
    payments = [hit for hit in hits if hit.chunk.doc_id == PAYMENTS]
    assert payments and all(hit.metadata[FOUND_BY_KEYWORDS] for hit in payments), [h.chunk.chunk_id for h in hits]
    assert all(FOUND_BY_KEYWORDS not in hit.metadata for hit in hits if hit.metadata["dense"] >= Config().retrieval.min_score)


def test_without_the_keyword_bar_only_the_cosine_decides(sample_index_dir, embedder):
    hits = _retriever(sample_index_dir, embedder, relevant_keyword_coverage=1.01).retrieve("Do you take American Express?")
    assert PAYMENTS not in {hit.chunk.doc_id for hit in hits}


def test_a_question_about_something_the_docs_never_mention_finds_nothing_by_its_words(sample_index_dir, embedder):
    hits = _retriever(sample_index_dir, embedder).retrieve("Are you hiring at the warehouse?")
    assert not [hit for hit in hits if hit.metadata.get(FOUND_BY_KEYWORDS)], [h.chunk.chunk_id for h in hits]

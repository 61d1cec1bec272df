"""A cross-encoder reranker over the configured pipeline, with a real CrossEncoder and a real FAISS index."""

from __future__ import annotations

import numpy as np
import pytest
from sentence_transformers import CrossEncoder

from supportbot.app import retriever_for_index
from supportbot.config import Config
from supportbot.errors import ConfigError, ModelLoadError
from supportbot.retrieval.index_store import load_index
from supportbot.retrieval.reranker import CrossEncoderReranker, RerankingRetriever

QUESTION = "How long do refunds take after I send something back?"


def _config(reranker: str, candidates: int = 8) -> Config:
    config = Config()
    config.retrieval.reranker = reranker
    config.retrieval.rerank_candidates = candidates
    return config


def test_the_pipelines_candidates_come_back_in_the_cross_encoders_order(sample_index_dir, embedder, cross_encoder_dir):
    retriever = retriever_for_index(_config(str(cross_encoder_dir)), load_index(sample_index_dir), embedder)
    assert isinstance(retriever, RerankingRetriever)
    candidates = retriever.pipeline.search(QUESTION, 8)
    scores = CrossEncoder(str(cross_encoder_dir), device="cpu").predict([(QUESTION, hit.chunk.embedding_text()) for hit in candidates])
    expected = [candidates[i].chunk.chunk_id for i in np.argsort(-scores, kind="stable")[:5]]

    hits = retriever.search(QUESTION, 5)
    assert [hit.chunk.chunk_id for hit in hits] == expected
    assert expected != [hit.chunk.chunk_id for hit in candidates[:5]]  # the reranker did reorder
    assert all({"rerank", "retrieval", "dense", "bm25"} <= set(hit.metadata) for hit in hits)

    deeper = retriever.search(QUESTION, 12)  # past rerank_candidates the pipeline's order stands
    assert [hit.chunk.chunk_id for hit in deeper[:8]] == [candidates[i].chunk.chunk_id for i in np.argsort(-scores, kind="stable")]
    assert [hit.chunk.chunk_id for hit in deeper[8:]] == [hit.chunk.chunk_id for hit in retriever.pipeline.search(QUESTION, 12)[8:]]
    assert all("rerank" not in hit.metadata for hit in deeper[8:])


def test_reranking_keeps_the_pipelines_relevance_bar(sample_index_dir, embedder, cross_encoder_dir):
    retriever = retriever_for_index(_config(str(cross_encoder_dir)), load_index(sample_index_dir), embedder)
    assert retriever.retrieve("Who won the football world cup in 1998?") == []  # the bot still falls back
    hits = retriever.retrieve(QUESTION)
    assert 0 < len(hits) <= Config().retrieval.top_k
    assert all(retriever.pipeline.is_relevant(hit) for hit in hits)


def test_a_missing_reranker_is_a_one_line_error_naming_the_setting(sample_index_dir, embedder, tmp_path):
    retriever = retriever_for_index(_config(str(tmp_path / "no-such-reranker")), load_index(sample_index_dir), embedder)
    with pytest.raises(ModelLoadError, match=r"cannot load reranker .*no-such-reranker.*set retrieval\.reranker") as error:
        retriever.warm_up()
    assert "\n" not in str(error.value)


def test_rerank_candidates_below_one_is_a_config_error():
    with pytest.raises(ConfigError, match="retrieval.rerank_candidates must be at least 1"):
        CrossEncoderReranker("unused", candidates=0)

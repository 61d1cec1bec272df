"""Query and document prompts: E5/BGE-style models rank worse without the text they were trained with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from supportbot.app import create_index_builder
from supportbot.config import Config
from supportbot.errors import IndexMismatchError
from supportbot.model_sources import bundled_path
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.index_store import load_index

QUESTION = "Where is my order?"
PASSAGE = "Orders ship within two business days; the tracking link arrives by email."


@pytest.fixture(scope="module")
def model_with_prompts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled MiniLM as a model that declares its prompts, the way E5-style models ship them."""
    source = bundled_path("all-minilm-l6-v2")
    folder = tmp_path_factory.mktemp("minilm-with-prompts")
    for entry in source.iterdir():
        if entry.name != "config_sentence_transformers.json":
            (folder / entry.name).symlink_to(entry)
    settings = json.loads((source / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    settings["prompts"] = {"query": "query: ", "passage": "passage: "}
    (folder / "config_sentence_transformers.json").write_text(json.dumps(settings), encoding="utf-8")
    return folder


@pytest.mark.parametrize("query_encoder", ["onnx", "torch"])
def test_a_models_own_prompts_go_before_queries_and_documents(model_with_prompts, embedder, tmp_path, query_encoder):
    prompted = SentenceTransformerEmbedder(str(model_with_prompts), query_encoder=query_encoder, cache_dir=tmp_path)
    prompted.warm_up()
    assert (prompted.query_prompt, prompted.document_prompt) == ("query: ", "passage: ")
    assert (prompted._onnx is not None) == (query_encoder == "onnx")
    query_vector = prompted.embed_query(QUESTION)
    assert np.allclose(query_vector, embedder.embed_documents(["query: " + QUESTION])[0], atol=1e-5)
    assert not np.allclose(query_vector, embedder.embed_documents([QUESTION])[0], atol=1e-3)
    assert np.allclose(prompted.embed_documents([PASSAGE]), embedder.embed_documents(["passage: " + PASSAGE]), atol=1e-5)


def test_configured_prompts_apply_to_a_model_without_its_own(embedder, tmp_path):
    prompted = SentenceTransformerEmbedder(
        "bundled:all-minilm-l6-v2", query_encoder="onnx", cache_dir=tmp_path, query_prompt="question: ", document_prompt="answer: "
    )
    assert (embedder.query_prompt, embedder.document_prompt) == ("", "")
    assert np.allclose(prompted.embed_query(QUESTION), embedder.embed_documents(["question: " + QUESTION])[0], atol=1e-5)
    assert np.allclose(prompted.embed_documents([PASSAGE]), embedder.embed_documents(["answer: " + PASSAGE]), atol=1e-5)


def test_an_index_built_with_another_document_prompt_is_refused_until_rebuilt(embedder, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "shipping.md").write_text(f"# Shipping\n\n{PASSAGE}\n", encoding="utf-8")
    (docs / "returns.md").write_text("# Returns\n\nReturn any item within 30 days for a full refund.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    prompted = SentenceTransformerEmbedder("bundled:all-minilm-l6-v2", document_prompt="passage: ")
    create_index_builder(Config(), prompted, show_progress=False).build([str(docs)], index_dir)
    assert load_index(index_dir).manifest.document_prompt == "passage: "

    with pytest.raises(IndexMismatchError, match=r"built with document prompt 'passage: ' but the embedder now uses ''.*rebuild it"):
        DenseRetriever(load_index(index_dir), embedder, top_k=2, min_score=0.3).warm_up()

    report = create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], index_dir)
    assert report.files_reused == 0 and report.chunks_embedded == report.chunks > 0  # nothing kept from the old vectors
    retriever = DenseRetriever(load_index(index_dir), embedder, top_k=2, min_score=0.3)
    retriever.warm_up()
    assert retriever.search("When will my parcel ship?", 1)[0].chunk.doc_id == "shipping.md"

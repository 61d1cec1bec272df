"""Field-aware indexing with the bundled embedding model: a paraphrase of an FAQ question finds its entry."""

import json

import numpy as np
import pytest

from supportbot.config import Config
from supportbot.app import create_index_builder, retriever_for_index
from supportbot.retrieval.index_store import load_index, read_manifest

LONG_ANSWER = (
    "Our loyalty programme has three tiers. Bronze members earn one point per dollar, silver members earn "
    "two points, and gold members earn three points and free express shipping. Points can be redeemed at "
    "checkout in steps of 100. Birthday rewards arrive by email in the month of your birthday. "
) * 3 + "To stop the emails, open Account > Email preferences and untick the newsletter box."

FAQ = [
    {"id": "unsubscribe", "question": "How do I unsubscribe from marketing emails?", "answer": LONG_ANSWER},
    {"id": "tiers", "question": "What are the loyalty programme tiers?", "answer": "Bronze, silver and gold."},
    {"id": "points", "question": "How do I redeem my points?", "answer": "At checkout, in steps of 100 points."},
    {"id": "birthday", "question": "When do I get my birthday reward?", "answer": "In your birthday month, by email."},
]


@pytest.fixture(scope="module")
def faq_index(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("faq")
    (folder / "faq.jsonl").write_text("".join(json.dumps(entry) + "\n" for entry in FAQ), encoding="utf-8")
    index_dir = folder / "index"
    create_index_builder(Config(), embedder, show_progress=False).build([str(folder / "faq.jsonl")], index_dir)
    return index_dir


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_paraphrase_of_question_retrieves_its_entry_first(faq_index, embedder, mode):
    retriever = retriever_for_index(Config(), load_index(faq_index), embedder, mode)
    hits = retriever.search("how can I stop getting your promotional newsletters", 3)
    assert hits[0].chunk.doc_id == "faq.jsonl#unsubscribe"


def test_manifest_records_fields_and_index_type(faq_index):
    manifest = read_manifest(faq_index)
    assert manifest.fields == ["passage", "question"]
    assert manifest.index_type == "flat"
    assert manifest.faiss_index == "IndexFlatIP"


def test_question_vectors_are_the_embedded_questions(faq_index, embedder):
    index = load_index(faq_index)
    row = next(i for i, chunk in enumerate(index.chunks) if chunk.doc_id == "faq.jsonl#points")
    expected = embedder.embed_documents(["How do I redeem my points?"])[0]
    assert np.allclose(index.question_vectors[row], expected, atol=1e-5)

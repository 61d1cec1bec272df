"""The figures' harness on an answer set over document files: a hand-made set scored exactly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from supportbot.app import retriever_for_index
from supportbot.config import Config
from supportbot.errors import DatasetError
from supportbot.evaluation.retrieval_eval import build_eval_index, evaluate_search, load_docs_eval_set

PAGES = {
    "reset-password.md": "# Reset your password\n\nClick the forgot password link on the sign-in page.\n",
    "shipping.md": "# Shipping times\n\nStandard parcels arrive in five days.\n",
    "returns.md": "# Returns\n\nSend parcels back within thirty days.\n",
}
# BM25 mode: "forgot password" shares words with reset-password.md only (rank 1); "parcels" is in
# shipping.md and returns.md, both judged, so R@1 is 1/2 and the ranking is ideal (nDCG 1); "gift
# wrapping" shares no word with any page (all zero); the last line names no document (skipped).
QUESTIONS = [
    {"question": "forgot password", "answer": "Use the link.", "doc_ids": ["reset-password.md"]},
    {"question": "parcels", "answer": "Five days; thirty days to send back.", "doc_ids": ["shipping.md", "returns.md"]},
    {"question": "gift wrapping", "answer": "We don't wrap.", "doc_ids": ["returns.md"]},
    {"question": "is anyone there?", "answer": "Yes."},
]
EXPECTED = {"R@1": (1 + 0.5 + 0) / 3, "R@5": (1 + 1 + 0) / 3, "MRR@10": (1 + 1 + 0) / 3, "nDCG@10": (1 + 1 + 0) / 3}


def _write(tmp_path: Path, questions=QUESTIONS) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in PAGES.items():
        (docs / name).write_text(text, encoding="utf-8")
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps(line) + "\n" for line in questions), encoding="utf-8")
    return docs, answers


def test_an_answer_set_over_files_is_scored_exactly(tmp_path: Path, embedder):
    docs, answers = _write(tmp_path)
    dataset, documents = load_docs_eval_set([str(docs)], answers)
    assert len(dataset.queries) == 3 and sorted(dataset.corpus) == sorted(PAGES)
    config = Config()
    index = build_eval_index(config, dataset, tmp_path / "index", embedder, False, documents)
    metrics = evaluate_search("bm25", retriever_for_index(config, index, embedder, "bm25").search, dataset).metrics
    for key, value in EXPECTED.items():
        assert metrics[key] == pytest.approx(value, abs=1e-9), key
    assert not math.isnan(metrics["p50_ms"])


def test_a_question_naming_an_unknown_document_is_one_line_naming_it(tmp_path: Path):
    docs, answers = _write(tmp_path, [{"question": "q", "answer": "a", "doc_ids": ["faq.jsonl#9"]}])
    with pytest.raises(DatasetError, match=r"question 1 names 'faq.jsonl#9', which is not a document of"):
        load_docs_eval_set([str(docs)], answers)

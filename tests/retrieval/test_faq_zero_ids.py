"""FAQ JSONL ids of 0: an id like any other, not a missing one (files numbered from 0 are common)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportbot.app import create_index_builder
from supportbot.config import Config
from supportbot.retrieval.faq_jsonl import read_faq_lines
from supportbot.retrieval.index_store import load_index

FAQ = Path("faq.jsonl")


@pytest.mark.parametrize(("given", "entry_id"), [(0, "0"), ("0", "0"), (0.0, "0.0")])
def test_an_id_of_zero_is_the_entrys_id(given, entry_id):
    (entry,) = read_faq_lines("\n\n" + json.dumps({"question": "Q?", "answer": "A.", "id": given}) + "\n", FAQ)
    assert (entry.entry_id, entry.id_from_line, entry.notes) == (entry_id, False, ())


@pytest.mark.parametrize("given", [None, ""])
def test_a_null_or_empty_id_is_the_line_number_without_a_note(given):
    (entry,) = read_faq_lines("\n" + json.dumps({"question": "Q?", "answer": "A.", "id": given}) + "\n", FAQ)
    assert (entry.entry_id, entry.id_from_line, entry.notes) == ("2", True, ())


def test_an_empty_list_as_id_is_the_line_number_with_a_note_as_any_list_is():
    (entry,) = read_faq_lines(json.dumps({"question": "Q?", "answer": "A.", "id": []}) + "\n", FAQ)
    assert (entry.entry_id, entry.id_from_line) == ("1", True)
    assert entry.notes == ('"id" must be a string or a number, not []; indexed by its line number, 1',)


def test_a_file_numbered_from_zero_is_indexed_under_its_own_ids_without_warnings(tmp_path: Path, embedder):
    # Entry 0 was indexed as "faq.jsonl#1" (its line number), clashed with entry 1's id and was renamed "line1"
    # with a warning telling the user to give it an id of its own, which it had.
    docs = tmp_path / "docs"
    docs.mkdir()
    entries = [
        {"id": 0, "question": "How do I reset my password?", "answer": "Use the Forgot password link."},
        {"id": 1, "question": "How long do refunds take?", "answer": "Refunds take 5-7 business days."},
        {"id": 2, "question": "Do you ship to Canada?", "answer": "Yes, in 5-10 business days."},
    ]
    (docs / "faq.jsonl").write_text("".join(json.dumps(entry) + "\n" for entry in entries), encoding="utf-8")
    report = create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
    assert report.warnings == []
    chunks = load_index(tmp_path / "index").chunks
    assert sorted((chunk.doc_id, chunk.title) for chunk in chunks) == [
        ("faq.jsonl#0", "How do I reset my password?"),
        ("faq.jsonl#1", "How long do refunds take?"),
        ("faq.jsonl#2", "Do you ship to Canada?"),
    ]

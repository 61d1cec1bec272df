"""The FAQ JSONL reader shared by the index loader and `finetune prepare`: entries, and bad lines as problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportbot.retrieval.faq_jsonl import FaqEntry, FaqLineProblem, read_faq_lines

FAQ = Path("faq.jsonl")


def test_entry_reads_id_url_and_approved_and_strips_question_and_answer():
    line = json.dumps({"question": " Q? ", "answer": " A. ", "id": "returns", "url": "https://x/returns", "approved": True})
    assert list(read_faq_lines(line + "\n", FAQ)) == [FaqEntry(1, "Q?", "A.", "returns", "https://x/returns", True)]


def test_entry_without_id_is_known_by_its_line_number_and_blank_lines_count():
    (entry,) = read_faq_lines('\n\n{"question": "Q?", "answer": "A.", "approved": "yes"}\n', FAQ)
    assert (entry.line_number, entry.entry_id, entry.url, entry.approved) == (3, "3", "", False)


def test_answer_with_a_unicode_line_separator_stays_one_entry():
    line = json.dumps({"question": "Q?", "answer": "First.\u2028Second."}, ensure_ascii=False)
    (entry,) = read_faq_lines(line + "\r\n", FAQ)
    assert entry.answer == "First.\u2028Second."


@pytest.mark.parametrize(("line", "description"), [
    ("{not json", "not valid JSON (Expecting property name enclosed in double quotes at column 2); each line must be one JSON object"),
    ('["Q?", "A."]', 'expected an object like {"question": ..., "answer": ...}, got a list'),
    ('{"answer": "A."}', 'no "question"; each line needs non-empty "question" and "answer" strings'),
    ('{"question": "Q?", "answer": " "}', '"answer" is empty; each line needs non-empty "question" and "answer" strings'),
    ('{"question": "Q?", "answer": null}', '"answer" is null, not a string; each line needs non-empty "question" and "answer" strings'),
    ('{"question": 7, "answer": "A."}', '"question" is a number, not a string; each line needs non-empty "question" and "answer" strings'),
])
def test_bad_line_is_a_problem_naming_its_line_and_the_fix(line, description):
    items = list(read_faq_lines(f'{{"question": "Q?", "answer": "A."}}\n{line}\n', FAQ))
    assert items[1] == FaqLineProblem(FAQ, 2, description)
    assert items[1].location == "faq.jsonl:2"


def test_line_holding_a_string_is_a_problem_that_names_it_a_string():
    (item,) = read_faq_lines('"Do you ship to Canada?"\n', FAQ)
    assert item == FaqLineProblem(FAQ, 1, 'expected an object like {"question": ..., "answer": ...}, got a string')


@pytest.mark.parametrize("url", [None, ""])
def test_null_or_empty_url_is_no_url_without_a_note(url):
    (entry,) = read_faq_lines(json.dumps({"question": "Q?", "answer": "A.", "url": url}) + "\n", FAQ)
    assert (entry.url, entry.notes) == ("", ())


def test_url_that_is_not_a_string_is_left_out_with_a_note():
    (entry,) = read_faq_lines('{"question": "Q?", "answer": "A.", "url": 5}\n', FAQ)
    assert (entry.url, entry.notes) == ("", ('"url" must be a string, not 5; indexed without a url',))


@pytest.mark.parametrize(("approved", "shown"), [("yes", '"yes"'), ("true", '"true"'), (1, "1")])
def test_approved_other_than_true_or_false_is_not_approved_with_a_note(approved, shown):
    (entry,) = read_faq_lines(json.dumps({"question": "Q?", "answer": "A.", "approved": approved}) + "\n", FAQ)
    assert entry.approved is False
    assert entry.notes == (f'"approved" must be true or false, not {shown}; the entry is not approved',)


@pytest.mark.parametrize(("approved", "expected"), [(True, True), (False, False), (None, False)])
def test_approved_true_false_or_null_needs_no_note(approved, expected):
    (entry,) = read_faq_lines(json.dumps({"question": "Q?", "answer": "A.", "approved": approved}) + "\n", FAQ)
    assert (entry.approved, entry.notes) == (expected, ())


@pytest.mark.parametrize("given", [True, ["a"], {"x": 1}])
def test_id_that_is_not_a_string_or_number_is_the_line_number_with_a_note(given):
    (entry,) = read_faq_lines(json.dumps({"question": "Q?", "answer": "A.", "id": given}) + "\n", FAQ)
    assert (entry.entry_id, entry.id_from_line) == ("1", True)
    assert entry.notes[0].startswith('"id" must be a string or a number, not ') and entry.notes[0].endswith("line number, 1")

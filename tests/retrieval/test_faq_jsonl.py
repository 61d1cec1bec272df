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

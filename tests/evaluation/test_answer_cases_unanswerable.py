"""`eval answers` cases for questions the documents don't answer: they are scored on declining, so need no reference."""

import json

import pytest
from click.testing import CliRunner

from supportbot.cli import main
from supportbot.errors import DatasetError
from supportbot.evaluation.answers import load_answer_cases


@pytest.mark.parametrize("answer", ['"answer": "", ', '"answer": null, ', '"answer": "  ", ', ""])
def test_an_unanswerable_case_needs_no_reference_answer(tmp_path, answer):
    path = tmp_path / "qa.jsonl"
    path.write_text(
        '{"question": "How long do refunds take?", "answer": "5-7 business days."}\n'
        f'{{"question": " Do you sell skateboards? ", {answer}"answerable": false, "history": ["hi"]}}\n',
        encoding="utf-8",
    )
    answerable, unanswerable = load_answer_cases(path)
    assert answerable.answerable and answerable.answer == "5-7 business days."
    assert unanswerable.question == "Do you sell skateboards?" and unanswerable.answer == "" and not unanswerable.answerable
    assert unanswerable.history == ("hi",)


def test_an_answerable_case_without_a_reference_says_how_to_mark_it_unanswerable(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text('{"question": "Do you sell skateboards?", "answer": ""}\n', encoding="utf-8")
    with pytest.raises(DatasetError) as raised:
        load_answer_cases(path)
    assert str(raised.value) == (
        f'{path}:1: "answer" is empty; each line needs non-empty "question" and "answer" strings; '
        "a question the documents don't answer needs none: mark it \"answerable\": false"
    )


def test_an_unanswerable_case_still_needs_its_question_and_checked_fields(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text('{"question": "", "answerable": false}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r'qa\.jsonl:1: "question" is empty'):
        load_answer_cases(path)
    path.write_text('{"question": "Skateboards?", "answerable": false, "doc_ids": "faq.jsonl#3"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r'qa\.jsonl:1: "doc_ids" must be a list'):
        load_answer_cases(path)


@pytest.mark.slow
def test_eval_answers_scores_an_unanswerable_case_without_reference_on_declining(tmp_path, sample_index_dir, monkeypatch):
    monkeypatch.setenv("SUPPORTBOT_PATHS_INDEX_DIR", str(sample_index_dir))
    monkeypatch.setenv("SUPPORTBOT_BOT_ANSWER_MODE", "extractive")
    qa = tmp_path / "qa.jsonl"
    qa.write_text('{"question": "Do you sell skateboards?", "answer": "", "answerable": false}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "answers", str(qa), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["cases"] == 1 and report["decline_rate_unanswerable"] == 1.0 and report["rouge_l"] is None

import json

import pytest
from click.testing import CliRunner

from supportbot.cli import main
from supportbot.retrieval.loaders import sample_docs_dir


@pytest.mark.slow
def test_eval_answers_counts_an_approved_answer_as_right(tmp_path):
    first = json.loads((sample_docs_dir() / "faq.jsonl").read_text(encoding="utf-8").splitlines()[0])
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"question": first["question"], "answer": first["answer"], "doc_ids": ["faq.jsonl#1"]}) + "\n")
    result = CliRunner().invoke(main, ["eval", "answers", str(qa), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["cases"] == 1
    assert report["approved_rate"] == 1.0 and report["approved_right_rate"] == 1.0
    assert report["rouge_l"] == 1.0 and report["cited_relevant_rate"] == 1.0


@pytest.mark.slow
def test_eval_answers_compares_modes_and_writes_the_details_of_each_answer(tmp_path):
    qa = tmp_path / "qa.jsonl"
    lines = [
        {"question": "How long do refunds take?", "answer": "Refunds take 5-7 business days after we receive your return.", "doc_ids": ["returns/refund-timing.md", "faq.jsonl#17"]},
        {"question": "And if I paid with a gift card?", "answer": "It goes back to the gift card.", "history": ["How long do refunds take?"]},
        {"question": "Do you have a store in Chicago?", "answer": "I don't know.", "answerable": False},
    ]
    qa.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    details = tmp_path / "details.jsonl"
    result = CliRunner().invoke(
        main, ["eval", "answers", str(qa), "--compare", "extractive,grounded", "--details", str(details), "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    modes = json.loads(result.stdout.strip().splitlines()[-1])["modes"]
    assert set(modes) == {"extractive", "grounded"}
    for report in modes.values():
        assert report["cases"] == 3 and report["unsupported_number_rate"] == 0.0
        assert report["decline_rate_unanswerable"] == 1.0 and report["decline_rate"] == 0.0
        assert 0 < report["supported_sentence_rate"] <= 1.0 and report["rouge_l"] > 0
    written = [json.loads(line) for line in details.read_text(encoding="utf-8").splitlines()]
    assert len(written) == 6 and {"question", "answer", "kind", "reference", "sources"} <= set(written[0])
    refunds = written[0]
    assert "5-7 business days" in refunds["answer"] and refunds["kind"] == "extractive"
    assert all(set(source) >= {"id", "text"} and source["text"] for source in refunds["sources"])
    assert any("5-7 business days" in source["text"] for source in refunds["sources"])
    assert written[2]["kind"] == "fallback" and written[2]["sources"] == []


def test_bad_compare_mode_names_the_choices(tmp_path):
    result = CliRunner().invoke(main, ["eval", "answers", str(tmp_path / "qa.jsonl"), "--compare", "creative"])
    assert result.exit_code == 2 and "choose from grounded, extractive, generative" in result.output

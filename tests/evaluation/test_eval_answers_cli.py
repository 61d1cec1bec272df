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

"""`supportbot eval`: arguments that must be refused before anything loads."""

from __future__ import annotations

from click.testing import CliRunner

from supportbot.cli import main


def test_answers_refuses_details_written_over_the_dataset(tmp_path):
    dataset = tmp_path / "good.jsonl"
    dataset.write_text('{"question": "How long is delivery?", "answer": "5 days."}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "answers", str(dataset), "--details", str(dataset)])
    assert result.exit_code == 2
    assert result.output.strip() == "error: --details is the input file: choose another path"
    assert dataset.read_text(encoding="utf-8") == '{"question": "How long is delivery?", "answer": "5 days."}\n'

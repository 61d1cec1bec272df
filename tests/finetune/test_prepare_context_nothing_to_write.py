"""`finetune prepare --context` where the bot would ask its model for none of the replies: an error, not an empty file."""

from __future__ import annotations

import json

from click.testing import CliRunner

from supportbot.cli import main

OFF_TOPIC = [  # nothing in an index of one refunds page is close to these: the bot declines each (a fallback)
    ("Who won the football world cup in 1998?", "France won it, at home."),
    ("What is the capital of Peru?", "Lima is the capital of Peru."),
]


def test_nothing_to_write_is_a_one_line_error_and_the_previous_output_is_kept(refunds_page_index, tmp_path):
    source = tmp_path / "dialogues.jsonl"
    source.write_text(
        "".join(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}) + "\n" for q, a in OFF_TOPIC),
        encoding="utf-8",
    )
    output = tmp_path / "prepared.jsonl"
    output.write_text('{"messages": "from an earlier run"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        main, ["finetune", "prepare", str(source), "-o", str(output), "--context", str(refunds_page_index)], catch_exceptions=False
    )
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: nothing written to {output}: 0 examples (")
    assert "skipped: 2 fallback" in line and f"The bot over {refunds_page_index} asks its model for none of these replies" in line
    assert output.read_text(encoding="utf-8") == '{"messages": "from an earlier run"}\n'
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith("prepared")] == ["prepared.jsonl"]  # no staging file left

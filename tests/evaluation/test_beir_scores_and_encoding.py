"""`supportbot eval retrieval` on a hand-made BEIR folder with a score or a file it cannot use: one line naming both."""

import pytest
from beir_fixtures import write_beir
from click.testing import CliRunner

from supportbot.cli import main


def run_eval(folder):
    return CliRunner().invoke(main, ["eval", "retrieval", str(folder), "--json"], catch_exceptions=False)


@pytest.mark.parametrize("score", ["inf", "-inf", "1e999", "nan", "0.5"])
def test_a_relevance_score_that_is_no_whole_number_is_one_line_naming_the_line(tmp_path, score):
    folder = write_beir(tmp_path / "ds", qrels=[("q1", "d1", 1), ("q2", "d3", score)])
    result = run_eval(folder)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line == (
        f"error: {folder / 'qrels' / 'test.tsv'}:3: relevance score {score!r} is not a whole number: "
        "use 1 (relevant), 2, 3 ... or 0 (not)"
    )


@pytest.mark.parametrize(
    ("name", "latin_1_line"),
    [
        ("corpus.jsonl", '{"_id": "d4", "title": "Caf\u00e9 hours", "text": "Open daily."}'),
        ("queries.jsonl", '{"_id": "q5", "text": "caf\u00e9 hours"}'),
        ("qrels/test.tsv", "q1\td1\t1\t# caf\u00e9"),
    ],
)
def test_a_file_saved_in_latin_1_is_one_line_saying_to_re_save_it_as_utf_8(tmp_path, name, latin_1_line):
    path = write_beir(tmp_path / "ds") / name
    lines = len(path.read_text(encoding="utf-8").splitlines())
    path.write_bytes(path.read_bytes() + (latin_1_line + "\n").encode("latin-1"))
    result = run_eval(tmp_path / "ds")
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    column = latin_1_line.index("\u00e9") + 1
    assert line == f"error: {path}:{lines + 1}: not UTF-8 text (byte 0xe9 at column {column}); re-save it as UTF-8"


def test_a_byte_order_mark_is_read_past(tmp_path):
    folder = write_beir(tmp_path / "ds")
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        path = folder / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Windows' Notepad saves "UTF-8"
    result = run_eval(folder)
    assert result.exit_code == 0, result.output

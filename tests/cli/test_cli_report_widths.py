"""`supportbot report gaps` as a table in a terminal: a Chinese question's row lines up with the others."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from test_cli_report_cells import declined_store, run_report


def columns_before(row: str, text: str) -> int:
    """The terminal column where `text` starts in `row` (a wide character takes two)."""
    head = row[: row.index(text)]
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in head)


@pytest.mark.slow
def test_a_chinese_question_does_not_push_its_rows_columns_right(tmp_path: Path):
    long_chinese = "我上周在你们网站下的订单一直没有发货，客服电话也打不通，请问我应该怎么办才能尽快拿到我的东西或者退款呢？"
    url = declined_store(tmp_path, "退款需要多长时间？", "Do you sell spaceships on Mars?", long_chinese)
    result = run_report(url)
    assert result.returncode == 0, result.stderr
    header, *rows, _total = result.stdout.splitlines()
    assert len(rows) == 3
    why = columns_before(header, "why")
    assert [columns_before(row, "declined 1") for row in rows] == [why] * 3  # was 9 and 38 columns further right
    cut = next(row for row in rows if "我上周" in row)
    assert "…" in cut and columns_before(cut, "…") < why  # a question too wide for its column is cut within it

"""What each channel makes of an answer's Markdown (text/markup.py)."""

from __future__ import annotations

from supportbot.text.markup import as_aligned_tables


def test_a_table_lines_up_in_a_terminal_with_wide_characters_and_escaped_pipes():
    # Padded by characters, a Chinese cell (two columns each) pushed its row's pipes out of line; "\\|" showed its "\\".
    table = "| 地区 | 运费 |\n| --- | --- |\n| 香港 | $5 |\n| United Kingdom | `a \\| b` |"
    assert as_aligned_tables(table).split("\n") == [
        "| 地区           | 运费    |",
        "|----------------|---------|",
        "| 香港           | $5      |",
        "| United Kingdom | `a | b` |",
    ]

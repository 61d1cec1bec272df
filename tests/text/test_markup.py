"""What each channel makes of an answer's Markdown (text/markup.py)."""

from __future__ import annotations

from supportbot.text.markup import as_aligned_tables, as_plain_links, without_bold_marks, without_delimiter_rows


def test_a_table_lines_up_in_a_terminal_with_wide_characters_and_escaped_pipes():
    # Padded by characters, a Chinese cell (two columns each) pushed its row's pipes out of line; "\\|" showed its "\\".
    table = "| 地区 | 运费 |\n| --- | --- |\n| 香港 | $5 |\n| United Kingdom | `a \\| b` |"
    assert as_aligned_tables(table).split("\n") == [
        "| 地区           | 运费    |",
        "|----------------|---------|",
        "| 香港           | $5      |",
        "| United Kingdom | `a | b` |",
    ]


def test_a_table_that_names_no_columns_shows_no_line_of_empty_names():
    # An HTML table without a header row is read under a header of empty cells, which Markdown needs.
    table = "Regions:\n\n|  |  |\n| --- | --- |\n| European Union | eu.api.larkspur.example [1] |"
    assert as_aligned_tables(table).split("\n")[2:] == ["|----------------|-----------------------------|", "| European Union | eu.api.larkspur.example [1] |"]
    assert without_delimiter_rows(table) == "Regions:\n\n| European Union | eu.api.larkspur.example [1] |"


def test_code_is_left_as_it_is_in_every_channel():
    # "z = x**2 + y**2" in Slack read "z = x*2 + y*2", a code line of dashes was dropped as a delimiter row, and the
    # console showed "`Client(**opts)`" as "`Client(opts)`".
    from supportbot.channels.slack.blocks import link_citations

    code = "```\nz = x**2 + y**2\n|----|\n| a | b |\n```"
    assert link_citations(f"Square it:\n\n{code}\n[1] **Done.**", []) == f"Square it:\n\n{code}\n[1] *Done.*"
    assert without_bold_marks("Call `Client(**opts)`, **then** wait.") == "Call `Client(**opts)`, then wait."
    assert as_aligned_tables(f"Text\n\n{code}") == f"Text\n\n{code}"
    assert as_plain_links("[a](https://x.example) `[b](https://y.example)`") == "a (https://x.example) `[b](https://y.example)`"


def test_bold_holding_code_is_bold_in_slack():
    # "**Run `make`**" reached Slack with its double asterisks, which mrkdwn shows as they are.
    from supportbot.channels.slack.blocks import link_citations

    assert link_citations("First **run `make`**, then `x**2` and **go**. [1]", []) == "First *run `make`*, then `x**2` and *go*. [1]"

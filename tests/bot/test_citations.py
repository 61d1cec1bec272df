"""Citation markers: one per run of sentences from a source, after the run."""

from __future__ import annotations

from itertools import pairwise

from supportbot.bot.citations import (
    MARKER,
    CitationWriter,
    CitedSentence,
    citation_spans,
    cited_numbers,
    cited_whole,
    write_cited,
)
from supportbot.bot.grounding import strip_citations
from supportbot.bot.prompt import Source
from supportbot.channels.console import shown
from supportbot.channels.slack.blocks import link_citations
from supportbot.text.sentences import code_spans, split_sentences


def test_a_run_of_sentences_from_one_source_gets_one_marker_after_it():
    text = write_cited([CitedSentence("A.", 1), CitedSentence("B.", 1), CitedSentence("C.", 2), CitedSentence("Anything else?", None)])
    assert text == "A. B. [1] C. [2] Anything else?"
    assert cited_numbers(text) == [1, 2]


def test_streamed_text_adds_up_to_the_whole_answer():
    writer = CitationWriter()
    shown = [writer.add(CitedSentence("A.", 2)), writer.add(CitedSentence("B.", 3)), writer.finish()]
    assert shown == ["A.", " [2] B.", " [3]"]


def test_spans_separate_markers_from_text_for_channels_to_link():
    assert list(citation_spans("Refunds take 5-7 days. [1] Thanks!")) == [("Refunds take 5-7 days. ", None), ("[1]", 1), (" Thanks!", None)]


def test_list_items_without_a_full_stop_are_set_as_a_list_and_split_back_into_the_same_sentences():
    quoted = [CitedSentence("Returns are free.", 1), CitedSentence("Clearance items", 1), CitedSentence("Gift cards", 1), CitedSentence("Ask us.", 2)]
    text = write_cited(quoted)
    assert text == "Returns are free.\n- Clearance items\n- Gift cards [1]\n\nAsk us. [2]"
    assert split_sentences(MARKER.sub("", text)) == [sentence.text for sentence in quoted]


HEADER = "| Destination | Delivery time | Shipping cost |"
UK = "| United Kingdom | 10-15 business days | $19.95 |"
CANADA = "| Canada | 7-12 business days | $14.95 |"


def _markdown_table(text: str) -> tuple[list[str], list[list[str]]]:
    """The header cells and body rows a Markdown reader (markdown-it, GitHub's table rules) shows for the text."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    cells: list[tuple[str, str]] = []
    for opening, inline in pairwise(tokens):
        if opening.type in ("th_open", "td_open"):
            cells.append((opening.type, inline.content))
    header = [content for kind, content in cells if kind == "th_open"]
    body = [content for kind, content in cells if kind == "td_open"]
    return header, [body[i : i + len(header)] for i in range(0, len(body), len(header))] if header else []


def test_a_table_row_quoted_alone_is_shown_as_a_table_under_its_header_with_its_citation_in_a_cell():
    # Without its header "| United Kingdom | 10-15 business days | $19.95 |" says nothing about what the figures are;
    # after the closing pipe a Markdown reader drops "[1]" as a cell too many.
    text = write_cited([CitedSentence("Rates vary by country.", 1), CitedSentence(UK, 1, table_header=HEADER), CitedSentence("Ask us.", 2)])
    assert _markdown_table(text) == (["Destination", "Delivery time", "Shipping cost"], [["United Kingdom", "10-15 business days", "$19.95 [1]"]])
    assert text.endswith("$19.95 [1] |\n\nAsk us. [2]"), text
    # Read back as the checker reads answers, it is the sentences quoted, the header row included.
    assert split_sentences(strip_citations(text)) == ["Rates vary by country.", HEADER, UK, "Ask us."]


def test_a_quoted_header_row_heads_its_rows_once_and_alone_is_a_line():
    rows = [CitedSentence(HEADER, 1, table_header=HEADER), CitedSentence(CANADA, 1, table_header=HEADER), CitedSentence(UK, 1, table_header=HEADER)]
    text = write_cited(rows)
    assert text.count(HEADER) == 1 and _markdown_table(text)[1] == [["Canada", "7-12 business days", "$14.95"], ["United Kingdom", "10-15 business days", "$19.95 [1]"]]
    alone = write_cited([CitedSentence("Rates vary.", 1), CitedSentence(HEADER, 1, table_header=HEADER)])
    assert alone == "Rates vary.\n| Destination | Delivery time | Shipping cost [1] |" and _markdown_table(alone) == ([], [])


def test_streamed_table_adds_up_to_the_whole_answer():
    quoted = [CitedSentence(HEADER, 1, table_header=HEADER), CitedSentence(UK, 1, table_header=HEADER), CitedSentence("Ask us.", 2)]
    writer = CitationWriter()
    assert "".join([*(writer.add(sentence) for sentence in quoted), writer.finish()]) == write_cited(quoted)


def test_a_sentence_a_text_page_wraps_over_lines_is_shown_on_one_line():
    wrapped = "You can set up your service yourself if your\n   home already has a working wall socket."
    assert write_cited([CitedSentence(wrapped, 1)]) == "You can set up your service yourself if your home already has a working wall socket. [1]"


def test_a_text_quoted_whole_has_its_marker_where_a_markdown_reader_shows_a_marker():
    # An FAQ answer ending in a table or code had " [1]" after it: a cell too many, or a line of code (and a
    # closing fence Slack and the widget no longer read as one).
    table = "Hours:\n\n| Day | Hours |\n| --- | --- |\n| Saturday | 9-12 |"
    assert cited_whole(table, 1) == "Hours:\n\n| Day | Hours |\n| --- | --- |\n| Saturday | 9-12 [1] |"
    assert _markdown_table(cited_whole(table, 1)) == (["Day", "Hours"], [["Saturday", "9-12 [1]"]])
    assert cited_whole("Run:\n\n```bash\nlpstat -o\n```\n", 2) == "Run:\n\n```bash\nlpstat -o\n```\n[2]"
    assert cited_whole("Run:\n\n```bash\nlpstat -o", 2) == "Run:\n\n```bash\nlpstat -o\n```\n[2]"  # cut off by its chunk
    assert cited_whole("Refunds take 5-7 days.", 3) == "Refunds take 5-7 days. [3]"


def test_a_sentence_quoted_from_a_bold_span_over_two_sentences_shows_no_lone_mark():
    # "**We match any lower price within 14 days. Clearance items are excluded.** Ask us." gave "**We match ..." with
    # a "**" every channel showed as asterisks.
    source = "**We match any lower price within 14 days. Clearance items are excluded.** Ask us to match it."
    first, second = split_sentences(source)[:2]
    assert write_cited([CitedSentence(first, 1)]) == "We match any lower price within 14 days. [1]"
    assert write_cited([CitedSentence(second, 1)]) == "Clearance items are excluded. Ask us to match it. [1]"
    assert write_cited([CitedSentence("Returns are **free**.", 1)]) == "Returns are **free**. [1]"
    assert write_cited([CitedSentence("Pass options as `**kwargs` to the call.", 1)]) == "Pass options as `**kwargs` to the call. [1]"


def test_a_lone_backtick_pairs_with_no_code_of_another_sentence():
    # "Type ` to open the console." before "Then run `make`." paired its backtick with make's: the words between, source
    # 1's marker too, were code to every channel (no link to source 1, bold marks left over in the console).
    text = write_cited([CitedSentence("Type ` to open the console.", 1), CitedSentence("Then run **`make`**.", 2)])
    assert text == "Type `` ` `` to open the console. [1] Then run **`make`**. [2]"  # Markdown's code of a backtick
    assert [text[start:end] for start, end in code_spans(text)] == ["`` ` ``", "`make`"]
    assert _inline_code(text) == ["`", "make"]  # what a Markdown reader (the widget, an API client) shows as code
    assert [number for _, number in citation_spans(text) if number] == [1, 2]
    assert shown(text) == "Type `` ` `` to open the console. [1] Then run `make`. [2]"
    sources = [Source(n, str(n), "Console", "console.md", f"https://help.example.com/{n}", 0.8) for n in (1, 2)]
    assert link_citations(text, sources) == (
        "Type `` ` `` to open the console. <https://help.example.com/1|[1]> Then run *`make`*. <https://help.example.com/2|[2]>"
    )
    # One source's sentences, and a text quoted whole, turn into no code they don't hold either; code stays code.
    one_source = [CitedSentence("Type ` to open the console.", 1), CitedSentence("Then run `make`.", 1)]
    assert write_cited(one_source) == "Type `` ` `` to open the console. Then run `make`. [1]"
    assert cited_whole("Press ` to open the console.\n\nThen run `make`.", 1) == "Press `` ` `` to open the console.\n\nThen run `make`. [1]"
    declined = "If you see `Payment declined. Try another card.` check the card."
    assert write_cited([CitedSentence(sentence, 1) for sentence in split_sentences(declined)]) == f"{declined} [1]"


def _inline_code(text: str) -> list[str]:
    """The inline code a Markdown reader (markdown-it, CommonMark) shows in the text."""
    from markdown_it import MarkdownIt

    tokens = [child for token in MarkdownIt("commonmark").parse(text) for child in token.children or []]
    return [token.content for token in tokens if token.type == "code_inline"]


def test_a_sources_own_bracketed_number_is_no_citation_marker():
    # "Press [2] on the keypad" and code's "args[1]" were read as markers: source 2 was listed and linked as cited.
    text = write_cited([CitedSentence("Press [2] on the keypad to reach returns.", 1), CitedSentence("```python\nprint(args[1])\n```", 1)])
    assert cited_numbers(text) == [1]
    assert [number for _, number in citation_spans(text) if number] == [1]
    assert "Press [2\u2060] on the keypad" in text and "print(args[1])" in text  # shown as written: the joiner is invisible
    assert cited_numbers("Run `cat list[3]` then ask. [2]") == [2]
    assert [number for _, number in citation_spans("```js\nconst value = handlers[0](event)[1];\n```\n[3]") if number] == [3]
    assert cited_numbers(cited_whole("Call us and press [2] on the keypad.", 1)) == [1]  # an FAQ answer quoted whole too
    linked = write_cited([CitedSentence("See [tagged orders](https://x.example/?tags[1]=gift).", 1)])
    assert "(https://x.example/?tags[1]=gift)" in linked and cited_numbers(linked) == [1]  # the address as written

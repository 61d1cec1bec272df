"""Block Kit within Slack's limits: long answers split, control characters escaped, sources linked."""

from __future__ import annotations

from supportbot.bot.prompt import Source
from supportbot.channels.slack import blocks
from supportbot.text.catalog import MessageCatalog

ENGLISH = MessageCatalog().section("slack", "en")


def test_long_answer_is_split_into_sections_of_at_most_3000_characters():
    message = blocks.answer_blocks("word " * 2000, [], "Ev1", ENGLISH)
    sections = [b for b in message if b["type"] == "section"]
    assert len(sections) == 4 and all(len(b["text"]["text"]) <= blocks.SECTION_LIMIT for b in sections)
    assert " ".join(b["text"]["text"] for b in sections) == "word " * 2000  # cut at spaces, not mid-word


def test_answer_text_is_escaped_and_sources_link_when_they_have_a_url():
    sources = [Source(1, "a", "Returns & refunds", "returns.md", "https://help.example.com/returns", 0.8), Source(2, "b", "FAQ", "faq.jsonl", "", 0.5)]
    message = blocks.answer_blocks("Use <b> & enjoy", sources, "Ev1", ENGLISH)
    assert message[0]["text"]["text"] == "Use &lt;b&gt; &amp; enjoy"
    context = message[1]["elements"][0]["text"]
    assert "[1] <https://help.example.com/returns|Returns &amp; refunds>" in context and "[2] FAQ" in context


def test_citation_markers_link_to_their_sources_page():
    sources = [Source(1, "a", "Refunds", "refunds.md", "https://help.example.com/refunds", 0.8), Source(2, "b", "FAQ", "faq.jsonl", "", 0.5)]
    message = blocks.answer_blocks("Refunds take 5-7 days & more. [1] See the FAQ. [2]", sources, "Ev1", ENGLISH)
    assert message[0]["text"]["text"] == "Refunds take 5-7 days &amp; more. <https://help.example.com/refunds|[1]> See the FAQ. [2]"


def test_bold_quoted_from_a_markdown_page_is_slack_bold():
    # Slack's mrkdwn shows Markdown's double asterisks as they are; its bold takes single ones.
    sources = [Source(1, "a", "Klarna", "klarna.md", "https://help.example.com/klarna", 0.8)]
    message = blocks.answer_blocks("Klarna is available on orders from **$35 to $1,000** & up. [1] 2 ** 3", sources, "Ev1", ENGLISH)
    text = message[0]["text"]["text"]
    assert text == "Klarna is available on orders from *$35 to $1,000* &amp; up. <https://help.example.com/klarna|[1]> 2 ** 3"


def test_a_quoted_table_is_shown_as_its_rows_without_the_markdown_delimiter_row():
    # mrkdwn has no tables: "| --- | --- | --- |" would be shown as it is between the header and the row.
    sources = [Source(1, "a", "Shipping", "intl.md", "https://help.example.com/intl", 0.8)]
    answer = "Rates:\n\n| Destination | Cost |\n| --- | --- |\n| United Kingdom | **$19.95** [1] |\n\nAsk us."
    text = blocks.answer_blocks(answer, sources, "Ev1", ENGLISH)[0]["text"]["text"]
    assert text == "Rates:\n\n| Destination | Cost |\n| United Kingdom | *$19.95* <https://help.example.com/intl|[1]> |\n\nAsk us."


def test_a_pages_link_is_a_slack_link():
    # mrkdwn shows "[Start a return](https://...)" as it is; its links are <url|text>, with & escaped in both.
    answer = "See [Start a return](https://help.example.com/returns?from=chat&lang=en) & [Terms](/terms). [1]"
    text = blocks.answer_blocks(answer, [], "Ev1", ENGLISH)[0]["text"]["text"]
    assert text == "See <https://help.example.com/returns?from=chat&amp;lang=en|Start a return> &amp; [Terms](/terms). [1]"


def test_a_quoted_code_block_is_a_slack_code_block():
    # mrkdwn's code blocks take no language: "bash" was shown as the code's first line.
    answer = "Send the key:\n\n```bash\ncurl -H \"Authorization: Bearer KEY\" https://api.example.com\n```\n[1]"
    text = blocks.answer_blocks(answer, [], "Ev1", ENGLISH)[0]["text"]["text"]
    assert text == "Send the key:\n\n```\ncurl -H \"Authorization: Bearer KEY\" https://api.example.com\n```\n[1]"
    # Nor has it "~~~" fences: such a block was shown as text, its first fence made "```" only where it named a language.
    answer = "Run:\n\n~~~python\nprint('```')\n~~~\n[1]\n\n~~~\nmake\n~~~\n[2]"
    text = blocks.answer_blocks(answer, [], "Ev1", ENGLISH)[0]["text"]["text"]
    assert text == "Run:\n\n```\nprint('```')\n```\n[1]\n\n```\nmake\n```\n[2]"


def test_labels_come_in_the_threads_language():
    source = Source(1, "returns/return-policy.md", "退货政策", "returns/return-policy.md", "", 0.9)
    message = blocks.answer_blocks("可以退货。", [source], "Ev1", MessageCatalog().section("slack", "zh"))
    assert message[1]["elements"][0]["text"].startswith("*来源*\n[1] 退货政策")
    assert message[2]["elements"][2]["text"]["text"] == "转人工客服"


def test_a_long_answer_is_cut_into_sections_at_line_ends_its_code_closed_and_opened_again():
    # Cut every 3,000 characters, a section ended mid-line ("&amp;" cut into "&" and "amp;"), the first one's code
    # block was never closed, and the next sections' code was read as text (its *, _ as formatting).
    lines = [f"echo step {n} && make *all* > build_{n}.log" for n in range(300)]
    answer = "Run:\n\n```bash\n" + "\n".join(lines) + "\n```\n[1]"
    sections = [block["text"]["text"] for block in blocks.answer_blocks(answer, [], "Ev1", ENGLISH) if block["type"] == "section"]
    assert len(sections) > 2 and all(len(text) <= blocks.SECTION_LIMIT for text in sections)
    assert all(text.count("```") == 2 for text in sections), [text.count("```") for text in sections]
    shown = [line for text in sections for line in text.split("\n") if line != "```"]
    assert shown == ["Run:", "", *(blocks.escape(line) for line in lines), "[1]"]


def test_a_line_longer_than_a_section_is_cut_within_the_limit_and_never_inside_an_entity():
    # Searching for a link's "<" ran past the limit (a 5,001-character section Slack rejects).
    assert all(len(text) <= blocks.SECTION_LIMIT for text in blocks.section_texts("a" * 5000 + " <https://x.example|[1]>"))
    line = " ".join(["fish &amp; chips"] * 400)
    assert all(not text.endswith("&") and not text.startswith("amp;") for text in blocks.section_texts(line))

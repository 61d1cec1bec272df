"""A page's links and images as an answer quoting them can show them (retrieval/links.py)."""

from __future__ import annotations

import json
from pathlib import Path

from supportbot.retrieval.inline_html import without_html
from supportbot.retrieval.links import readable_links
from supportbot.retrieval.loaders import SourceFile, load_file
from supportbot.text.markup import as_plain_links, as_slack_links

PAGE = "https://help.example.com/returns/refund-timing"


def test_a_relative_link_is_resolved_against_the_pages_address():
    text = "Use [the return form](../forms/return) or see [When refunds post](#posting)."
    assert readable_links(text, PAGE) == (
        "Use [the return form](https://help.example.com/forms/return) or see "
        "[When refunds post](https://help.example.com/returns/refund-timing#posting)."
    )


def test_a_link_nothing_can_resolve_is_its_text():
    # No address for the page, or another source file whose address is not known: "[Start a return](start.md)"
    # reached customers as it is written.
    assert readable_links("See [Start a return](start.md) and [the form](../forms/return).") == "See Start a return and the form."
    assert readable_links("See [Start a return](start.md).", PAGE) == "See Start a return."


def test_web_and_mail_links_keep_their_address():
    text = "Write to [our team](mailto:help@example.com?subject=Refund) or [help@example.com](mailto:help@example.com), or visit [us](https://example.com/a)."
    assert readable_links(text, PAGE) == "Write to our team (help@example.com) or help@example.com, or visit [us](https://example.com/a)."


def test_images_are_left_out_with_the_space_beside_them():
    text = '![Logo](logo.png) Press the button ![The reset button](img/reset.png "Reset") for 10 seconds. [![Badge](b.png)](https://x.example) Done.'
    assert readable_links(text, PAGE) == "Press the button for 10 seconds. Done."


def test_a_reference_link_is_an_inline_one_and_its_definition_no_text():
    # "[store credit][1]" was quoted as it is, its "[1]" taken for a citation marker and linked to source 1; the
    # definition lines were text of their own.
    text = "Use [store credit][1], [the form][Form] or [Gift cards]. Press [2] on the keypad; `args[1]` is code.\n\n[1]: https://help.example.com/credit \"Credit\"\n[form]: ../forms/return\n[gift cards]: <https://example.com/gift>"
    assert readable_links(text, PAGE) == (
        "Use [store credit](https://help.example.com/credit), [the form](https://help.example.com/forms/return) or "
        "[Gift cards](https://example.com/gift). Press [2] on the keypad; `args[1]` is code.\n"
    )


def test_a_link_whose_text_is_code_or_whose_address_holds_parentheses_is_one_every_channel_shows(tmp_path: Path):
    # Both reached customers as Markdown source: code cut the link's brackets apart, and no channel reads an address
    # with parentheses in it.
    text = (
        "Call [`POST /orders`](https://docs.example.com/orders), see [Tea](https://en.wikipedia.org/wiki/Tea_(drink)) "
        "or [the `config.toml` file](config.md); `[x](y.md)` is code."
    )
    read = readable_links(text, PAGE)
    assert read == (
        "Call [POST /orders](https://docs.example.com/orders), see [Tea](https://en.wikipedia.org/wiki/Tea_%28drink%29) "
        "or the `config.toml` file; `[x](y.md)` is code."
    )
    assert as_slack_links(read) == (
        "Call <https://docs.example.com/orders|POST /orders>, see <https://en.wikipedia.org/wiki/Tea_%28drink%29|Tea> "
        "or the `config.toml` file; `[x](y.md)` is code."
    )
    page = tmp_path / "tea.html"
    page.write_text('<p>See <a href="https://en.wikipedia.org/wiki/Tea_(drink)">Tea</a> or <a href="/tea leaves">leaves</a>.</p>', encoding="utf-8")
    (document,) = load_file(SourceFile(page, "tea.html")).documents
    assert as_plain_links(document.text) == "See Tea (https://en.wikipedia.org/wiki/Tea_%28drink%29) or leaves."


def test_code_is_left_as_it_is():
    text = "Run:\n\n```\necho '[a](b.md) ![c](d.png)'\n```\n\nSee [docs](docs.md)."
    assert readable_links(text) == "Run:\n\n```\necho '[a](b.md) ![c](d.png)'\n```\n\nSee docs."


def test_markdown_pages_and_faq_answers_are_read_with_readable_links_and_tables(tmp_path: Path):
    page = tmp_path / "refunds.md"
    page.write_text(f"---\nurl: {PAGE}\n---\n# Refunds\n\n![Banner](banner.png)\nRefunds take 5-7 days ([details](#posting)).\n", encoding="utf-8")
    faq = tmp_path / "faq.jsonl"
    entry = {"question": "How do I return?", "answer": "Follow [Start a return](start.md).\n\nItem|Days\n---|---\nSofa|30", "url": "https://help.example.com/faq#return"}
    faq.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    (document,) = load_file(SourceFile(page, "refunds.md")).documents
    assert document.text.endswith(f"# Refunds\n\nRefunds take 5-7 days ([details]({PAGE}#posting)).\n"), document.text
    (answer,) = load_file(SourceFile(faq, "faq.jsonl")).documents
    assert answer.text == "Follow Start a return.\n\n| Item | Days |\n| --- | --- |\n| Sofa | 30 |"  # its table read as a page's


def test_an_html_pages_links_are_read_as_a_markdown_pages_are(tmp_path: Path):
    # Its links were dropped: "Step-by-step instructions are in Start a return." led nowhere.
    page = tmp_path / "refunds.html"
    page.write_text(
        f'<link rel="canonical" href="{PAGE}"><h1><a href="/refunds">Refunds</a></h1><p>Steps are in <a href="../start">Start a return</a>.'
        ' Or <a href="mailto:help@example.com">write to us</a>.</p><table><tr><td><a href="https://example.com/rates">Rates</a></td>'
        '<td>$5</td></tr></table>',
        encoding="utf-8",
    )
    (document,) = load_file(SourceFile(page, "refunds.html")).documents
    assert document.text == (
        "# Refunds\n\nSteps are in [Start a return](https://help.example.com/start). Or write to us (help@example.com).\n\n"
        "|  |  |\n| --- | --- |\n| [Rates](https://example.com/rates) | $5 |"
    ), document.text


def test_html_in_a_markdown_page_or_an_faq_answer_is_read_as_a_browser_shows_it(tmp_path: Path):
    # Quoted as written, every channel showed the tags, and a comment no reader of the page sees reached customers.
    page = tmp_path / "refunds.md"
    page.write_text(
        "# Refunds\n\n<!-- legal says 10 days: do not publish -->\nRefunds take 5-7 days. Press <kbd>Ctrl</kbd>+<kbd>P</kbd> to print"
        " a label.\n\n| Plan | Notes |\n| --- | --- |\n| Team | Up to 5 seats<br>Billed yearly |\n\nWrite `<br>` for a break.\n",
        encoding="utf-8",
    )
    faq = tmp_path / "faq.jsonl"
    entry = {"question": "Can I get cash back?", "answer": "<p>No, refunds go to the <b>original payment method</b>.</p><p>See <a href='https://help.example.com/refunds'>refunds</a> &amp; credit.</p>"}
    faq.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    (document,) = load_file(SourceFile(page, "refunds.md")).documents
    assert document.text == (
        "# Refunds\n\nRefunds take 5-7 days. Press Ctrl+P to print a label.\n\n| Plan | Notes |\n| --- | --- |\n"
        "| Team | Up to 5 seats Billed yearly |\n\nWrite `<br>` for a break."
    ), document.text
    (answer,) = load_file(SourceFile(faq, "faq.jsonl")).documents
    assert answer.text == "No, refunds go to the **original payment method**.\n\nSee [refunds](https://help.example.com/refunds) & credit."


def test_html_in_markdown_that_a_browser_hides_or_draws_is_hidden_or_drawn():
    # A comment holding code or never closed, a script, a <table> (read as "PlanPriceBasic$5"), a heading, and an
    # entity-like "&region" in a link ("®ion" once the page held a tag).
    text = (
        "Refunds take 5 days.<!-- TODO: rename `old_name` -->\n<!-- draft:\n```\nsecret\n```\n-->\n<h2>Plans</h2>\n"
        "<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td>$5</td></tr></table>\n<script>track()</script>"
        "See [portal](https://x.example/?a=1&region=eu) &amp; <code>a`b</code>.\n<!-- never closed\nhidden"
    )
    assert without_html(text) == (
        "Refunds take 5 days.\n\n## Plans\n\n| Plan | Price |\n| --- | --- |\n| Basic | $5 |\n\n"
        "See [portal](https://x.example/?a=1&region=eu) & `` a`b ``."
    )

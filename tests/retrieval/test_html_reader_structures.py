"""An HTML page's spanned cells, line breaks, definitions, details and nested tables and lists, read as a browser shows
them (retrieval/html_reader.py): read as they were, a customer was quoted the wrong size, glued words, a question with
no answer, or nothing at all."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from supportbot.retrieval.documents import Chunk
from supportbot.retrieval.loaders import SourceFile, load_file
from supportbot.retrieval.splitter import ChunkingSettings, DocumentSplitter
from supportbot.text.sentences import split_sentences

SHOES = (
    "<h1>Size guide</h1><h2>Shoes</h2><table><tr><th>US</th><th>EU</th><th>UK</th></tr>"
    '<tr><td>6</td><td rowspan="2">37</td><td>4</td></tr><tr><td>6.5</td><td>4.5</td></tr><tr><td>7</td><td>38</td><td>5</td></tr>'
    '<tr><td colspan="3"><em>Half sizes run small: go up half a size.</em></td></tr></table>'
)
SYNC = (
    "<h1>Sync troubleshooting</h1><p>If files don't sync, work through the checks below.</p>"
    '<details><summary>Files are stuck on "Waiting to sync"</summary><p>Pause sync and resume it from the tray icon. If that '
    "doesn't help, sign out and sign in again.</p></details>"
    "<details><summary>Sync is very slow</summary><p>The upload limit is set to 1 MB/s by default; set it to Unlimited.</p></details>"
    "<h2>Error codes</h2><dl><dt>E101</dt><dd>You are out of storage. Delete files or upgrade your plan.</dd>"
    "<dt>E204</dt><dd>The file name has characters Windows doesn't allow (for example <code>:</code> or <code>?</code>). "
    "Rename the file.</dd><dt>E309</dt><dd>Your session expired. Sign in again.</dd></dl>"
    "<h2>Supported platforms</h2><table><tr><th>Platform</th><th>Minimum version</th><th>Notes</th></tr>"
    "<tr><td>macOS</td><td>12 Monterey</td><td>Apple silicon and Intel</td></tr>"
    "<tr><td>Windows</td><td>10 (v21H2)</td><td>64-bit only<br>ARM is in beta</td></tr></table>"
)
BILL = (
    "<h1>Understanding your bill</h1><h2>Charges on your bill</h2><table><tr><th>Charge</th><th>Amount</th></tr>"
    "<tr><td>Line access fee</td><td>$3.00 per line</td></tr><tr><td>Device installment</td><td>"
    "<table><tr><td>12 months</td><td>$41.58</td></tr><tr><td>24 months</td><td>$20.79</td></tr></table></td></tr>"
    "<tr><td><strong>Typical total</strong></td><td><strong>$29.25</strong></td></tr></table>"
    "<h2>Dispute a charge</h2><ol><li>Open <em>Billing</em> in the app.</li><li>Tap the charge, then <b>Dispute</b>."
    '<ol type="a"><li>Choose a reason.</li><li>Add a note (optional).</li></ol></li><li>We reply within 10 business days.</li></ol>'
)


def _text(tmp_path: Path, html: str) -> str:
    """The Markdown an HTML page holding `html` is read as."""
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    (document,) = load_file(SourceFile(page, page.name)).documents
    return document.text


def _chunks(tmp_path: Path, html: str) -> list[Chunk]:
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    (document,) = load_file(SourceFile(page, page.name)).documents
    return DocumentSplitter(ChunkingSettings(200, 0), lambda text: len(text.split())).split(document)


@pytest.fixture
def ask(answer_from_page):
    """Asks `question` first in a conversation, in extractive mode, of an index holding only the HTML page `html`."""
    return partial(answer_from_page, "page.html")


class TestSpannedCells:
    def test_a_cell_spanning_rows_stands_in_each_row_it_spans(self, tmp_path: Path):
        # "| 6.5 | 4.5 |" under "| US | EU | UK |": the customer read EU 4.5.
        assert "| 6 | 37 | 4 |\n| 6.5 | 37 | 4.5 |\n| 7 | 38 | 5 |" in _text(tmp_path, SHOES)

    def test_a_note_across_the_table_is_written_once_in_a_row_as_wide_as_the_table(self, tmp_path: Path):
        assert "\n| Half sizes run small: go up half a size. |  |  |" in _text(tmp_path, SHOES)

    def test_a_cell_spanning_some_columns_stands_in_each(self, tmp_path: Path):
        html = (
            "<table><tr><th>Plan</th><th>Monthly</th><th>Yearly</th></tr><tr><td>Basic</td><td colspan='2'>Free</td></tr>"
            "<tr><td rowspan='2' colspan='2'>Pro and Team</td><td>$90</td></tr><tr><td>$120</td></tr></table>"
        )
        assert _text(tmp_path, html).split("\n")[2:] == ["| Basic | Free | Free |", "| Pro and Team | Pro and Team | $90 |", "| Pro and Team | Pro and Team | $120 |"]

    def test_the_answer_to_a_size_in_a_spanned_row_quotes_it_under_its_columns(self, ask):
        answer = ask(SHOES, "What EU size is a US 6.5 shoe?")
        assert "| 6.5 | 37 | 4.5 |" in answer, answer

    @pytest.mark.parametrize("span", ["colspan='99999999999'", "rowspan='99999999999'", "colspan='x' rowspan='-2'", "rowspan='0'"])
    def test_a_span_too_wide_or_not_a_number_is_read_within_bounds(self, tmp_path: Path, span: str):
        text = _text(tmp_path, f"<table><tr><td {span}>a</td><td>b</td></tr><tr><td>c</td></tr></table>")
        assert len(text) < 10_000 and "| c |" in text.replace("| a | c |", "| c |").replace("| c | a |", "| c |"), text


class TestLineBreaks:
    def test_a_line_break_in_a_cell_parts_its_lines(self, tmp_path: Path):
        # "64-bit onlyARM is in beta"; a space would read "only ARM".
        assert "| Windows | 10 (v21H2) | 64-bit only; ARM is in beta |" in _text(tmp_path, SYNC)

    def test_a_line_break_after_a_sentence_in_a_cell_is_a_space(self, tmp_path: Path):
        text = _text(tmp_path, "<table><tr><th>Light</th><th>Do</th></tr><tr><td>Red</td><td>Wait.<br><br>Then restart it.<br></td></tr></table>")
        assert text.endswith("| Red | Wait. Then restart it. |")

    def test_a_line_break_in_a_paragraph_is_a_line_break(self, tmp_path: Path):
        text = _text(tmp_path, "<p>Call us on 0800 123 456<br>Lines are open 9-5<br># of calls a day: 3000</p>")
        assert [sentence.strip("\u2060") for sentence in split_sentences(text)] == [
            "Call us on 0800 123 456", "Lines are open 9-5", "# of calls a day: 3000",
        ]
        assert not text.split("\n")[-1].startswith("#")  # a heading over nothing

    def test_a_line_break_in_a_heading_is_a_space(self, tmp_path: Path):
        assert _text(tmp_path, "<h2>Returns<br>and refunds</h2><p>Free.</p>") == "## Returns and refunds\n\nFree."


class TestDefinitions:
    def test_a_definition_is_read_under_its_term(self, tmp_path: Path):
        # The term stood on a line of its own: "What does error E204 mean?" was declined. Then it opened the first
        # sentence only ("**E204**: ..."), and "Rename the file." was read about nothing (test_html_reader_cells_and_definitions.py).
        sections = [(chunk.headings, split_sentences(chunk.text)) for chunk in _chunks(tmp_path, SYNC) if chunk.headings[:1] == ("Error codes",)]
        assert sections == [
            (("Error codes", "E101"), ["You are out of storage.", "Delete files or upgrade your plan."]),
            (("Error codes", "E204"), ["The file name has characters Windows doesn't allow (for example `:` or `?`).", "Rename the file."]),
            (("Error codes", "E309"), ["Your session expired.", "Sign in again."]),
        ]

    def test_terms_sharing_a_definition_and_a_term_with_two_are_one_heading_over_them(self, tmp_path: Path):
        html = (
            "<dl><dt>Standard</dt><dt>Economy</dt><dd>5-7 business days.</dd><dt>Do you ship to Canada?</dt><dd>Yes.</dd>"
            "<dd>Duties are prepaid.</dd><dt>Lonely term</dt></dl>"
        )
        assert _text(tmp_path, html).split("\n\n") == [
            "## Standard, Economy", "5-7 business days.", "## Do you ship to Canada?", "Yes.", "Duties are prepaid.", "Lonely term",
        ]

    def test_the_answer_to_what_an_error_code_means_quotes_its_definition(self, ask):
        answer = ask(SYNC, "What does error E204 mean?")
        assert "The file name has characters Windows doesn't allow" in answer, answer


class TestDetails:
    def test_a_summary_is_a_heading_over_its_answer_and_the_page_goes_on_under_its_own(self, tmp_path: Path):
        html = f"<h1>Sync troubleshooting</h1><h2>Checks</h2>{SYNC.split('<h2>')[0].split('</p>', 1)[1]}<p>Still stuck? Call us.</p>"
        sections = [(chunk.headings, chunk.text) for chunk in _chunks(tmp_path, html)]
        assert sections == [
            (("Checks", 'Files are stuck on "Waiting to sync"'), "Pause sync and resume it from the tray icon. If that doesn't help, sign out and sign in again."),
            (("Checks", "Sync is very slow"), "The upload limit is set to 1 MB/s by default; set it to Unlimited."),
            (("Checks",), "Still stuck? Call us."),
        ]

    def test_the_answer_to_a_summarys_question_is_the_fix_under_it(self, ask):
        # The summary was quoted as the answer and the fix was lost.
        answer = ask(SYNC, 'My files are stuck on "Waiting to sync". What do I do?')
        assert "Pause sync and resume it from the tray icon." in answer, answer


class TestNestedStructures:
    def test_a_table_in_a_cell_is_the_cells_text_and_the_table_goes_on(self, tmp_path: Path):
        # It became a table of its own with an empty header, and the rows after it a table without their header.
        text = _text(tmp_path, BILL)
        assert text.split("\n\n")[2] == (
            "| Charge | Amount |\n| --- | --- |\n| Line access fee | $3.00 per line |\n"
            "| Device installment | 12 months: $41.58; 24 months: $20.79 |\n| Typical total | $29.25 |"
        )

    def test_tables_nested_deeper_than_a_page_has_them_are_read_as_their_text(self, tmp_path: Path):
        text = _text(tmp_path, "<table><tr><td>" * 60 + "deep" + "</td></tr></table>" * 60)
        assert text.count("\n") == 2 and text.endswith("| deep |")

    def test_a_list_in_a_list_item_stands_in_under_it(self, tmp_path: Path):
        # The sub-steps were read as steps of their own, after "Tap the charge".
        text = _text(tmp_path, BILL)
        assert text.split("\n\n")[4:] == [
            "- Open Billing in the app.", "- Tap the charge, then Dispute.", "  - Choose a reason.", "  - Add a note (optional).",
            "- We reply within 10 business days.",
        ]

    def test_a_row_outside_any_table_is_read_as_before(self, tmp_path: Path):
        # The spanned-cell layout is worked out per table: a row the page left outside one stays a table of its own.
        assert _text(tmp_path, "<tr><td rowspan='2'>a</td><td>b</td></tr><p>Then.</p>") == "|  |  |\n| --- | --- |\n| a | b |\n\nThen."

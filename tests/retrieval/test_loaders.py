"""Loaders: every supported format, and bad files skipped with a warning that names them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportbot.errors import DocumentError
from supportbot.retrieval.documents import SourceDocument
from supportbot.retrieval.loaders import SourceFile, _numbered_headings, discover_files, load_file, sample_docs_dir
from supportbot.retrieval.splitter import ChunkingSettings, DocumentSplitter
from supportbot.text.sentences import split_sentences


def _source(path: Path) -> SourceFile:
    return SourceFile(path, path.name)


def _read(folder: Path, name: str, text: str) -> SourceDocument:
    """The one document a file named `name` holding `text` is read as."""
    (folder / name).write_text(text, encoding="utf-8")
    (document,) = load_file(_source(folder / name)).documents
    return document


def _pdf(pages: list[list[str]]) -> bytes:
    """A PDF of pages of lines of text in Helvetica (written by hand: no PDF writer is a dependency)."""
    objects: list[str] = ["<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    pages_id = 1 + 2 * len(pages) + 1
    kids = []
    for lines in pages:
        stream = "BT /F1 11 Tf 72 760 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R /Resources << /Font << /F1 1 0 R >> >> >>")
        kids.append(len(objects))
    objects.append(f"<< /Type /Pages /Kids [{' '.join(f'{kid} 0 R' for kid in kids)}] /Count {len(kids)} >>")
    objects.append(f"<< /Type /Catalog /Pages {pages_id} 0 R >>")
    out, offsets = "%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n" + "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    return (out + f"trailer\n<< /Size {len(objects) + 1} /Root {len(objects)} 0 R >>\nstartxref\n{xref}\n%%EOF\n").encode("latin-1")


class TestLoadFormats:
    def test_markdown_front_matter_gives_title_and_url(self, tmp_path: Path):
        page = tmp_path / "refunds.md"
        page.write_text("---\ntitle: Refunds\nurl: https://help.example.com/refunds\n---\n# Refunds\n\nBody.\n", encoding="utf-8")
        (document,) = load_file(_source(page)).documents
        assert (document.title, document.url, document.format) == ("Refunds", "https://help.example.com/refunds", "markdown")
        assert "Body." in document.text and "title:" not in document.text

    def test_html_headings_become_markdown_headings(self):
        page = sample_docs_dir() / "shipping" / "holiday-shipping-deadlines.html"
        (document,) = load_file(SourceFile(page, "holiday.html")).documents
        assert document.title
        assert any(line.startswith("## ") for line in document.text.splitlines())
        assert "<" not in document.text

    def test_an_html_table_is_read_as_a_markdown_table(self, tmp_path: Path):
        # Its rows were paragraphs ("Standard | 5-7 days"), so no row knew its columns' names.
        html = (
            "<h1>Rates</h1><table><tr><th>Method</th><th>Time</th></tr><tr><td>Standard</td><td>5-7 <b>days</b></td></tr>"
            "<tr><td>Express</td><td>2 days</td></tr></table><p>Rates change.</p><table><tr><td>Gift | wrap</td><td>$5</td></tr></table>"
        )
        document = _read(tmp_path, "rates.html", html)
        assert "| Method | Time |\n| --- | --- |\n| Standard | 5-7 days |\n| Express | 2 days |\n\nRates change." in document.text
        # No header row: an empty one, so that Markdown reads a table (the row alone was shown with its pipes); no
        # names made up.
        assert document.text.endswith("Rates change.\n\n|  |  |\n| --- | --- |\n| Gift \\| wrap | $5 |")

    def test_an_html_tables_header_row_of_bold_cells_heads_it_and_a_cell_is_one_line(self, tmp_path: Path):
        html = (
            "<h1>Pickup</h1><table><tr><td><b>Option</b></td><td><strong>Ready</strong></td></tr>"
            "<tr><td>Store\n   pickup</td><td>Same\n day</td></tr></table>"
        )
        document = _read(tmp_path, "pickup.html", html)
        assert document.text.endswith("| Option | Ready |\n| --- | --- |\n| Store pickup | Same day |"), document.text

    @pytest.mark.parametrize("name", ["codes.md", "codes.txt"])
    def test_a_table_without_edge_pipes_is_read_as_a_table(self, tmp_path: Path, name: str):
        # GitHub's tables may leave out the edge pipes; "409 Conflict | Already shipped." was then read as a sentence,
        # with no header row to say what its cells are. Prose with a pipe, and code, are left as they are.
        page = tmp_path / name
        page.write_text(
            "Error codes\n\nStatus | Meaning\n:--- | ---\n404 | No such order.\n409 Conflict | Already shipped.\n\n"
            "Pick Yes | No below.\n\n```\na | b\n--- | ---\n```\n",
            encoding="utf-8",
        )
        (document,) = load_file(_source(page)).documents
        assert "| Status | Meaning |\n| :--- | --- |\n| 404 | No such order. |\n| 409 Conflict | Already shipped. |\n\n" in document.text
        assert "\nPick Yes | No below.\n" in document.text and document.text.rstrip().endswith("```\na | b\n--- | ---\n```")

    def test_a_chunk_that_starts_inside_a_table_starts_with_its_header_row(self, tmp_path: Path):
        rows = "\n".join(f"| Plan {n} | {n * 10} Mbps | ${n + 30} a month |" for n in range(1, 13))
        page = tmp_path / "plans.md"
        page.write_text(f"# Plans\n\nOur plans:\n\n| Plan | Speed | Price |\n|---|---|---|\n{rows}\n\nPrices include tax.\n", encoding="utf-8")
        (document,) = load_file(_source(page)).documents
        chunks = DocumentSplitter(ChunkingSettings(40, 0), lambda text: len(text.split())).split(document)
        with_rows = [chunk.text for chunk in chunks if "| Plan " in chunk.text]
        assert len(with_rows) > 2, with_rows
        assert all(text.startswith("| Plan | Speed | Price |\n") for text in with_rows[1:]), with_rows
        assert all(f"| Plan {n} |" in "".join(with_rows) for n in range(1, 13))

    def test_an_html_code_block_is_read_as_a_fenced_code_block_with_its_lines_as_they_are(self, tmp_path: Path):
        # <pre> was a paragraph: its lines were split into sentences, and its indentation lost in the chunks.
        html = (
            '<h1>API</h1><p>Call it like this:</p><pre><code class="language-python">def orders(key):\n    return get(key)\n</code></pre>'
            "<ul><li>In a list:<pre>make:\n\tbuild</pre></li></ul>"
        )
        document = _read(tmp_path, "api.html", html)
        assert "Call it like this:\n\n```python\ndef orders(key):\n    return get(key)\n```\n\n- In a list:\n\n```\nmake:\n\tbuild\n```" in document.text
        chunks = DocumentSplitter(ChunkingSettings(200, 0), lambda text: len(text.split())).split(document)
        assert "```python\ndef orders(key):\n    return get(key)\n```" in chunks[0].text, chunks
        assert "```\nmake:\n\tbuild\n```" in chunks[0].text, chunks

    def test_spaces_of_every_kind_still_part_words_in_the_chunks(self, tmp_path: Path):
        # LangChain's header splitter drops no-break spaces and tabs: "Hub&nbsp;7" was indexed and quoted as "Hub7".
        page = tmp_path / "plans.html"
        page.write_text("<h1>Plans</h1><p>The Hub&nbsp;7 Pro costs $149.&nbsp;It works with Fibre&thinsp;900.</p>", encoding="utf-8")
        text_page = tmp_path / "prices.txt"
        text_page.write_text("Prices\n\nBasic\t$5 a month.\n", encoding="utf-8")
        splitter = DocumentSplitter(ChunkingSettings(200, 0), lambda text: len(text.split()))
        (html_document,) = load_file(_source(page)).documents
        (text_document,) = load_file(_source(text_page)).documents
        assert [chunk.text for chunk in splitter.split(html_document)] == ["The Hub 7 Pro costs $149. It works with Fibre 900."]
        assert [chunk.text for chunk in splitter.split(text_document)] == ["Basic $5 a month."]

    def test_code_makes_no_title_or_heading(self, tmp_path: Path):
        # A shell comment ("# Reset the router") was a Markdown page's title; a text file's "Timeout settings" line
        # in its code a heading ("## Timeout settings" quoted inside the code), and a fence its title.
        page = tmp_path / "reset-router.md"
        page.write_text("```bash\n# Reset the router\nrouter reset --factory\n```\n\nRun it as root.\n", encoding="utf-8")
        (document,) = load_file(_source(page)).documents
        assert document.title == "Reset router"
        text_page = tmp_path / "config-help.txt"
        text_page.write_text("```\n\nTimeout settings\nTimeout = 30\n```\n\nSet it in the config file.\n", encoding="utf-8")
        (text_document,) = load_file(_source(text_page)).documents
        assert "\nTimeout settings\nTimeout = 30\n" in text_document.text and "#" not in text_document.text, text_document.text
        assert text_document.title == "Config help"

    def test_every_piece_of_an_html_pages_text_is_read_wherever_it_stands(self, tmp_path: Path):
        # Only <p>, <li>, <h1>-<h4>, table rows and <pre> were read: a page writing its answers into <div>s, <details>
        # or <dl>s was indexed empty, and a list item holding a <p> or a list of its own lost its text.
        page = tmp_path / "faq.html"
        page.write_text(
            "<nav><a href='/'>Home</a></nav><h1>Shipping FAQ</h1><div>We ship from Columbus, Ohio.</div>"
            "<details><summary>How long does delivery take?</summary><div>Standard delivery takes 5-7 business days.</div></details>"
            "<dl><dt>Do you ship to Canada?</dt><dd>Yes, in 7-12 business days.</dd></dl>"
            "<section>Written straight in, <b>bold</b> too.<script>track()</script></section><h5>Tip</h5><blockquote>Keep your receipt.</blockquote>"
            "<ul><li><p>Returns are free.</p><p>Within 30 days.</p></li><li>Exchanges<ul><li>Once per item</li></ul></li></ul>",
            encoding="utf-8",
        )
        (document,) = load_file(_source(page)).documents
        # A <details>'s summary is a heading over its answer (the page's heading written again after it), a <dd> carries
        # its <dt> as a heading over it, a list in a list item stands in under it (tests/retrieval/test_html_reader_structures.py).
        assert document.text.split("\n\n") == [
            "# Shipping FAQ", "We ship from Columbus, Ohio.", "## How long does delivery take?", "Standard delivery takes 5-7 business days.",
            "## Do you ship to Canada?", "Yes, in 7-12 business days.", "# Shipping FAQ", "Written straight in, bold too.", "##### Tip",
            "Keep your receipt.", "- Returns are free.", "Within 30 days.", "- Exchanges", "  - Once per item",
        ]

    @pytest.mark.parametrize(
        ("html", "read"),
        [
            ("<p>x. " * 600, "\n\n".join(["x."] * 600)),  # nested 600 deep by the parser: the whole build died
            ("<table><tr><th>Plan<th>Price</tr><tr><td>Basic<td>$5</tr></table>", "| Plan | Price |\n| --- | --- |\n| Basic | $5 |"),
            ("<table><tr><td>a</td><tr><td>b</td></table>", "|  |\n| --- |\n| a |\n| b |"),  # was the one row "| a | b |"
            ("<p>Edit the .env file, type :wq to quit.</p>", "Edit the .env file, type :wq to quit."),  # was "the.env", "type:wq"
            ("<pre>line1<br>line2</pre>", "```\nline1\nline2\n```"),
            ("<div>Intro <nav>Home About</nav></div><p>Click <button>OK</button> now</p>", "Intro\n\nClick now"),
            ("<html><head><title>Site</title></head>Hello</html><p>after</p>", "Hello\n\nafter"),
            ("<h2>Shipping\n   times</h2><p>un<b>believ</b>able, run <code>make</code>.</p>", "## Shipping times\n\nunbelievable, run `make`."),
            ("<p>Type <code>a`b</code>, then <code>x</code>.</p>", "Type `` a`b ``, then `x`."),  # was a lone backtick, "a`b"
        ],
        ids=[
            "unclosed-600", "unclosed-cells", "unclosed-row", "marks-in-words", "br-in-pre", "nav-and-buttons", "outside-body", "whitespace",
            "backtick-in-code",
        ],
    )
    def test_an_html_page_is_read_as_a_browser_shows_it(self, tmp_path: Path, html: str, read: str):
        document = _read(tmp_path, "page.html", html)
        assert document.text == read

    def test_a_paragraph_opening_with_a_hash_or_backticks_is_read_as_the_paragraph_it_is(self, tmp_path: Path):
        # "# of items" opened a heading: the limit left the text, and every section after it was filed under it.
        page = tmp_path / "returns.html"
        page.write_text(
            "<h1>Returns</h1><p># of items per return: up to 10.</p><h2>Refunds</h2><p>Refunds take 5-7 business days.</p>"
            "<p>``` is how code is fenced.</p><p>Exchanges are free.</p>",
            encoding="utf-8",
        )
        (document,) = load_file(_source(page)).documents
        chunks = DocumentSplitter(ChunkingSettings(200, 0), lambda text: len(text.split())).split(document)
        sections = [(chunk.headings, [sentence.strip("\u2060") for sentence in split_sentences(chunk.text)]) for chunk in chunks]
        assert sections == [
            ((), ["# of items per return: up to 10."]),
            (("Refunds",), ["Refunds take 5-7 business days.", "``` is how code is fenced.", "Exchanges are free."]),
        ]

    def test_a_byte_order_mark_and_windows_line_ends_are_read_past(self, tmp_path: Path):
        # The mark hid the front matter (indexed as text, its url lost); "\r" kept a delimiter row from being one.
        page = tmp_path / "codes.md"
        page.write_bytes("\ufeff---\r\ntitle: Codes\r\nurl: https://help.example.com/codes\r\n---\r\nCode | Meaning\r\n---|---\r\nE12 | Hot\r\n".encode())
        (document,) = load_file(_source(page)).documents
        assert (document.title, document.url, document.text.strip()) == ("Codes", "https://help.example.com/codes", "| Code | Meaning |\n| --- | --- |\n| E12 | Hot |")

    def test_a_chunk_that_starts_inside_code_starts_with_its_fence_and_no_comment_is_a_heading(self, tmp_path: Path):
        # Cut off from its fence, a chunk of code was quoted as a prose list item, its first line moved left; a "#"
        # comment in a block fenced with four backticks (or indented) became a heading over the rest of the page.
        functions = "\n".join(f"def tier_{n}(x):\n    return x * {n}  # tier {n}" for n in range(30))
        page = tmp_path / "tiers.md"
        page.write_text(f"# Tiers\n\n```python\n{functions}\n```\n\n````\n```bash\n# install\npip install x\n```\n````\n\nDone.\n", encoding="utf-8")
        (document,) = load_file(_source(page)).documents
        chunks = DocumentSplitter(ChunkingSettings(60, 0), lambda text: len(text.split())).split(document)
        in_code = [chunk.text for chunk in chunks if "tier_" in chunk.text]
        assert len(in_code) > 2 and all(text.startswith("```python\n") for text in in_code), in_code
        assert all(f"\n    return x * {n}  # tier {n}" in "\n".join(in_code) for n in range(30))  # indented, every line
        assert {chunk.headings for chunk in chunks} == {()}, {chunk.headings for chunk in chunks}

    @staticmethod
    def _chunks(text: str, tokens: int) -> list[str]:
        document = SourceDocument("page.md", "Page", "page.md", text, "markdown")
        return [chunk.text for chunk in DocumentSplitter(ChunkingSettings(tokens, 0), lambda t: len(t.split())).split(document)]

    def test_a_chunk_of_a_list_items_code_is_closed_where_its_block_is(self):
        # The fence it was given stood at the margin while its closing fence stood four spaces in: the block ran on
        # and took "2. Restart the service." into the code.
        text = "# Setup\n\n1. Install the tool:\n\n    ```bash\n    apt-get update\n    apt-get install -y tool\n    ```\n\n2. Restart the service. It takes a minute."
        for tokens in range(5, 30):  # wherever the chunker cuts
            chunks = self._chunks(text, tokens)
            assert not any("Restart" in sentence and sentence.startswith("```") for chunk in chunks for sentence in split_sentences(chunk)), chunks
            assert all(chunk.startswith("```bash\n") for chunk in chunks if "apt-get" in chunk and "Install" not in chunk), chunks

    def test_code_keeps_its_lines_in_a_nested_list_and_beside_the_splitters_own_symbols(self):
        nested = "- Linux\n    - Debian:\n\n        ```python\n        def main():\n\n            # keep this comment\n            return 1\n        ```"
        assert "def main():\n\n    # keep this comment\n    return 1" in "\n".join(self._chunks(nested, 200)).replace("        ", "")
        # A page holding one of the symbols the guard writes lost it and every code line's indentation; a code line's
        # narrow no-break space was dropped.
        own = "The blank braille cell \u2800 is U+2800.\n\n```python\ndef f():\n\tsep = '\u202f'\n    return 1\n```"
        assert self._chunks(own, 200) == ["The blank braille cell \u2800 is U+2800.  \n```python\ndef f():\n\tsep = '\u202f'\n    return 1\n```"]

    def test_an_indented_code_block_is_read_as_code_with_its_indentation_wherever_the_chunker_cuts(self, tmp_path: Path):
        # LangChain's splitter read it as a paragraph and stripped its lines: the code reached customers flush left
        # (quoted as a list item, on one line), Python that no longer ran.
        code = ["def report(orders):", "    for order in orders:", "        if order.late:", "            print(order.id)", "    return len(orders)"]
        page = "# Reports\n\nSave this as `report.py`:\n\n" + "\n".join(f"    {line}" for line in code) + "\n\nThen run it.\n"
        document = _read(tmp_path, "reports.md", page)
        for tokens in range(6, 40):
            chunks = [chunk.text for chunk in DocumentSplitter(ChunkingSettings(tokens, 0), lambda t: len(t.split())).split(document)]
            in_code = [chunk for chunk in chunks if "order" in chunk]
            assert all(chunk.startswith("```\n") or "`report.py`:  \n```\n" in chunk for chunk in in_code), chunks
            assert all(line in code for chunk in in_code for line in chunk.split("\n") if "order" in line), chunks
        (whole,) = DocumentSplitter(ChunkingSettings(200, 0), lambda t: len(t.split())).split(document)
        assert "```\n" + "\n".join(code) + "\n```" in whole.text
        # An FAQ answer's too.
        faq = tmp_path / "faq.jsonl"
        faq.write_text(json.dumps({"question": "How do I list late orders?", "answer": "Run:\n\n    larkspur orders \\\n      --late"}) + "\n", encoding="utf-8")
        assert load_file(_source(faq)).documents[0].text == "Run:\n\n```\nlarkspur orders \\\n  --late\n```"

    def test_a_chunk_that_starts_at_a_delimiter_row_starts_with_its_header_row(self):
        for words in range(1, 40):  # wherever the chunker cuts
            text = "# Plans\n\n" + "word " * words + "end.\n\n| Plan | Monthly price |\n| --- | --- |\n| Basic | $5 |\n| Pro | $9 |"
            chunks = self._chunks(text, 20)
            assert all("| Plan | Monthly price |\n| --- | --- |\n" in chunk for chunk in chunks if "| Basic |" in chunk), chunks

    def test_an_html_pages_title_is_its_heading_without_the_sites_name(self, tmp_path: Path):
        page = tmp_path / "deadlines.html"
        html = "<title>Holiday deadlines | Example Help Center</title><h1>Holiday deadlines</h1><p>Order by <b>Dec 14</b>.</p>"
        page.write_text(html, encoding="utf-8")
        (document,) = load_file(_source(page)).documents
        assert document.title == "Holiday deadlines"
        assert "Order by Dec 14." in document.text  # not "Dec 14 ." where the bold ends

    def test_plain_text_heading_lines_become_headings(self, tmp_path: Path):
        page = tmp_path / "care.txt"
        page.write_text(
            "Caring for Cast Iron\n\nIt comes pre-seasoned.\n\nFixing rust\nSmall rust spots are easy to fix.\n"
            "Scrub them away with steel wool\n\n- Oil it lightly\nThen store it dry.\n\nWarranty\nOne year.\n",
            encoding="utf-8",
        )
        (document,) = load_file(_source(page)).documents
        headings = [line for line in document.text.splitlines() if line.startswith("#")]
        # A wrapped line inside a paragraph ("Scrub them away ...") is not a heading, nor a list item, nor a sentence.
        assert (document.title, headings) == ("Caring for Cast Iron", ["# Caring for Cast Iron", "## Fixing rust", "## Warranty"])

    @pytest.mark.parametrize(
        "text",
        ["Vouchers are valid for 2 years.", "Vouchers are valid for 2 years.\nThey can't be exchanged for cash.\n"],
        ids=["one-line-file", "first-line-a-sentence"],
    )
    def test_a_first_line_that_is_a_sentence_is_indexed_as_text_not_as_the_title(self, tmp_path: Path, text):
        page = tmp_path / "gift-vouchers.txt"
        page.write_text(text, encoding="utf-8")
        (document,) = load_file(_source(page)).documents
        chunks = DocumentSplitter(ChunkingSettings(200, 0), lambda text: len(text.split())).split(document)
        assert document.title == "Gift vouchers"
        assert [chunk.text for chunk in chunks] == [text.strip()]  # every sentence is in a chunk's text, none in a heading

    def test_a_pdfs_numbered_section_headings_become_headings(self):
        pdf = sample_docs_dir() / "warranty" / "limited-warranty.pdf"
        (document,) = load_file(SourceFile(pdf, "warranty.pdf")).documents
        headings = [line for line in document.text.splitlines() if line.startswith("## ")]
        assert headings[:4] == ["## 1. Warranty period", "## 2. What is covered", "## 3. What is not covered", "## 4. How to make a claim"]

    @pytest.mark.parametrize(
        "text",
        [
            "Returns\n1. Go to the returns page\n2. Enter your order number\n3. Print the label",  # a numbered list
            "Terms\n2. Shipping\nWe ship daily.\n5. Returns\nWithin 30 days.",  # not numbered 1, 2, 3 ...
        ],
    )
    def test_numbered_lines_that_are_not_a_documents_sections_stay_as_they_are(self, text):
        assert _numbered_headings(text) == text

    def test_a_pdfs_running_header_footer_and_page_numbers_are_left_out(self, tmp_path: Path):
        # Repeated on every page, "Larkspur Goods | Warranty guide" and "Page 2 of 3" were sentences of every chunk.
        pages = [
            ["Warranty guide", "Larkspur Goods | support@larkspurgoods.com", "Cookware is covered for 1 year.", f"Page {n} of 3"]
            if n == 1 else ["Larkspur Goods | support@larkspurgoods.com", f"Claims need a photo ({n}).", f"Page {n} of 3"]
            for n in (1, 2, 3)
        ]
        page = tmp_path / "warranty.pdf"
        page.write_bytes(_pdf(pages))
        (document,) = load_file(_source(page)).documents
        assert document.title == "Warranty guide"
        assert document.text == "Warranty guide\nCookware is covered for 1 year.\n\nClaims need a photo (2).\n\nClaims need a photo (3)."

    def test_pdf_text_layer_is_extracted(self):
        pdf = sample_docs_dir() / "warranty" / "limited-warranty.pdf"
        (document,) = load_file(SourceFile(pdf, "warranty.pdf")).documents
        assert document.format == "pdf"
        assert "warranty" in document.text.lower()

    def test_faq_entries_become_one_document_each(self):
        faq = sample_docs_dir() / "faq.jsonl"
        result = load_file(SourceFile(faq, "faq.jsonl"))
        lines = [json.loads(line) for line in faq.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert len(result.documents) == len(lines)
        assert result.documents[0].question == lines[0]["question"]
        assert sum(d.approved for d in result.documents) == sum(1 for line in lines if line.get("approved") is True)


class TestBadInput:
    def test_malformed_faq_line_is_skipped_with_file_and_line(self, tmp_path: Path):
        faq = tmp_path / "faq.jsonl"
        faq.write_text('{"question": "Q1?", "answer": "A1."}\n{not json\n{"question": "Q3?"}\n', encoding="utf-8")
        result = load_file(_source(faq))
        assert [d.question for d in result.documents] == ["Q1?"]
        assert any(f"{faq}:2: skipped, not valid JSON" in w for w in result.warnings)
        assert any(f"{faq}:3: skipped" in w and '"answer"' in w for w in result.warnings)

    def test_non_utf8_file_is_skipped_with_a_warning_naming_it(self, tmp_path: Path):
        bad = tmp_path / "latin1.txt"
        bad.write_bytes("Caf\xe9 opening hours".encode("latin-1"))
        result = load_file(_source(bad))
        assert result.documents == []
        assert str(bad) in result.warnings[0] and "UTF-8" in result.warnings[0]

    def test_missing_docs_path_is_an_error(self, tmp_path: Path):
        with pytest.raises(DocumentError, match="does not exist"):
            discover_files([str(tmp_path / "nowhere")])

    def test_folder_without_documents_is_an_error(self, tmp_path: Path):
        (tmp_path / "notes.docx").write_bytes(b"binary")
        with pytest.raises(DocumentError, match="no documents in"):
            discover_files([str(tmp_path)])


def _faq(folder: Path, *entries: dict | str) -> Path:
    """faq.jsonl holding one line per entry (a dict is written as JSON, a string as it is)."""
    faq = folder / "faq.jsonl"
    faq.write_text("".join((entry if isinstance(entry, str) else json.dumps(entry)) + "\n" for entry in entries), encoding="utf-8")
    return faq


class TestFaqIds:
    def test_a_repeated_id_keeps_both_entries_under_distinct_ids_with_a_warning(self, tmp_path: Path):
        faq = _faq(
            tmp_path,
            {"id": "f1", "question": "Do you ship to Canada?", "answer": "Yes, we ship to Canada in 7 days."},
            {"id": "f1", "question": "Duplicate id question?", "answer": "Duplicate id answer."},
        )
        result = load_file(_source(faq))
        assert [(d.doc_id, d.question) for d in result.documents] == [
            ("faq.jsonl#f1", "Do you ship to Canada?"),
            ("faq.jsonl#f1-line2", "Duplicate id question?"),
        ]
        assert result.warnings == [f'{faq}:2: id "f1" is already used on line 1; indexed as "f1-line2" (give it an id of its own)']
        assert [d.doc_id for d in load_file(_source(faq)).documents] == [d.doc_id for d in result.documents]  # every build

    def test_a_line_without_id_gives_way_to_an_id_that_is_its_line_number(self, tmp_path: Path):
        faq = _faq(
            tmp_path,
            {"question": "Q1?", "answer": "A1."},
            {"id": "f1", "question": "Q2?", "answer": "A2."},
            {"id": "1", "question": "Q3?", "answer": "A3."},
        )
        result = load_file(_source(faq))
        assert [d.doc_id for d in result.documents] == ["faq.jsonl#line1", "faq.jsonl#f1", "faq.jsonl#1"]
        assert result.warnings == [
            f'{faq}:1: has no "id", and its line number is the id "1" given on line 3; indexed as "line1" (give it an id of its own)'
        ]

    def test_a_replacement_id_another_line_already_gives_is_not_reused(self, tmp_path: Path):
        faq = _faq(
            tmp_path,
            {"id": "f1", "question": "Q1?", "answer": "A1."},
            {"id": "f1", "question": "Q2?", "answer": "A2."},
            {"id": "f1-line2", "question": "Q3?", "answer": "A3."},
        )
        doc_ids = [d.doc_id for d in load_file(_source(faq)).documents]
        assert doc_ids == ["faq.jsonl#f1", "faq.jsonl#f1-line2-2", "faq.jsonl#f1-line2"]


class TestFaqOptionalFields:
    def test_a_line_holding_a_string_is_skipped_naming_it_a_string(self, tmp_path: Path):
        faq = _faq(tmp_path, {"question": "Q1?", "answer": "A1."}, '"Do you ship to Canada?"')
        assert load_file(_source(faq)).warnings == [
            f'{faq}:2: skipped, expected an object like {{"question": ..., "answer": ...}}, got a string'
        ]

    def test_a_null_url_is_no_url(self, tmp_path: Path):
        faq = _faq(tmp_path, {"question": "Q?", "answer": "See [returns](/returns).", "url": None})
        result = load_file(_source(faq))
        assert (result.documents[0].url, result.warnings) == ("", [])

    def test_approved_yes_is_not_approved_and_the_warning_names_the_line(self, tmp_path: Path):
        faq = _faq(
            tmp_path,
            {"question": "Refund policy?", "answer": "Refunds within 30 days.", "approved": True},
            {"question": "Warranty terms?", "answer": "Two years.", "approved": "yes"},
        )
        result = load_file(_source(faq))
        assert [d.approved for d in result.documents] == [True, False]
        assert result.warnings == [f'{faq}:2: "approved" must be true or false, not "yes"; the entry is not approved']

    def test_front_matter_approved_false_in_quotes_is_not_approved_with_a_warning(self, tmp_path: Path):
        page = tmp_path / "refunds.md"
        page.write_text('---\napproved: "false"\nurl:\n---\n# Refunds\n\nRefunds take 5 days.\n', encoding="utf-8")
        result = load_file(_source(page))
        assert (result.documents[0].approved, result.documents[0].url) == (False, "")
        assert result.warnings == [f"{page}: \"approved\" in its front matter must be true or false, not 'false'; the page is not approved"]


class TestEmptyFiles:
    @pytest.mark.parametrize("name", ["empty.md", "empty.txt", "empty.html", "faq.jsonl"])
    @pytest.mark.parametrize("text", ["", " \n\n\t\n"])
    def test_an_empty_or_blank_file_is_skipped_with_a_warning_naming_it(self, tmp_path: Path, name: str, text: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = load_file(_source(path))
        assert result.documents == []
        assert result.warnings == [f"skipped {path}: the file is empty (or only whitespace); add its text or leave it out"]

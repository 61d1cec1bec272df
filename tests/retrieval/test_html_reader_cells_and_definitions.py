"""An HTML table cell's paragraphs, pipes and code, and a <dl>'s definitions of several sentences, read as a reader
sees them (retrieval/html_tables.py, retrieval/html_reader.py): a cell's paragraphs ran together ("...first.Second"),
a pipe was "/" and code lost its backticks where a Markdown table keeps them, and a definition's later sentences were
read, and quoted, about nothing."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from test_html_reader_structures import _chunks

from supportbot.retrieval.loaders import SourceFile, load_file
from supportbot.text.sentences import split_sentences

PLATFORMS = (
    "<h1>Supported platforms</h1><table><tr><th>Platform</th><th>Notes</th></tr>"
    "<tr><td>Windows</td><td><p>64-bit only.</p><p>ARM is in beta</p><p>no Windows 7</p></td></tr>"
    "<tr><td>Linux</td><td><div>Debian and Ubuntu.</div><div>Fedora too.</div></td></tr></table>"
)
FLAGS_HTML = (
    "<h1>Sync command</h1><table><tr><th>Flag</th><th>What it does</th></tr>"
    "<tr><td><code>--force</code></td><td>Overwrites files on the server.</td></tr>"
    "<tr><td><code>--mode a|b</code></td><td>Syncs one way (a) or both (b | default).</td></tr></table>"
)
FLAGS_MARKDOWN = (
    "# Sync command\n\n| Flag | What it does |\n| --- | --- |\n| `--force` | Overwrites files on the server. |\n"
    "| `--mode a\\|b` | Syncs one way (a) or both (b \\| default). |\n"
)
ERRORS = (
    "<h1>Sync troubleshooting</h1><h2>Error codes</h2><dl>"
    "<dt>E101</dt><dd>You are out of storage. Delete files or upgrade your plan.</dd>"
    "<dt>E204</dt><dd>The file name has characters Windows doesn't allow. Rename the file, then sync again.</dd>"
    "<dt>E309</dt><dd><p>Your session expired.</p><p>Sign out and sign in again.</p></dd></dl>"
    "<h2>Contact</h2><p>Write to help@example.com.</p>"
)


def _read(tmp_path: Path, name: str, page: str) -> str:
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    (document,) = load_file(SourceFile(path, path.name)).documents
    return document.text


@pytest.fixture
def ask(answer_from_page):
    """Asks `question` first in a conversation, in extractive mode, of an index holding only the HTML page `html`."""
    return partial(answer_from_page, "page.html")


class TestParagraphsInACell:
    def test_each_paragraph_in_a_cell_is_a_sentence_of_its_own(self, tmp_path: Path):
        # Was "64-bit only.ARM is in betano Windows 7": one sentence, its words run together.
        text = _read(tmp_path, "page.html", PLATFORMS)
        assert "| Windows | 64-bit only. ARM is in beta; no Windows 7 |" in text
        assert "| Linux | Debian and Ubuntu. Fedora too. |" in text

    def test_a_question_about_a_cell_quotes_its_paragraphs_apart(self, ask):
        answer = ask(PLATFORMS, "Does it run on Windows ARM?")
        assert "64-bit only. ARM is in beta" in answer, answer


class TestPipesAndCodeInACell:
    def test_a_cell_is_read_as_the_same_markdown_tables_cell_is(self, tmp_path: Path):
        # Was "| --force | ..." and "| --mode a/b | ... (b / default). |": the flag read as a word, the pipe a slash.
        html = _read(tmp_path, "page.html", FLAGS_HTML)
        assert html == _read(tmp_path, "page.md", FLAGS_MARKDOWN).rstrip("\n")
        assert "| `--mode a\\|b` | Syncs one way (a) or both (b \\| default). |" in html

    def test_a_pipe_in_a_cell_of_a_table_in_a_cell_is_escaped_once(self, tmp_path: Path):
        html = "<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td><table><tr><td>a|b</td><td>$5</td></tr></table></td></tr></table>"
        assert _read(tmp_path, "page.html", html).endswith("| Pro | a\\|b: $5 |")

    def test_the_answer_quotes_a_flag_as_code(self, ask):
        answer = ask(FLAGS_HTML, "Which flag overwrites files on the server?")
        assert "`--force`" in answer, answer


class TestDefinitionOfSeveralSentences:
    def test_every_sentence_of_a_definition_is_read_under_its_term(self, tmp_path: Path):
        # Only the first sentence carried the term ("**E204**: ..."); "Rename the file, then sync again." and a second
        # paragraph ("Sign out and sign in again.") stood under "Error codes" alone.
        sections = [(chunk.headings, split_sentences(chunk.text)) for chunk in _chunks(tmp_path, ERRORS)]
        assert sections == [
            (("Error codes", "E101"), ["You are out of storage.", "Delete files or upgrade your plan."]),
            (("Error codes", "E204"), ["The file name has characters Windows doesn't allow.", "Rename the file, then sync again."]),
            (("Error codes", "E309"), ["Your session expired.", "Sign out and sign in again."]),
            (("Contact",), ["Write to help@example.com."]),
        ]

    def test_the_answer_to_how_to_fix_an_error_quotes_the_fix_its_definition_gives(self, ask):
        # Was "**E204**: The file name has characters Windows doesn't allow.": the fix was lost.
        answer = ask(ERRORS, "How do I fix error E204?")
        assert "Rename the file, then sync again." in answer, answer

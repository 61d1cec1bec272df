"""Split documents into chunks measured in embedding-model tokens, keeping headings as metadata.

LangChain's Markdown header splitter cuts at headings and records them; the recursive splitter then
cuts long sections by paragraphs, lines and words, counting length with the embedder's tokenizer.
A chunk that starts inside a table is given the table's header row (and delimiter row) first: its
rows' cells mean something only under their columns' names, for the embedder and for an answer
quoting a row (a few tokens over `chunk_tokens`); one that starts inside a fenced code block is
given its opening fence, so that its lines are read and quoted as code.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from supportbot.retrieval.documents import Chunk, SourceDocument
from supportbot.retrieval.header_guard import HeaderGuard
from supportbot.text.sentences import (
    delimiter_row,
    fenced_lines,
    indentation,
    is_code_block,
    is_delimiter_row,
    is_table_row,
    opens_table,
    table_headers,
)

HEADING_LEVELS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
# How files are read into sections: raised when a loader changes what a chunk holds (2: plain-text heading lines,
# HTML titles without the site's name, a PDF's numbered section headings; 3: a plain-text file's first line is its
# title only when it is not a sentence, so a one-line file is no longer indexed empty; 4: HTML tables as Markdown
# tables, and a chunk starting inside a table starts with its header row; 5: pages read as their readers see them:
# a Markdown table's rows written one way ("Code | Meaning" read as a row), the HTML in a Markdown page read
# (retrieval/inline_html.py), every piece of an HTML page's text read and its <pre> as code
# (retrieval/html_reader.py), spaces, joiners and code kept through LangChain's splitter (retrieval/header_guard.py),
# links made readable and images left out (retrieval/links.py); 6: an HTML paragraph opening with "#" or "```" read as
# one, a link whose text is code or whose address holds parentheses read as a link, HTML code holding a backtick as
# code; 7: a Markdown page's or FAQ answer's indented code block read as a fenced one, its indentation kept; 8: a list
# item's indented code block too, FAQ entries given one id each their own, "approved" true only, a null url none; 9:
# HTML spanned cells, <br>, <dl>, <details> and nested tables and lists read as shown (retrieval/html_reader.py), a
# Markdown page's setext headings, closing hashes, footnotes and Q:/A: pairs (retrieval/markdown_reading.py); 10: an HTML cell's paragraphs apart, its pipes and code as a
# Markdown cell's, a <dd>'s every sentence under its term (retrieval/html_tables.py, retrieval/html_reader.py)), so that
# an index built before is re-embedded whole, not kept for unchanged files.
READER_VERSION = 11


@dataclass(frozen=True)
class ChunkingSettings:
    """What decides chunk boundaries; recorded in the index manifest."""

    chunk_tokens: int
    chunk_overlap_tokens: int

    def to_dict(self) -> dict[str, int]:
        return {"chunk_tokens": self.chunk_tokens, "chunk_overlap_tokens": self.chunk_overlap_tokens, "reader_version": READER_VERSION}


class DocumentSplitter:
    """Cuts SourceDocuments into Chunks no longer than `chunk_tokens` of body text."""

    def __init__(self, settings: ChunkingSettings, count_tokens: Callable[[str], int]) -> None:
        self.settings = settings
        self._headers = MarkdownHeaderTextSplitter(HEADING_LEVELS, strip_headers=True)
        self._recursive = RecursiveCharacterTextSplitter(
            chunk_size=settings.chunk_tokens,
            chunk_overlap=settings.chunk_overlap_tokens,
            length_function=count_tokens,
        )

    def _sections(self, document: SourceDocument) -> list[tuple[tuple[str, ...], str]]:
        if document.format not in ("markdown", "html", "text", "pdf"):  # text, pdf: the loader marks their headings
            return [((), document.text)]
        sections = []
        guard = HeaderGuard(document.text)  # LangChain's splitter loses indentation and more (retrieval/header_guard.py)
        for piece in self._headers.split_text(guard.guarded(document.text, fenced_lines(document.text.split("\n")))):
            headings = tuple(piece.metadata[key] for _, key in HEADING_LEVELS if key in piece.metadata)
            # The page title is already the chunk's title; don't repeat it as a heading.
            if headings and headings[0] == document.title:
                headings = headings[1:]
            sections.append((headings, guard.unguarded(piece.page_content)))
        return sections

    def _pieces(self, text: str, document: SourceDocument) -> list[str]:
        # Approved text is kept whole so the bot can quote it word for word (see bot/approved.py).
        return [text] if document.approved else with_openings(text, self._recursive.split_text(text))

    def split(self, document: SourceDocument) -> list[Chunk]:
        chunks: list[Chunk] = []
        sections = [((), document.text)] if document.approved else self._sections(document)
        for headings, text in sections:
            for piece in self._pieces(text, document):
                if not piece.strip():
                    continue
                chunks.append(
                    Chunk(
                        chunk_id=f"{document.doc_id}::{len(chunks)}",  # Chunk.order reads the number back
                        doc_id=document.doc_id,
                        title=document.title,
                        path=document.path,
                        text=piece.strip(),
                        url=document.url,
                        headings=headings,
                        question=document.question,
                        approved=document.approved,
                    )
                )
        return chunks


def with_openings(text: str, pieces: list[str]) -> list[str]:
    """The pieces, each that starts inside a Markdown table under the table's header and delimiter rows, and each that
    starts inside a fenced code block under its opening fence: cut off from them, rows' cells mean nothing and code
    reads as prose (a chunk of code was quoted as a list item). A list item's code (its fence four spaces in) is
    moved left with its fence, so that its closing fence still closes it; a piece of fences alone is left out."""
    lines = text.split("\n")
    line_starts = list(accumulate([0, *(len(line) + 1 for line in lines[:-1])]))
    owners, headers = fenced_lines(lines), table_headers(lines)
    result, searched = [], 0
    for piece in pieces:
        begins = piece.lstrip()
        at = text.find(begins, searched)
        searched = max(searched, at)
        number = bisect_right(line_starts, at) - 1
        if at < 0:
            result.append(piece)
        elif owners[number] >= 0 and (number and owners[number - 1] == owners[number] or text[line_starts[number] : at].strip()):
            opening = owners.index(owners[number])
            code = _moved_left(text[line_starts[number] : at] + begins, indentation(lines[opening]), owners[number : number + begins.count("\n") + 1], owners[number])
            if code.strip(" \n`~"):
                result.append(f"{lines[opening].strip()}\n{code}")
        elif text[line_starts[number] : at].strip():
            result.append(piece)  # it starts mid-line
        elif is_delimiter_row(begins.split("\n", 1)[0]) and number and opens_table(lines[number - 1], lines[number]):
            result.append(f"{lines[number - 1].strip()}\n{begins}")
        elif is_table_row(begins.split("\n", 1)[0]) and (header := headers[number]):
            result.append(f"{header}\n{delimiter_row(header)}\n{begins}")
        elif not all(is_code_block(line) for line in begins.split("\n")):  # not a piece of fences alone
            result.append(piece)
    return result


def _moved_left(code: str, indent: int, owners: list[int], block: int) -> str:
    """The lines of a piece of code block `block` moved left by up to `indent` spaces (its fence's own), the lines
    after the block as they are."""
    lines = code.split("\n")
    return "\n".join(line[min(indent, indentation(line)) :] if n < len(owners) and owners[n] == block else line for n, line in enumerate(lines))

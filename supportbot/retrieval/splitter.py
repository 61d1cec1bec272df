"""Split documents into chunks measured in embedding-model tokens, keeping headings as metadata.

LangChain's Markdown header splitter cuts at headings and records them; the recursive splitter then
cuts long sections by paragraphs, lines and words, counting length with the embedder's tokenizer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from supportbot.retrieval.documents import Chunk, SourceDocument

HEADING_LEVELS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
# How files are read into sections: raised when a loader changes what a chunk holds (2: plain-text heading lines,
# HTML titles without the site's name, a PDF's numbered section headings; 3: a plain-text file's first line is its
# title only when it is not a sentence, so a one-line file is no longer indexed empty), so that an index built
# before is re-embedded whole, not kept for unchanged files.
READER_VERSION = 3


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
        for piece in self._headers.split_text(document.text):
            headings = tuple(piece.metadata[key] for _, key in HEADING_LEVELS if key in piece.metadata)
            # The page title is already the chunk's title; don't repeat it as a heading.
            if headings and headings[0] == document.title:
                headings = headings[1:]
            sections.append((headings, piece.page_content))
        return sections

    def _pieces(self, text: str, document: SourceDocument) -> list[str]:
        # Approved text is kept whole so the bot can quote it word for word (see bot/approved.py).
        return [text] if document.approved else self._recursive.split_text(text)

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

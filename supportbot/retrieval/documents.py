"""The units retrieval works with: a source document, a chunk of one, and a scored chunk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceDocument:
    """One page or FAQ entry as read from disk, before splitting."""

    doc_id: str
    title: str
    path: str
    text: str
    format: str  # markdown, html, text, pdf or faq
    url: str = ""
    question: str = ""  # FAQ entries only: the question the answer (`text`) belongs to
    approved: bool = False


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed, with where it came from."""

    chunk_id: str
    doc_id: str
    title: str
    path: str
    text: str
    url: str = ""
    headings: tuple[str, ...] = ()
    question: str = ""
    approved: bool = False

    @property
    def order(self) -> int:
        """The chunk's place in its document: the splitter numbers chunk ids "doc::0", "doc::1", ... (0 for other ids)."""
        number = self.chunk_id.rpartition("::")[2]
        return int(number) if number.isdigit() else 0

    def embedding_text(self) -> str:
        """What gets embedded: the title and headings travel with the text so a chunk keeps its topic."""
        if self.question:
            return f"{self.question}\n{self.text}"
        heading_path = " > ".join(h for h in (self.title, *self.headings) if h)
        return f"{heading_path}\n{self.text}" if heading_path else self.text

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "path": self.path,
            "text": self.text,
            "url": self.url,
            "headings": list(self.headings),
            "question": self.question,
            "approved": self.approved,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**{**data, "headings": tuple(data.get("headings", ()))})


@dataclass(frozen=True)
class ScoredChunk:
    """A retrieved chunk and its cosine similarity to the query (higher is closer)."""

    chunk: Chunk
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)

"""The seam between retrieval and the dialogue manager."""

from __future__ import annotations

from typing import Protocol

from supportbot.retrieval.documents import ScoredChunk


class Retriever(Protocol):
    """Finds the chunks relevant to a query, best first; an empty list means nothing relevant."""

    def retrieve(self, query: str) -> list[ScoredChunk]: ...


class SearchPipeline(Protocol):
    """A retriever that can also rank any number of chunks and say which of them clear its relevance bar."""

    def search(self, query: str, k: int) -> list[ScoredChunk]: ...

    def is_relevant(self, hit: ScoredChunk) -> bool: ...

"""supportbot's retriever as a LangChain `BaseRetriever`, so it drops into LangChain chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from supportbot.retrieval.base import Retriever


class LangChainRetriever(BaseRetriever):
    """Wraps any supportbot Retriever; each Document carries the chunk's metadata and score."""

    retriever: Any

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.retriever.retrieve(query)
        return [
            Document(
                page_content=hit.chunk.text,
                metadata={**hit.chunk.to_dict(), "score": hit.score},
                id=hit.chunk.chunk_id,
            )
            for hit in hits
        ]


def as_langchain_retriever(retriever: Retriever) -> LangChainRetriever:
    return LangChainRetriever(retriever=retriever)

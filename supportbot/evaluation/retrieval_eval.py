"""Evaluate retrieval pipelines on a dataset: index the corpus with the configured settings, run every query.

A dataset is a BEIR folder, or an answer set (JSONL questions with "doc_ids") over document files,
such as the sample docs: those are indexed as `index build` reads them (pages split at headings).
Scoring is at document level: a ranked list of chunks becomes a ranked list of documents, each at
the rank of its best chunk, so a long document split into many chunks counts once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from supportbot.config import Config
from supportbot.errors import DatasetError
from supportbot.evaluation.beir import BeirDataset, CorpusDocument
from supportbot.evaluation.metrics import dedupe_documents, summarize
from supportbot.retrieval.documents import ScoredChunk, SourceDocument
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.index_store import StoredIndex, load_index

Search = Callable[[str, int], Sequence[ScoredChunk]]
CORPUS_PATH = "corpus.jsonl"


@dataclass
class PipelineResult:
    """One pipeline's figures and the per-query document rankings behind them."""

    name: str
    metrics: dict[str, float]
    rankings: dict[str, list[str]]


def corpus_documents(dataset: BeirDataset) -> list[SourceDocument]:
    """Corpus entries as documents; a title is indexed as the entry's question field, as for FAQ entries."""
    return [
        SourceDocument(
            doc_id=doc.doc_id,
            title=doc.title or doc.doc_id,
            path=CORPUS_PATH,
            text=doc.text or doc.title,
            format="faq" if doc.title else "text",
            question=doc.title,
        )
        for doc in dataset.corpus.values()
    ]


def load_docs_eval_set(docs: list[str], questions: Path) -> tuple[BeirDataset, list[SourceDocument]]:
    """An answer set over document files, as a dataset (for the reference pipelines' whole entries) and its documents."""
    from supportbot.evaluation.answers import load_answer_cases
    from supportbot.retrieval.loaders import discover_files, load_file

    documents = [document for source in discover_files(docs) for document in load_file(source).documents]
    corpus = {d.doc_id: CorpusDocument(d.doc_id, d.question or d.title, d.text) for d in documents}
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for number, case in enumerate(load_answer_cases(questions), start=1):
        unknown = [doc_id for doc_id in case.doc_ids if doc_id not in corpus]
        if unknown:
            raise DatasetError(f"{questions}: question {number} names {unknown[0]!r}, which is not a document of {', '.join(docs)}")
        if case.doc_ids:
            queries[f"q{number}"] = case.question
            qrels[f"q{number}"] = {doc_id: 1 for doc_id in case.doc_ids}
    if not queries:
        raise DatasetError(f'{questions}: no question has "doc_ids" naming the documents that answer it')
    return BeirDataset(questions, corpus, queries, qrels), documents


def build_eval_index(
    config: Config,
    dataset: BeirDataset,
    index_dir: Path,
    embedder: SentenceTransformerEmbedder,
    show_progress: bool,
    documents: list[SourceDocument] | None = None,
) -> StoredIndex:
    """The dataset's corpus (or `documents`, when it came from files) indexed with the configured settings."""
    from supportbot.app import create_index_builder

    builder = create_index_builder(config, embedder, show_progress)
    builder.build_documents(documents if documents is not None else corpus_documents(dataset), index_dir)
    return load_index(index_dir)


def chunk_depth(k: int) -> int:
    """Chunks fetched per query to fill k documents; documents with several chunks take several places."""
    return 3 * k


def evaluate_search(name: str, search: Search, dataset: BeirDataset, k: int = 10, show_progress: bool = False) -> PipelineResult:
    """Run every judged query through `search`, timing each call, and score the document rankings."""
    queries = list(dataset.queries.items())
    search(queries[0][1], chunk_depth(k))  # first call pays one-time costs (thread pools, caches); not timed
    rankings: dict[str, list[str]] = {}
    latencies: list[float] = []
    for query_id, text in tqdm(queries, desc=name, unit="query", disable=not show_progress):
        started = time.perf_counter()
        hits = search(text, chunk_depth(k))
        latencies.append((time.perf_counter() - started) * 1000)
        rankings[query_id] = dedupe_documents([hit.chunk.doc_id for hit in hits])[:k]
    return PipelineResult(name, summarize(rankings, dataset.qrels, latencies, k), rankings)

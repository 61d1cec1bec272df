"""Wire components together from a Config: the one place that knows which class implements what."""

from __future__ import annotations

import logging
import typing
from pathlib import Path

from supportbot.bot.approved import ApprovedAnswers
from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.grounding import GroundingChecker
from supportbot.bot.live_index import LiveIndex
from supportbot.config import Config, RetrievalMode
from supportbot.generation.base import Generator
from supportbot.generation.registry import create_generator, generation_settings
from supportbot.model_sources import embedding_model_languages
from supportbot.observability import Metrics
from supportbot.privacy import redact
from supportbot.retrieval.base import Retriever
from supportbot.retrieval.bm25 import BM25Retriever
from supportbot.retrieval.builder import BuildReport, IndexBuilder
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.hybrid import HybridRetriever
from supportbot.retrieval.index_store import StoredIndex, build_lock, index_folder_unused, load_index
from supportbot.retrieval.reranker import CrossEncoderReranker, RerankingRetriever
from supportbot.retrieval.splitter import ChunkingSettings
from supportbot.store import ConversationStore, Database, open_database
from supportbot.text.analyzers import TextAnalyzer
from supportbot.text.language import ModelLanguages

log = logging.getLogger(__name__)
RETRIEVAL_MODES: tuple[str, ...] = typing.get_args(RetrievalMode)


def create_embedder(config: Config) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(
        config.retrieval.embedding_model,
        query_encoder=config.retrieval.query_encoder,
        document_encoder=config.retrieval.document_encoder,
        document_weights=config.retrieval.document_weights,
        document_runtime=config.retrieval.document_runtime,
        cache_dir=config.paths.cache_path(),
        query_prompt=config.retrieval.query_prompt,
        document_prompt=config.retrieval.document_prompt,
    )


def embedding_languages(config: Config) -> ModelLanguages:
    """What the embedding model reads: retrieval.embedding_languages, else what is known of the model (else everything)."""
    retrieval = config.retrieval
    return ModelLanguages(retrieval.embedding_languages or embedding_model_languages(retrieval.embedding_model))


def create_index_builder(
    config: Config, embedder: SentenceTransformerEmbedder, show_progress: bool = True, workers: int = 0
) -> IndexBuilder:
    retrieval = config.retrieval
    chunking = ChunkingSettings(retrieval.chunk_tokens, retrieval.chunk_overlap_tokens)
    return IndexBuilder(embedder, chunking, retrieval.batch_size, show_progress, index_type=retrieval.index, workers=workers)


def build_index(
    config: Config,
    references: list[str],
    index_dir: Path,
    show_progress: bool = True,
    embedder: SentenceTransformerEmbedder | None = None,
    workers: int = 0,
) -> BuildReport:
    builder = create_index_builder(config, embedder or create_embedder(config), show_progress, workers)
    return builder.build(references, index_dir)


def open_index(
    config: Config, embedder: SentenceTransformerEmbedder, show_progress: bool = True, build_missing: bool = True
) -> StoredIndex:
    """The configured index, built from `paths.docs` first (with `embedder`) when `build_missing` and nothing is there yet.

    Only an absent or empty folder is built in: one holding builds CURRENT does not name, or anything
    else, is reported by load_index, since building there would replace someone's index with the sample docs.
    """
    index_dir = config.paths.index_path()
    if build_missing and index_folder_unused(index_dir):
        with build_lock(index_dir, on_wait=log.info):  # two instances starting at once: the second loads the first's
            if index_folder_unused(index_dir):
                log.info("no index at %s yet: building it from %s", index_dir, ", ".join(config.paths.docs))
                report = build_index(config, config.paths.docs, index_dir, show_progress, embedder)
                log.info(report.summary())
    return load_index(index_dir)


def create_retriever(config: Config, show_progress: bool = True) -> Retriever:
    embedder = create_embedder(config)
    return retriever_for_index(config, open_index(config, embedder, show_progress), embedder)


def _pipeline(
    config: Config, index: StoredIndex, embedder: SentenceTransformerEmbedder, mode: str | None
) -> DenseRetriever | BM25Retriever | HybridRetriever:
    """The retrieval pipeline `mode` (default: retrieval.mode) over a loaded index."""
    retrieval = config.retrieval
    mode = mode or retrieval.mode
    if mode == "bm25":
        return BM25Retriever(index.chunks, retrieval.top_k, retrieval.bm25_title_weight, retrieval.bm25_stemmer)
    index.set_search_breadth(retrieval.hnsw_ef_search, retrieval.ivf_probes)
    dense = DenseRetriever(
        index, embedder, retrieval.top_k, retrieval.min_score, retrieval.question_weight, retrieval.question_scoring
    )
    if mode == "dense":
        return dense
    bm25 = BM25Retriever(index.chunks, retrieval.top_k, retrieval.bm25_title_weight, retrieval.bm25_stemmer)
    return HybridRetriever(
        dense,
        bm25,
        retrieval.top_k,
        retrieval.min_score,
        retrieval.fusion,
        retrieval.dense_weight,
        retrieval.rrf_k,
        embedding_languages(config).reads,
        retrieval.min_keyword_coverage,
        retrieval.relevant_keyword_coverage,
    )


def retriever_for_index(
    config: Config, index: StoredIndex, embedder: SentenceTransformerEmbedder, mode: str | None = None
) -> DenseRetriever | BM25Retriever | HybridRetriever | RerankingRetriever:
    """The retrieval pipeline `mode` (default: retrieval.mode) over a loaded index, reranked when retrieval.reranker is set."""
    pipeline = _pipeline(config, index, embedder, mode)
    retrieval = config.retrieval
    if not retrieval.reranker:
        return pipeline
    return RerankingRetriever(pipeline, CrossEncoderReranker(retrieval.reranker, retrieval.rerank_candidates), retrieval.top_k)


def open_store_database(config: Config, must_exist: bool = False) -> Database:
    """The configured store's database (store.url, else the SQLite file paths.conversations_db), migrations not run;
    `must_exist` for commands that only read or delete (store.engines.open_database)."""
    return open_database(config.store.url or config.paths.conversations_path(), config.store.pool_size, must_exist)


def create_store(config: Config, database: Database | None = None) -> ConversationStore:
    """The conversation store as configured, on `database` when the caller shares one with a channel."""
    return ConversationStore(database or open_store_database(config), redact=redact if config.privacy.redact_stored else None)


def create_grounding_checker(config: Config, embedder: SentenceTransformerEmbedder) -> GroundingChecker:
    """What grounded and extractive answers measure support and relevance with: the retrieval embedder and words."""
    bot = config.bot
    return GroundingChecker(
        embedder.embed_queries,
        TextAnalyzer(config.retrieval.bm25_stemmer),
        bot.grounding_min_overlap,
        bot.grounding_min_similarity,
        embedding_languages(config).reads,
    )


def create_dialogue_manager(
    config: Config,
    show_progress: bool = True,
    embedder: SentenceTransformerEmbedder | None = None,
    store: ConversationStore | None = None,
    build_missing: bool = True,
) -> DialogueManager:
    """The bot as configured; pass `embedder` when the caller has already loaded one, `store` to share its database.

    `build_missing=False` when the user named the index: a mistyped path is then an error, not a new sample index.
    """
    embedder = embedder or create_embedder(config)
    index = open_index(config, embedder, show_progress, build_missing)
    return dialogue_manager_for_index(config, index, embedder, create_generator(config), store or create_store(config))


def dialogue_manager_for_index(
    config: Config, index: StoredIndex, embedder: SentenceTransformerEmbedder, generator: Generator, store: ConversationStore
) -> DialogueManager:
    """The bot as configured over a loaded index, with the given model and store (`finetune prepare --context` asks it for prompts)."""
    metrics = Metrics()

    def parts_for(index: StoredIndex) -> tuple[Retriever, ApprovedAnswers]:
        approved = ApprovedAnswers(index, embedder, config.bot.approved_min_score, embedding_languages(config).reads)
        return retriever_for_index(config, index, embedder), approved

    def warm_parts_for(index: StoredIndex) -> tuple[Retriever, ApprovedAnswers]:
        retriever, approved = parts_for(index)
        getattr(retriever, "warm_up", lambda: None)()  # a reranker loads here, not during the next answer
        return retriever, approved

    retriever, approved = parts_for(index)
    return DialogueManager(
        retriever=retriever,
        generator=generator,
        store=store,
        bot=config.bot,
        settings=generation_settings(config),
        top_k=config.retrieval.top_k,
        checker=create_grounding_checker(config, embedder),
        approved=approved,
        metrics=metrics,
        index_watch=LiveIndex(index, warm_parts_for, on_switch=lambda build: metrics.index.info({"build": build})),
    )

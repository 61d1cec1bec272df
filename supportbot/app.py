"""Wire components together from a Config: the one place that knows which class implements what."""

from __future__ import annotations

import logging
from pathlib import Path

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.store import ConversationStore
from supportbot.config import Config
from supportbot.generation.registry import create_generator, generation_settings
from supportbot.retrieval.builder import BuildReport, IndexBuilder
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.embedder import SentenceTransformerEmbedder
from supportbot.retrieval.index_store import StoredIndex, index_exists, load_index
from supportbot.retrieval.splitter import ChunkingSettings

log = logging.getLogger(__name__)


def create_embedder(config: Config) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(config.retrieval.embedding_model)


def create_index_builder(config: Config, embedder: SentenceTransformerEmbedder, show_progress: bool = True) -> IndexBuilder:
    retrieval = config.retrieval
    chunking = ChunkingSettings(retrieval.chunk_tokens, retrieval.chunk_overlap_tokens)
    return IndexBuilder(embedder, chunking, retrieval.batch_size, show_progress)


def build_index(config: Config, references: list[str], index_dir: Path, show_progress: bool = True) -> BuildReport:
    embedder = create_embedder(config)
    return create_index_builder(config, embedder, show_progress).build(references, index_dir)


def open_index(config: Config, show_progress: bool = True) -> StoredIndex:
    """The configured index, built from `paths.docs` first when there is none yet."""
    index_dir = config.paths.index_path()
    if not index_exists(index_dir):
        log.info("no index at %s yet: building it from %s", index_dir, ", ".join(config.paths.docs))
        report = build_index(config, config.paths.docs, index_dir, show_progress)
        log.info(report.summary())
    return load_index(index_dir)


def create_retriever(config: Config, show_progress: bool = True) -> DenseRetriever:
    index = open_index(config, show_progress)
    embedder = create_embedder(config)
    return DenseRetriever(index, embedder, config.retrieval.top_k, config.retrieval.min_score)


def create_dialogue_manager(config: Config, show_progress: bool = True) -> DialogueManager:
    return DialogueManager(
        retriever=create_retriever(config, show_progress),
        generator=create_generator(config),
        store=ConversationStore(config.paths.conversations_path()),
        bot=config.bot,
        settings=generation_settings(config),
        top_k=config.retrieval.top_k,
    )

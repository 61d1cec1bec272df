"""Shared fixtures: every test gets its own data directory; the bundled models load once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data dir (index, conversations, history) per test; no config.toml from the cwd leaks in."""
    data_dir = tmp_path / "data"
    for name in list(os.environ):
        if name.startswith("SUPPORTBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SUPPORTBOT_PATHS_DATA_DIR", str(data_dir))
    monkeypatch.chdir(tmp_path)
    return data_dir


@pytest.fixture(scope="session")
def embedder():
    from supportbot.retrieval.embedder import SentenceTransformerEmbedder

    model = SentenceTransformerEmbedder("bundled:all-minilm-l6-v2")
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """The bundled sample docs indexed once for the session (read-only for tests)."""
    from supportbot.app import create_index_builder
    from supportbot.config import Config

    index_dir = tmp_path_factory.mktemp("sample-index")
    create_index_builder(Config(), embedder, show_progress=False).build(["bundled:sample-docs"], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def api_docs_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """tests/data/api-docs (a developer help center: code blocks, short sections) indexed once for the session."""
    from supportbot.app import create_index_builder
    from supportbot.config import Config

    index_dir = tmp_path_factory.mktemp("api-docs-index")
    create_index_builder(Config(), embedder, show_progress=False).build([str(Path(__file__).parent / "data" / "api-docs")], index_dir)
    return index_dir


@pytest.fixture
def refunds_page_index(tmp_path: Path, embedder) -> Path:
    """An index of a help center of one page (refunds.md: "Refunds take 5-7 business days ..."): one chunk, one candidate."""
    from supportbot.app import create_index_builder
    from supportbot.config import Config

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "refunds.md").write_text("# Refunds\n\nRefunds take 5-7 business days after we receive your return.\n", encoding="utf-8")
    create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
    return tmp_path / "index"


@pytest.fixture
def answer_from_page(embedder, tmp_path: Path):
    """`answer(file_name, page, question)`: the extractive answer, without its citation markers, to `question` asked
    first in a conversation of a bot whose index holds only `page`, written as `file_name` (its extension: its format)."""
    from fakes import EchoGenerator, grounding_checker

    from supportbot.app import create_index_builder, retriever_for_index
    from supportbot.bot.dialogue import DialogueManager
    from supportbot.bot.grounding import strip_citations
    from supportbot.config import BotConfig, Config
    from supportbot.generation.base import GenerationSettings
    from supportbot.retrieval.index_store import load_index
    from supportbot.store import ConversationStore

    def answer(file_name: str, page: str, question: str) -> str:
        docs = tmp_path / "docs"
        docs.mkdir(exist_ok=True)
        (docs / file_name).write_text(page, encoding="utf-8")
        create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
        manager = DialogueManager(
            retriever_for_index(Config(), load_index(tmp_path / "index"), embedder), EchoGenerator(answer="unused"),
            ConversationStore(tmp_path / "conversations.sqlite3"), BotConfig(answer_mode="extractive"),
            GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder),
        )
        return strip_citations(manager.reply("console", "c1", question).text())

    return answer


@pytest.fixture(scope="session")
def sample_zh_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """The bundled Chinese sample docs indexed once for the session with the default (English) embedder."""
    from supportbot.app import create_index_builder
    from supportbot.config import Config

    index_dir = tmp_path_factory.mktemp("sample-zh-index")
    create_index_builder(Config(), embedder, show_progress=False).build(["bundled:sample-docs-zh"], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def chat_generator():
    """The bundled SmolLM2-135M-Instruct through transformers, loaded once."""
    from supportbot.config import Config
    from supportbot.generation.transformers_backend import TransformersGenerator

    generator = TransformersGenerator("bundled:smollm2-135m-instruct", cache_dir=Config().paths.cache_path())
    generator.warm_up()
    return generator


@pytest.fixture(scope="session")
def cross_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real sentence-transformers CrossEncoder folder, as `retrieval.reranker` takes one.

    No trained reranker ships offline, so this is the bundled MiniLM with a freshly initialised
    (seeded) scoring head: its order is arbitrary but fixed, which is enough to check how the
    reranker is wired; what a trained one gains can only be measured with a trained one.
    """
    import torch
    from sentence_transformers import CrossEncoder

    from supportbot.model_sources import bundled_path

    torch.manual_seed(7)
    folder = tmp_path_factory.mktemp("cross-encoder")
    CrossEncoder(str(bundled_path("all-minilm-l6-v2")), device="cpu").save(str(folder))
    return folder


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the session (started on first use); tests take a database each."""
    from postgres_server import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty PostgreSQL database."""
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path: Path) -> str:
    """Where a store lives, once per engine: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.sqlite3'}"
    return request.getfixturevalue("postgres_url")

"""Fixtures for the web channel: the bot on uvicorn over loopback, one per module, with a scripted model."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import grounding_checker

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "slack"))  # the Slack Web API double

from web_helpers import RunningBot, ScriptedGenerator, start_bot

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.store import ConversationStore
from supportbot.config import BotConfig, RetrievalConfig, WebConfig
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index

_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def web_manager(tmp_path_factory: pytest.TempPathFactory, sample_index_dir: Path, embedder) -> DialogueManager:
    """The bot over the sample docs (real retrieval, a real SQLite store) with the scripted model."""
    retrieval = RetrievalConfig()
    retriever = DenseRetriever(load_index(sample_index_dir), embedder, retrieval.top_k, retrieval.min_score)
    store = ConversationStore(tmp_path_factory.mktemp("web-store") / "conversations.sqlite3")
    bot = BotConfig(answer_mode="generative")  # the scripted model's text as written: the web layer is under test
    settings = GenerationSettings(max_new_tokens=24)
    return DialogueManager(retriever, ScriptedGenerator(), store, bot, settings, retrieval.top_k, grounding_checker(embedder))


@pytest.fixture(scope="module")
def web_bot(web_manager: DialogueManager) -> Iterator[RunningBot]:
    """The bot served with the defaults, plus one allowed origin and an API key."""
    bot = start_bot(web_manager, WebConfig(allowed_origins=["https://help.example.com"]))
    yield bot
    bot.stop()


@pytest.fixture
def client_address() -> str:
    """A client address of this test's own (sent as X-Forwarded-For through the trusted loopback proxy),
    so each test's requests count against their own rate limit."""
    n = next(_addresses)
    return f"198.51.100.{n % 250 + 1}" if n < 250 else f"203.0.113.{n % 250 + 1}"

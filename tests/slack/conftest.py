"""Fixtures for the Slack tests: the Web API double, a deterministic generator, the bot on real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_double import SIGNING_SECRET, SlackDouble
from fakes import QuestionEchoGenerator, grounding_checker
from slack_helpers import BOT_TOKEN

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.store import ConversationStore
from supportbot.channels.slack.server import SlackService
from supportbot.channels.slack.tokens import SlackTokens
from supportbot.config import BotConfig, RetrievalConfig, SlackConfig
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index

@dataclass
class RunningBot:
    service: SlackService
    double: SlackDouble
    generator: object
    manager: DialogueManager

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service.port}/slack/events"


@pytest.fixture
def slack_double() -> Iterator[SlackDouble]:
    double = SlackDouble()
    yield double
    double.close()


@pytest.fixture
def start_bot(slack_double: SlackDouble, sample_index_dir: Path, embedder, isolated_data_dir: Path):
    """Start the real bot in HTTP mode against the double; call again after stop() to restart it."""
    running: list[RunningBot] = []

    def start(generator=None, tokens: SlackTokens | None = None, **slack_settings) -> RunningBot:
        settings = {"api_url": slack_double.api_url, "update_interval": 0.05, "handoff_channel": "CHANDOFF", "shutdown_grace": 10.0}
        settings.update(slack_settings)
        config = SlackConfig(**settings)
        generator = generator or QuestionEchoGenerator()
        db = isolated_data_dir / "conversations.sqlite3"
        retrieval = RetrievalConfig()
        retriever = DenseRetriever(load_index(sample_index_dir), embedder, retrieval.top_k, retrieval.min_score)
        bot = BotConfig(answer_mode="generative")  # the fake model's text as written: Slack's handling is under test
        manager = DialogueManager(
            retriever, generator, ConversationStore(db), bot, GenerationSettings(max_new_tokens=24), retrieval.top_k, grounding_checker(embedder)
        )
        service = SlackService(manager, tokens or SlackTokens(BOT_TOKEN, SIGNING_SECRET), config, db)
        service.start("127.0.0.1", 0)
        bot = RunningBot(service, slack_double, generator, manager)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        bot.service.stop(grace=5)

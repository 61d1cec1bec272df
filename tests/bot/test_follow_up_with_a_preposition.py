"""'and for X?' after a question without 'for': X added to it, or asked about in place of what it named, as the sources
tell (the sample docs, the bot as configured, the real models, extractive answers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import EchoGenerator, grounding_checker

from supportbot.app import retriever_for_index
from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.grounding import strip_citations
from supportbot.bot.reply import AnswerKind
from supportbot.config import BotConfig, Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore


@pytest.fixture
def ask(sample_index_dir, embedder, tmp_path: Path):
    manager = DialogueManager(
        retriever_for_index(Config(), load_index(sample_index_dir), embedder), EchoGenerator(answer="unused"),
        ConversationStore(tmp_path / "conversations.sqlite3"), BotConfig(answer_mode="extractive"),
        GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder),
    )

    def ask(*questions: str) -> list[tuple[AnswerKind, str]]:
        return [(reply.kind, strip_citations(reply.text())) for reply in (manager.reply("console", "c1", q) for q in questions)]

    return ask


class TestANewSubjectAfterAPreposition:
    def test_and_for_exchanges_after_refund_timing_is_answered_about_exchanges(self, ask):
        # Read "How long do refunds take for exchanges?", it got the refund timing again.
        _, (kind, text) = ask("How long do refunds take?", "and for exchanges?")
        assert kind == AnswerKind.EXTRACTIVE and "replacement" in text and "Refunds" not in text, text

    def test_and_exchanges_without_the_preposition_is_answered_the_same(self, ask):
        _, (kind, text) = ask("How long do refunds take?", "and exchanges?")
        assert kind == AnswerKind.EXTRACTIVE and "replacement" in text, text


class TestAQualifierStaysAQualifier:
    def test_and_for_gift_cards_after_refund_timing_keeps_the_refunds(self, ask):
        _, (kind, text) = ask("How long do refunds take?", "and for gift cards?")
        assert kind == AnswerKind.EXTRACTIVE and "5-7 business days" in text and "never expire" not in text, text

    def test_and_for_gift_cards_after_klarna_keeps_klarna(self, ask):
        _, (kind, text) = ask("Can I pay with Klarna?", "and for gift cards?")
        assert kind == AnswerKind.EXTRACTIVE and "gift card" in text, text

    def test_a_place_after_a_condition_is_still_the_place_asked_about(self, ask):
        # The "what about X?" chain a reading of new subjects must keep.
        answers = ask("Do you ship to Canada?", "And if I order furniture?", "what about the UK?")
        kind, text = answers[-1]
        assert kind == AnswerKind.EXTRACTIVE and "UK" in text, answers

"""Which subject a follow-up is about, in conversations of two to four turns: the sample docs, the bot as configured
(hybrid retrieval), the real models, extractive answers."""

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


def _conversation(index_dir: Path, embedder, tmp_path: Path):
    """`ask(*questions)`: each question asked in turn in one conversation; the (kind, text) of every answer."""
    manager = DialogueManager(
        retriever_for_index(Config(), load_index(index_dir), embedder), EchoGenerator(answer="unused"),
        ConversationStore(tmp_path / "conversations.sqlite3"), BotConfig(answer_mode="extractive"),
        GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder),
    )

    def ask(*questions: str) -> list[tuple[AnswerKind, str]]:
        answers = []
        for question in questions:
            reply = manager.reply("console", "c1", question)
            answers.append((reply.kind, strip_citations(reply.text())))
        return answers

    return ask


@pytest.fixture
def ask(sample_index_dir, embedder, tmp_path: Path):
    return _conversation(sample_index_dir, embedder, tmp_path)


@pytest.fixture
def ask_in_chinese(sample_zh_index_dir, embedder, tmp_path: Path):
    return _conversation(sample_zh_index_dir, embedder, tmp_path)


class TestANewSubject:
    def test_and_exchanges_after_refund_timing_is_answered_about_exchanges(self, ask):
        # Read with "How long do refunds take?", the refund answer came back again.
        _, (kind, text) = ask("How long do refunds take?", "and exchanges?")
        assert kind == AnswerKind.EXTRACTIVE and "replacement" in text and "Refunds" not in text, text

    def test_what_about_shipping_after_refund_timing_is_answered_about_shipping(self, ask):
        _, (kind, text) = ask("How long do refunds take?", "what about shipping?")
        assert kind == AnswerKind.EXTRACTIVE and "shipping takes" in text and "Refunds" not in text, text


class TestAChainOfFollowUps:
    def test_each_follow_up_keeps_the_most_recent_subject(self, ask):
        # The last was read with "how long does that take?" alone: it named no subject, and was declined.
        answers = ask("How long do refunds take?", "what about shipping?", "how long does that take?", "and how much does it cost?")
        for kind, text in answers[1:]:
            assert kind == AnswerKind.EXTRACTIVE and "shipping" in text and "Refunds" not in text, answers
        assert "$" in answers[-1][1], answers

    def test_a_place_named_mid_chain_is_the_subject_of_the_next_question(self, ask):
        answers = ask("Do you ship to Canada?", "how long does it take?", "and the UK?", "how much is it?")
        kind, text = answers[-1]
        assert kind == AnswerKind.EXTRACTIVE and "$19.95" in text, answers


class TestAQuestionThatNamesNothing:
    def test_how_much_after_asking_about_canada_gives_the_canadian_rate(self, ask):
        # "how much?" has no word pointing back, so it was read alone, and declined.
        _, (kind, text) = ask("Do you ship to Canada?", "how much?")
        assert kind == AnswerKind.EXTRACTIVE and "$14.95" in text, text

    @pytest.mark.parametrize("follow_up", ["how long?", "how long is it?"])
    def test_how_long_after_asking_about_a_warranty_gives_its_length(self, ask, follow_up):
        _, (kind, text) = ask("Is there a warranty on the blender?", follow_up)
        assert kind == AnswerKind.EXTRACTIVE and "1-year limited warranty" in text, text


class TestAWordInAnotherScript:
    def test_an_english_word_no_chinese_page_holds_is_not_answered_with_another_subject(self, ask_in_chinese):
        # "要多久" (how long) alone matched the shipping rates, and they were the answer.
        ((kind, text),) = ask_in_chinese("请问 refund 要多久")
        assert kind == AnswerKind.FALLBACK, text

    def test_a_brand_the_chinese_pages_name_is_still_answered(self, ask_in_chinese):
        ((kind, text),) = ask_in_chinese("Klarna可以分期吗")
        assert kind == AnswerKind.EXTRACTIVE and "Klarna" in text, text

"""Questions whose words say what the answer must state (bot/asked_for.py): whether something can be done, a length
of time. Extractive answers from the bundled sample docs with the retrieval the app configures."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import EchoGenerator, grounding_checker

from supportbot.app import retriever_for_index
from supportbot.bot.asked_for import asked_action, giving_what_is_asked, says_whether, states_a_duration
from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.grounding import strip_citations
from supportbot.config import BotConfig, Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore


@pytest.fixture(scope="module")
def checker(embedder):
    return grounding_checker(embedder)


@pytest.fixture
def ask(sample_index_dir, embedder, checker, tmp_path: Path):
    """`ask(question)`: the extractive answer, without citation markers, to `question` asked first in a conversation."""
    retriever = retriever_for_index(Config(), load_index(sample_index_dir), embedder)
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    manager = DialogueManager(
        retriever,
        EchoGenerator(answer="unused"),
        store,
        BotConfig(answer_mode="extractive"),
        GenerationSettings(max_new_tokens=64),
        4,
        checker,
    )
    return lambda question: strip_citations(manager.reply("console", "c1", question).text())


class TestQuestionsAskingWhether:
    @pytest.mark.parametrize("question", ["Can I return a gift card?", "Can gift cards be returned?"])
    def test_a_gift_card_return_is_answered_that_gift_cards_cant_be_returned(self, ask, question):
        # Both got "If you return an item you paid for with a gift card, the refund goes back to the same gift card.":
        # it shares every word with the question and says nothing about whether a gift card can be returned.
        answer = ask(question)
        assert "gift cards" in answer and "can't be returned" in answer
        assert "refund goes back to the same gift card" not in answer

    def test_a_sentence_that_takes_the_action_as_done_says_nothing_about_whether(self, checker):
        action = asked_action("Can I return a gift card?", checker)
        assert action is not None
        assert not says_whether(
            action,
            "If you return an item you paid for with a gift card, the refund goes back to the same gift card.",
            checker,
        )
        assert says_whether(
            action, "Final sale items, including clearance, gift cards, and opened pillows, can't be returned.", checker
        )
        assert says_whether(
            action,
            "The following items are final sale and cannot be returned or exchanged: clearance items, gift cards",
            checker,
        )

    def test_the_thing_asked_about_must_be_what_can_or_cant_be_done_to(self, checker):
        action = asked_action("Can I use a gift card?", checker)
        assert action is not None
        assert not says_whether(
            action, "Promo codes can't be used to buy gift cards.", checker
        )  # gift cards are bought, not used
        assert says_whether(action, "You can use a gift card for any amount up to its balance.", checker)

    def test_an_answer_that_says_it_under_a_condition_already_speaks_to_whether(self, checker):
        # "Can I change my shipping address after ordering?" keeps the page's "Once an order has shipped, we can't
        # change the address.": its "after ordering" is the sentence's condition.
        sentences = [
            "Once an order has shipped, we can't change the address.",
            "You can change the shipping address on an order only before it ships.",
        ]
        question = "Can I change my shipping address after ordering?"
        assert giving_what_is_asked(question, sentences, lambda: sentences[0], [0, 1], checker) == []
        assert giving_what_is_asked(question, sentences, lambda: "Some options:", [0, 1], checker) == [1]

    @pytest.mark.parametrize(
        "question", ["Can I return it?", "How do I return a gift card?", "What's the return window?"]
    )
    def test_a_question_naming_nothing_to_do_asks_no_whether(self, checker, question):
        assert asked_action(question, checker) is None

    def test_an_answer_that_already_says_whether_stands(self, checker):
        sentences = [
            "If you return an item you paid for with a gift card, the refund goes back to the same gift card.",
            "Gift cards can't be returned.",
        ]
        quoted = "The following items are final sale and cannot be returned or exchanged: Gift cards"
        assert giving_what_is_asked("Can I return a gift card?", sentences, lambda: quoted, [0, 1], checker) == []
        assert giving_what_is_asked("Can I return a gift card?", sentences, lambda: sentences[0], [0, 1], checker) == [
            1
        ]


class TestQuestionsAskingHowLong:
    def test_the_return_window_is_answered_with_its_30_days(self, ask):
        # It got "To be eligible for a return, an item must be: - Unused" and a sentence about damaged items.
        answer = ask("What's the return window?")
        assert "30 days" in answer and "Unused" not in answer

    @pytest.mark.parametrize(
        ("sentence", "states"),
        [
            ("Returned within 30 days of the delivery date", True),
            ("warranted against defects for one (1) year from the date of delivery.", True),
            ("Refunds take 5-7 business days.", True),
            ("Unused", False),
            ("Add $5 a month to the price.", False),
        ],
    )
    def test_a_length_of_time_is_a_number_of_days_weeks_months_or_years(self, sentence, states):
        assert states_a_duration(sentence) is states

    def test_only_the_best_sentences_section_is_looked_in(self, checker):
        sentences = [
            "Unused",
            "We'll get in touch 10 to 40 days before your return is due.",
            "Returned within 30 days of the delivery date",
        ]
        assert giving_what_is_asked("What's the return window?", sentences, lambda: "Unused", [0, 2], checker) == [2]
        assert (
            giving_what_is_asked(
                "What's the return window?", sentences, lambda: "Returned within 30 days", [0, 2], checker
            )
            == []
        )

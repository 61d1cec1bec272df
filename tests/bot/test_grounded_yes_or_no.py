"""Grounded answers over a Markdown "Q: ..." / "A: No. ..." page: the sources the model is given keep the yes or no
that the extractive answer gives (ExtractiveAnswerer.evidence, as the answer quotes it). The model's prompt
is what is under test; the chat model is a double that remembers it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import EchoGenerator, grounding_checker
from test_yes_or_no import FAQ_PAGE  # the Q:/A: page the extractive answers are tested on

from supportbot.app import create_index_builder, retriever_for_index
from supportbot.bot.dialogue import DialogueManager
from supportbot.config import BotConfig, Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore


@pytest.fixture
def sources_given(embedder, tmp_path: Path):
    """`sources_given(question)`: the sources part of the system prompt the model got for `question`, asked first in a
    conversation of a grounded bot whose index holds only FAQ_PAGE."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "faq.md").write_text(FAQ_PAGE, encoding="utf-8")
    create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
    index = load_index(tmp_path / "index")

    def given(question: str) -> str:
        generator = EchoGenerator(answer="Thanks for asking.")
        manager = DialogueManager(
            retriever_for_index(Config(), index, embedder), generator, ConversationStore(tmp_path / "conversations.sqlite3"),
            BotConfig(answer_mode="grounded"), GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder),
        )
        manager.reply("console", question, question).text()
        return generator.prompts[0][0]["content"].partition("Sources:")[2]

    return given


class TestAQuestionAndAnswerPageInTheModelsSources:
    def test_the_model_is_given_the_pages_no(self, sources_given):
        # It was given "Each user needs their own seat." alone, and could not say no.
        assert "No. Each user needs their own seat." in sources_given(
            "Can I share my account with a colleague?"
        )

    @pytest.mark.parametrize(
        ("question", "answer"),
        [
            ("Is it possible to pay by invoice?", "Yes. Annual plans can be paid by invoice"),
            ("Do you have a status page?", "Yes, see https://status.example.com"),
        ],
    )
    def test_the_model_is_given_the_pages_yes(self, sources_given, question, answer):
        assert answer in sources_given(question)

    def test_a_question_that_is_not_yes_or_no_gets_the_answer_without_it(self, sources_given):
        given = sources_given("how do I pay by invoice?")
        assert "Annual plans can be paid by invoice" in given and "Yes" not in given

"""Declines in every answer mode, and long messages whose question comes last: the sample docs, the bot as configured
(hybrid retrieval), the real embedder and grounding checker; a generator double where the model is not under test."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import EchoGenerator, grounding_checker

from supportbot.app import retriever_for_index
from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.grounding import strip_citations
from supportbot.bot.prompt import PromptComposer, what_is_asked
from supportbot.bot.reply import AnswerKind
from supportbot.config import BotConfig, Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore

# A customer's account of their order, ~40,000 characters, before what they ask.
STORY = "I ordered a set of linen sheets and a cast iron pan last month for my sister's new flat. " * 450


def _manager(index_dir: Path, embedder, tmp_path: Path, mode: str, generator: EchoGenerator) -> DialogueManager:
    return DialogueManager(
        retriever_for_index(Config(), load_index(index_dir), embedder), generator,
        ConversationStore(tmp_path / "conversations.sqlite3"), BotConfig(answer_mode=mode),
        GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder),
    )


class TestGenerativeModeDeclines:
    @pytest.mark.parametrize("question", ["Can I return a skateboard?", "Do you ship skateboards to Mars?"])
    def test_a_question_the_sources_do_not_answer_gets_the_fallback_without_asking_the_model(self, sample_index_dir, embedder, tmp_path, question):
        # Sources were found (return policy, international shipping), none answering: the model was asked anyway, and
        # its guess was shown ("Bikes sold to skateboards are available ..."); extractive and grounded declined.
        generator = EchoGenerator(answer="Skateboards are available for pickup and delivery.")
        manager = _manager(sample_index_dir, embedder, tmp_path, "generative", generator)
        reply = manager.reply("console", "c1", question)
        assert reply.kind == AnswerKind.FALLBACK and "skateboard" not in reply.text().lower(), reply.text()
        assert generator.prompts == []

    def test_a_question_the_sources_answer_is_still_written_by_the_model(self, sample_index_dir, embedder, tmp_path):
        generator = EchoGenerator(answer="Refunds take 5-7 business days [1].")
        reply = _manager(sample_index_dir, embedder, tmp_path, "generative", generator).reply("console", "c1", "How long do refunds take?")
        assert reply.kind == AnswerKind.GENERATED and reply.text() == "Refunds take 5-7 business days [1].", reply.text()


class TestALongMessage:
    @pytest.mark.parametrize("mode", ["extractive", "generative"])
    def test_the_question_at_the_end_of_a_long_account_is_answered(self, sample_index_dir, embedder, tmp_path, mode):
        # Read from its start, the message was all story, and the question was declined.
        generator = EchoGenerator(answer="Refunds take 5-7 business days [1].")
        manager = _manager(sample_index_dir, embedder, tmp_path, mode, generator)
        reply = manager.reply("console", "c1", f"{STORY}I sent the pan back last week. How long do refunds take?")
        text = strip_citations(reply.text())
        assert reply.kind in (AnswerKind.EXTRACTIVE, AnswerKind.GENERATED), text
        if mode == "extractive":
            assert "5-7 business days" in text, text

    def test_what_a_long_message_asks_is_its_last_question_with_what_comes_just_before(self):
        asked = what_is_asked(f"{STORY}I sent the pan back last week. How long do refunds take? Thanks, Jane")
        assert asked.endswith("I sent the pan back last week. How long do refunds take?") and len(asked) <= 1000

    def test_a_short_message_is_asked_whole(self):
        assert what_is_asked("Hi. My order is late. Where is it? Thanks") == "Hi. My order is late. Where is it? Thanks"


@pytest.mark.slow
def test_the_model_is_given_the_start_and_the_question_of_a_long_message(chat_generator):
    # Cut to 512 tokens from its start, the prompt held only the story.
    composer = PromptComposer(chat_generator, "Be helpful.", 64, 512, 10)
    prompt = composer.compose(f"{STORY}How long do refunds take?", [], [])
    question = prompt.messages[-1]["content"]
    assert prompt.question_truncated and question.startswith("I ordered a set of linen sheets")
    assert question.endswith("How long do refunds take?")
    assert len(chat_generator.tokenizer(question, add_special_tokens=False)["input_ids"]) <= 512

"""Which stored answers say `interrupted`: only those the reader stopped (Ctrl-C, a closed connection, Slack gone),
not those the bot itself ended early because it had said enough. Real retrieval, checker and store; the chat model
is a double that says exactly what a test needs (the model is not what is under test)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fakes import EchoGenerator, grounding_checker

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.reply import AnswerKind
from supportbot.config import BotConfig
from supportbot.generation.base import ChatMessage, GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore

REFUNDS = "How long do refunds take?"
RIGHT = "Refunds are issued to your original payment method within 5-7 business days after our warehouse receives your return."
INVENTED = "Refunds take 2-3 business days after we get your return."


class StopsWhenDoneGenerator(EchoGenerator):
    """Sets the stop event once its answer has ended, as the transformers backend does to end its worker thread."""

    def stream(self, messages: Sequence[ChatMessage], settings: GenerationSettings, stop=None) -> Iterator[str]:
        try:
            yield from super().stream(messages, settings, stop)
        finally:
            if stop is not None:
                stop.set()


@pytest.fixture
def manager_for(sample_index_dir, embedder, tmp_path: Path):
    index = load_index(sample_index_dir)
    checker = grounding_checker(embedder)

    def build(generator: EchoGenerator, mode: str = "grounded", max_sentences: int = 3) -> tuple[DialogueManager, ConversationStore]:
        store = ConversationStore(tmp_path / "conversations.sqlite3")
        retriever = DenseRetriever(index, embedder, top_k=4, min_score=0.35)
        manager = DialogueManager(retriever, generator, store, BotConfig(answer_mode=mode, max_answer_sentences=max_sentences), GenerationSettings(max_new_tokens=64), 4, checker)
        return manager, store

    return build


def _stored_answer(store: ConversationStore, conversation_id: str):
    return [m for m in store.messages("web", conversation_id) if m.role == "assistant"][-1]


class TestAnswersReadToTheEnd:
    def test_a_grounded_answer_the_bot_stopped_at_an_invention_is_stored_whole_not_interrupted(self, manager_for):
        manager, store = manager_for(EchoGenerator(answer=f"{RIGHT} {INVENTED} {RIGHT}"))
        reply = manager.reply("web", "c1", REFUNDS)
        text = reply.text()
        assert reply.kind == AnswerKind.GROUNDED and "5-7 business days" in text and "2-3" not in text
        stored = _stored_answer(store, "c1")
        assert (stored.content, stored.kind, stored.interrupted) == (text, "grounded", False)

    def test_a_grounded_answer_that_said_enough_is_stored_whole_not_interrupted(self, manager_for):
        manager, store = manager_for(EchoGenerator(answer=" ".join([RIGHT] * 6)), max_sentences=1)  # stopped after one
        reply = manager.reply("web", "c1", REFUNDS)
        text = reply.text()
        assert reply.kind == AnswerKind.GROUNDED and text.count("5-7 business days") == 1
        assert not _stored_answer(store, "c1").interrupted

    def test_a_grounded_answer_that_fell_back_to_the_sources_is_stored_whole_not_interrupted(self, manager_for):
        manager, store = manager_for(EchoGenerator(answer=f"{INVENTED} {RIGHT}"))
        reply = manager.reply("web", "c1", REFUNDS)
        assert "5-7 business days" in reply.text() and reply.kind == AnswerKind.EXTRACTIVE
        assert not _stored_answer(store, "c1").interrupted

    @pytest.mark.parametrize("mode", ["generative", "grounded"])
    def test_an_answer_from_a_backend_that_sets_stop_as_it_ends_is_stored_whole_not_interrupted(self, manager_for, mode):
        manager, store = manager_for(StopsWhenDoneGenerator(answer=RIGHT.removesuffix(".")), mode=mode)
        reply = manager.reply("web", "c1", REFUNDS)
        text = reply.text()
        assert "5-7 business days after our warehouse receives your return" in text  # the last sentence had no full stop
        assert not _stored_answer(store, "c1").interrupted


class TestAnswersTheReaderStopped:
    @pytest.mark.parametrize("mode", ["generative", "grounded"])
    def test_an_answer_cancelled_mid_stream_is_still_stored_as_interrupted(self, manager_for, mode):
        manager, store = manager_for(EchoGenerator(answer=" ".join([RIGHT] * 3)), mode=mode)
        reply = manager.reply("web", "c1", REFUNDS)
        stream = iter(reply)
        first = next(stream)
        reply.cancel()  # what the web channel does when the client disconnects, Slack when it is unreachable
        rest = "".join(stream)
        stored = _stored_answer(store, "c1")
        assert stored.interrupted and reply.interrupted
        assert stored.content == first + rest and stored.content.count("5-7 business days") < 3  # what was said, no more

    def test_an_answer_the_reader_stopped_reading_is_stored_as_interrupted(self, manager_for):
        manager, store = manager_for(EchoGenerator(answer=" ".join([RIGHT] * 3)), mode="generative")
        reply = manager.reply("web", "c1", REFUNDS)
        stream = iter(reply)
        next(stream)
        stream.close()  # the console on Ctrl-C: the loop over the answer is left
        assert _stored_answer(store, "c1").interrupted

"""The dialogue manager with the real retriever and store; the chat model is a deterministic fake here."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fakes import EchoGenerator, grounding_checker

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.handoff import HandoffRequest
from supportbot.bot.reply import AnswerKind
from supportbot.config import BotConfig
from supportbot.errors import MessageError
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations.sqlite3")


def _manager(sample_index_dir, embedder, store, generator=None) -> DialogueManager:
    retriever = DenseRetriever(load_index(sample_index_dir), embedder, top_k=4, min_score=0.35)
    # The fake model's text is shown as written: what these tests check is the conversation around it.
    bot = BotConfig(answer_mode="generative")
    return DialogueManager(retriever, generator or EchoGenerator(), store, bot, GenerationSettings(max_new_tokens=32), 4, grounding_checker(embedder))


class RecordingDesk:
    """A channel's way to its support team, as the manager sees it: what it was told, and whether anyone was reached."""

    def __init__(self, reachable: bool = True) -> None:
        self.reachable = reachable
        self.told: list[HandoffRequest] = []

    def tell_team(self, request: HandoffRequest) -> bool:
        self.told.append(request)
        return self.reachable

    def handoff_notice(self, handed_off: bool, language: str) -> str:
        return "A person has it." if handed_off else "No one could be reached."


class TestReply:
    def test_answer_streams_in_pieces_and_cites_retrieved_pages(self, sample_index_dir, embedder, store):
        reply = _manager(sample_index_dir, embedder, store).reply("console", "c1", "How long do I have to return something?")
        pieces = list(reply)
        assert len(pieces) > 1 and "".join(pieces) == "Returns are accepted within 30 days [1]."
        assert reply.kind == AnswerKind.GENERATED
        assert "returns/return-policy.md" in [s.doc_id for s in reply.sources]

    def test_unrelated_question_falls_back_without_generating(self, sample_index_dir, embedder, store):
        generator = EchoGenerator()
        reply = _manager(sample_index_dir, embedder, store, generator).reply("console", "c1", "Who won the 1998 football world cup?")
        assert reply.text() == "I'm sorry, I don't have an answer to that in our help center."  # the console offers no person
        assert reply.kind == AnswerKind.FALLBACK and reply.sources == []
        assert generator.prompts == []

    def test_a_greeting_gets_a_greeting_not_the_fallback(self, sample_index_dir, embedder, store):
        generator = EchoGenerator()
        reply = _manager(sample_index_dir, embedder, store, generator).reply("console", "c1", "Hi!")
        assert reply.text() == "Hi! Ask me a question and I'll look it up in our help center."
        assert reply.kind == AnswerKind.CONVERSATION and reply.sources == [] and generator.prompts == []

    @pytest.mark.parametrize("thanks", ["thanks so much", "👍"])  # a thumbs-up alone got the fallback and the offer of a person
    def test_thanks_after_an_answer_is_acknowledged_and_kept(self, sample_index_dir, embedder, store, thanks):
        manager = _manager(sample_index_dir, embedder, store)
        manager.reply("console", "c1", "Can I pay with Klarna?").text()
        reply = manager.reply("console", "c1", thanks)
        assert reply.text() == "You're welcome! Is there anything else I can help you with?"
        assert [m.content for m in store.messages("console", "c1")][-2:] == [thanks, reply.text()]

    def test_a_follow_up_after_thanks_follows_up_on_the_question_before(self, sample_index_dir, embedder, store):
        manager = _manager(sample_index_dir, embedder, store)
        manager.reply("console", "c1", "How do I reset my password?").text()
        manager.reply("console", "c1", "thanks!").text()
        reply = manager.reply("console", "c1", "and how long does that link last?")
        assert "account/reset-password.md" in [s.doc_id for s in reply.sources]

    @pytest.mark.parametrize("goodbye", ["bye", "Goodbye!", "thanks, bye"])
    def test_a_goodbye_gets_a_goodbye_not_the_fallback(self, sample_index_dir, embedder, store, goodbye):
        generator = EchoGenerator()
        manager = _manager(sample_index_dir, embedder, store, generator)
        manager.reply("console", "c1", "Can I pay with Klarna?").text()
        reply = manager.reply("console", "c1", goodbye)
        assert reply.text() == "Goodbye! Come back any time you have a question."
        assert reply.kind == AnswerKind.CONVERSATION and len(generator.prompts) == 1  # only Klarna's answer was generated


    @pytest.mark.parametrize("message", ["   \n ", "\u200b\u200b", "\ufeff \u2060", "\u3164"])  # spaces, zero-width spaces, BOM, a Hangul filler
    def test_a_message_that_shows_nothing_is_refused_and_nothing_is_stored(self, sample_index_dir, embedder, store, message):
        with pytest.raises(MessageError, match="empty message"):
            _manager(sample_index_dir, embedder, store).reply("console", "c1", message)
        assert store.messages("console", "c1") == []

    def test_generation_failure_becomes_a_polite_message_and_a_log_entry(self, sample_index_dir, embedder, store, caplog):
        manager = _manager(sample_index_dir, embedder, store, EchoGenerator(fail=True))
        with caplog.at_level(logging.ERROR):
            reply = manager.reply("console", "c1", "How do I reset my password?")
            text = reply.text()
        assert text == BotConfig().error_message and reply.kind == AnswerKind.ERROR
        assert "CUDA error" in caplog.text and "CUDA error" not in text
        assert store.messages("console", "c1")[-1].kind == "error"


class TestConversation:
    def test_follow_up_prompt_carries_the_earlier_exchange(self, sample_index_dir, embedder, store):
        generator = EchoGenerator()
        manager = _manager(sample_index_dir, embedder, store, generator)
        manager.reply("console", "c1", "How do I reset my password?").text()
        manager.reply("console", "c1", "And how long is the link valid?").text()
        roles = [m["role"] for m in generator.prompts[-1]]
        assert roles == ["system", "user", "assistant", "user"]
        assert generator.prompts[-1][1]["content"] == "How do I reset my password?"

    def test_follow_up_retrieves_with_the_previous_question(self, sample_index_dir, embedder, store):
        manager = _manager(sample_index_dir, embedder, store)
        manager.reply("console", "c1", "How do I reset my password?").text()
        reply = manager.reply("console", "c1", "and how long does that link last?")
        assert "account/reset-password.md" in [s.doc_id for s in reply.sources]

    def test_conversation_survives_a_restart(self, sample_index_dir, embedder, tmp_path: Path):
        path = tmp_path / "conversations.sqlite3"
        _manager(sample_index_dir, embedder, ConversationStore(path)).reply("console", "c1", "Can I pay with Klarna?").text()

        generator = EchoGenerator()
        restarted = _manager(sample_index_dir, embedder, ConversationStore(path), generator)
        restarted.reply("console", "c1", "What is the minimum order for it?").text()
        assert [m["content"] for m in generator.prompts[-1][1:3]] == ["Can I pay with Klarna?", "Returns are accepted within 30 days [1]."]

    def test_question_left_unanswered_by_a_crash_is_answered_and_stored_once(self, sample_index_dir, embedder, tmp_path: Path):
        path = tmp_path / "conversations.sqlite3"
        _manager(sample_index_dir, embedder, ConversationStore(path)).reply("console", "c1", "Can I pay with Klarna?")  # never read: the process died

        generator = EchoGenerator()
        store = ConversationStore(path)
        _manager(sample_index_dir, embedder, store, generator).reply("console", "c1", "Can I pay with Klarna?").text()
        assert [(m.role, m.content) for m in store.messages("console", "c1")] == [
            ("user", "Can I pay with Klarna?"),
            ("assistant", "Returns are accepted within 30 days [1]."),
        ]
        assert [m["role"] for m in generator.prompts[-1]] == ["system", "user"]

    def test_same_question_after_an_answer_is_a_new_turn(self, sample_index_dir, embedder, store):
        manager = _manager(sample_index_dir, embedder, store)
        for _ in range(2):
            manager.reply("console", "c1", "Can I pay with Klarna?").text()
        assert [m.role for m in store.messages("console", "c1")] == ["user", "assistant", "user", "assistant"]

    def test_cancelled_answer_is_stored_as_interrupted(self, sample_index_dir, embedder, store):
        manager = _manager(sample_index_dir, embedder, store, EchoGenerator(answer="one two three four five six"))
        reply = manager.reply("console", "c1", "How do I reset my password?")
        stream = iter(reply)
        next(stream)
        reply.cancel()
        list(stream)
        stored = store.messages("console", "c1")[-1]
        assert stored.kind == AnswerKind.GENERATED and stored.interrupted and stored.content.startswith("one")
        assert stored.content != "one two three four five six"

    def test_feedback_refers_to_the_stored_answer_it_rates(self, sample_index_dir, embedder, store):
        manager = _manager(sample_index_dir, embedder, store)
        reply = manager.reply("web", "c1", "How do I reset my password?")
        assert reply.message_id is None
        reply.text()
        manager.record_feedback("web", "c1", "down", rater="visitor", message_id=reply.message_id)
        answer = store.messages("web", "c1")[-1]
        assert answer.role == "assistant" and store.feedback("web", "c1")[0]["message_id"] == answer.id

    def test_huge_message_is_answered_not_crashed(self, sample_index_dir, embedder, store):
        generator = EchoGenerator(context_window=2048)
        reply = _manager(sample_index_dir, embedder, store, generator).reply("console", "c1", "How long do refunds take to reach my card? " * 1200)
        assert reply.text() and reply.kind == AnswerKind.GENERATED
        assert generator.count_tokens(generator.prompts[-1]) <= 2048 - 32


class TestAskingForAPerson:
    """"Talk to a person" typed in any channel: handed to the channel's desk, or told plainly that there is none."""

    def test_where_no_one_can_be_reached_the_customer_is_told_so_not_offered_a_person_again(self, sample_index_dir, embedder, store):
        manager = _manager(sample_index_dir, embedder, store)  # the console: a terminal has no one to hand to
        asked = manager.reply("console", "c1", "talk to a human").text()
        manager.reply("console", "c1", "Who won the 1998 football world cup?").text()  # declined, offering no one
        accepted = manager.reply("console", "c1", "yes please connect me").text()
        no_one = "I can't connect you with a person from here. Please contact our support team directly."
        assert asked == accepted == no_one
        assert not manager.in_handoff("console", "c1")
        assert 'supportbot_handoffs_total{channel="console",outcome="failed"} 2.0' in manager.metrics.exposition()[0].decode()

    @pytest.mark.parametrize("asked", ["talk to a human", "I want to speak to someone", "agent please"])
    def test_a_request_in_words_hands_the_conversation_to_the_channels_desk(self, sample_index_dir, embedder, store, asked):
        manager = _manager(sample_index_dir, embedder, store)
        desk = RecordingDesk()
        manager.set_desk("web", desk)
        manager.reply("web", "c1", "Can I pay with Klarna?").text()
        reply = manager.reply("web", "c1", asked, requested_by="visitor")
        assert (reply.text(), reply.kind) == ("A person has it.", AnswerKind.HANDOFF)
        (told,) = desk.told
        assert [m["content"] for m in told.messages][-1] == asked and told.requested_by == "visitor"
        assert manager.in_handoff("web", "c1")

    def test_yes_right_after_the_fallback_offered_a_person_accepts_it(self, sample_index_dir, embedder, store):
        manager = _manager(sample_index_dir, embedder, store)
        manager.set_desk("web", desk := RecordingDesk())
        manager.reply("web", "c1", "Who won the 1998 football world cup?").text()
        reply = manager.reply("web", "c1", "yes")
        assert (reply.text(), reply.kind) == ("A person has it.", AnswerKind.HANDOFF) and len(desk.told) == 1

    def test_yes_without_an_offer_is_not_a_handoff(self, sample_index_dir, embedder, store):
        manager = _manager(sample_index_dir, embedder, store)
        manager.set_desk("web", desk := RecordingDesk())
        manager.reply("web", "c1", "Can I pay with Klarna?").text()
        assert manager.reply("web", "c1", "yes").kind != AnswerKind.HANDOFF and desk.told == []

    def test_a_desk_that_cannot_reach_the_team_leaves_the_conversation_with_the_bot(self, sample_index_dir, embedder, store):
        manager = _manager(sample_index_dir, embedder, store)
        manager.set_desk("web", RecordingDesk(reachable=False))
        reply = manager.reply("web", "c1", "agent please")
        assert (reply.text(), reply.kind) == ("No one could be reached.", AnswerKind.CONVERSATION)
        assert not manager.in_handoff("web", "c1")
        assert 'supportbot_handoffs_total{channel="web",outcome="failed"} 1.0' in manager.metrics.exposition()[0].decode()

"""The fallback's offer of a person and what the customer says next, over the real sample indexes (English and Chinese).

A "thanks" or a "no" right after the offer is not a "yes": "谢谢" and "ok thanks" handed the customer to the support
team, and "no thanks" got the whole fallback with the offer again. Where no one can be reached the bot declines without
offering anyone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import EchoGenerator

from supportbot.app import create_grounding_checker, retriever_for_index
from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.handoff import HandoffRequest
from supportbot.bot.reply import AnswerKind
from supportbot.config import Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore

UNANSWERED = {"en": "Do you sell cars?", "zh": "你们卖汽车吗？"}  # neither sample help center answers it
OFFER = {
    "en": "I'm sorry, I don't have an answer to that in our help center. Would you like me to connect you with a person from our support team?",
    "zh": "抱歉，我们的帮助中心里没有找到这个问题的答案。需要我为您转接人工客服吗？",
}
NO_OFFER = {"en": "I'm sorry, I don't have an answer to that in our help center.", "zh": "抱歉，我们的帮助中心里没有找到这个问题的答案。"}
THANKS = {"en": "You're welcome! Is there anything else I can help you with?", "zh": "不客气！还有什么可以帮您的吗？"}
GREETING = {"en": "Hi! Ask me a question and I'll look it up in our help center.", "zh": "您好！请提出您的问题，我会在帮助中心里为您查找。"}
DECLINED = {"en": "All right. Is there anything else I can help you with?", "zh": "好的。还有什么可以帮您的吗？"}


class RecordingDesk:
    """A channel's way to its support team (the web API's Slack desk), as the manager sees it: what it was told."""

    def __init__(self) -> None:
        self.told: list[HandoffRequest] = []

    def tell_team(self, request: HandoffRequest) -> bool:
        self.told.append(request)
        return True

    def handoff_notice(self, handed_off: bool, language: str) -> str:
        return "A person has it."


@pytest.fixture
def manager_for(sample_index_dir, sample_zh_index_dir, embedder, tmp_path: Path):
    """The bot over the sample docs in `language`, configured as shipped (extractive answers: no model is asked)."""

    def make(language: str, **bot) -> DialogueManager:
        config = Config()
        config.bot.answer_mode = "extractive"
        for name, value in bot.items():
            setattr(config.bot, name, value)
        index = load_index(sample_index_dir if language == "en" else sample_zh_index_dir)
        retriever = retriever_for_index(config, index, embedder)
        store = ConversationStore(tmp_path / f"conversations-{language}.sqlite3")
        checker = create_grounding_checker(config, embedder)
        settings = GenerationSettings(max_new_tokens=32)
        return DialogueManager(retriever, EchoGenerator(), store, config.bot, settings, config.retrieval.top_k, checker)

    return make


def offered_a_person(manager: DialogueManager, language: str) -> RecordingDesk:
    """A web chat with a desk, where the bot has just declined and offered a person."""
    manager.set_desk("web", desk := RecordingDesk())
    reply = manager.reply("web", "c1", UNANSWERED[language])
    assert (reply.kind, reply.text()) == (AnswerKind.FALLBACK, OFFER[language])
    return desk


@pytest.mark.parametrize(
    ("language", "thanks"), [("en", "thanks"), ("en", "ok thanks"), ("en", "great, thanks"), ("en", "okay, thank you"), ("zh", "谢谢")]
)
def test_thanks_after_the_offer_is_answered_with_thanks_not_a_handoff(manager_for, language, thanks):
    manager = manager_for(language)
    desk = offered_a_person(manager, language)
    reply = manager.reply("web", "c1", thanks)
    assert (reply.kind, reply.text()) == (AnswerKind.CONVERSATION, THANKS[language])
    assert desk.told == [] and not manager.in_handoff("web", "c1")
    assert manager.reply("web", "c1", UNANSWERED[language]).kind == AnswerKind.FALLBACK  # the bot still answers


@pytest.mark.parametrize(("language", "yes"), [("en", "ok"), ("en", "yes please"), ("en", "sure"), ("zh", "好的"), ("zh", "好的，谢谢")])
def test_yes_after_the_offer_still_hands_the_conversation_to_a_person(manager_for, language, yes):
    manager = manager_for(language)
    desk = offered_a_person(manager, language)
    reply = manager.reply("web", "c1", yes)
    assert (reply.kind, reply.text()) == (AnswerKind.HANDOFF, "A person has it.") and len(desk.told) == 1
    assert manager.in_handoff("web", "c1")


@pytest.mark.parametrize(
    ("language", "no"),
    [("en", "no"), ("en", "no thanks"), ("en", "nope, I'm good"), ("en", "no thank you"), ("zh", "不用了，谢谢"), ("zh", "不用")],
)
def test_no_after_the_offer_is_acknowledged_without_the_fallback_or_a_handoff(manager_for, language, no):
    manager = manager_for(language)
    desk = offered_a_person(manager, language)
    reply = manager.reply("web", "c1", no)
    assert (reply.kind, reply.text()) == (AnswerKind.CONVERSATION, DECLINED[language])
    assert desk.told == [] and not manager.in_handoff("web", "c1")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_without_an_offer_is_not_taken_for_a_refusal(manager_for, language):
    manager = manager_for(language)
    reply = manager.reply("web", "c1", {"en": "no thanks", "zh": "不用了，谢谢"}[language])
    assert reply.text() != DECLINED[language]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_where_no_person_can_be_reached_the_decline_offers_none(manager_for, language):
    manager = manager_for(language)  # the console: a terminal has no one to hand to
    reply = manager.reply("console", "c1", UNANSWERED[language])
    assert (reply.kind, reply.text()) == (AnswerKind.FALLBACK, NO_OFFER[language])
    assert manager.reply("console", "c1", {"en": "no thanks", "zh": "不用了"}[language]).text() == DECLINED[language]


def test_a_fallback_the_team_wrote_in_config_is_said_as_written_where_no_person_can_be_reached(manager_for):
    manager = manager_for("en", fallback_message="Please call us at 555-0100.")
    assert manager.reply("console", "c1", UNANSWERED["en"]).text() == "Please call us at 555-0100."


def test_a_fallback_the_team_wrote_in_its_catalog_is_said_as_written_where_no_person_can_be_reached(manager_for, tmp_path):
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "zh.toml").write_text('[bot]\nfallback = "抱歉，没有找到答案。请拨打 555-0100。"\n', encoding="utf-8")
    manager = manager_for("zh", catalog_dir=str(tmp_path / "messages"))
    assert manager.reply("console", "c1", UNANSWERED["zh"]).text() == "抱歉，没有找到答案。请拨打 555-0100。"
    assert manager.reply("console", "c2", UNANSWERED["en"]).text() == NO_OFFER["en"]  # English: the shipped text, so no offer


@pytest.mark.parametrize(("message", "expected"), [("你好", GREETING["zh"]), ("您好！", GREETING["zh"]), ("谢谢", THANKS["zh"]), ("非常感谢！", THANKS["zh"])])
def test_a_chinese_greeting_or_thanks_alone_gets_a_chinese_greeting_or_thanks(manager_for, message, expected):
    manager = manager_for("zh")
    reply = manager.reply("console", "c1", message)
    assert (reply.kind, reply.text()) == (AnswerKind.CONVERSATION, expected)

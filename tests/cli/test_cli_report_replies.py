"""`supportbot report gaps` over conversations the bot itself had: a customer's reply that asks nothing is no gap.

"yes please" or "no thanks" to the bot's offer of a person, "ok", "谢谢", "转人工" were listed as unanswered questions
for the team to write pages for; the handoff or thumbs-down after such a reply belongs to the question before it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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
from supportbot.store.gaps import DECLINED, HANDED_OFF, RATED_DOWN, find_gaps

UNANSWERED = "Do you sell cars?"  # the sample help center does not say
ANSWERED = "How long do refunds take?"
REPLIES = {"yes please", "no thanks", "ok", "谢谢", "转人工"}


class Desk:
    """The support team a web chat hands conversations to (the web API's Slack desk): always reached."""

    def tell_team(self, request: HandoffRequest) -> bool:
        return True

    def handoff_notice(self, handed_off: bool, language: str) -> str:
        return "A person has it."


@pytest.fixture
def store_url(sample_index_dir: Path, embedder, tmp_path: Path) -> str:
    """A store of web chats with the bot over the sample docs, as shipped but extractive (no model is asked)."""
    url = f"sqlite:///{tmp_path / 'conversations.sqlite3'}"
    config = Config()
    config.bot.answer_mode = "extractive"
    manager = DialogueManager(
        retriever_for_index(config, load_index(sample_index_dir), embedder), EchoGenerator(), ConversationStore(url),
        config.bot, GenerationSettings(max_new_tokens=32), config.retrieval.top_k, create_grounding_checker(config, embedder),
    )
    manager.set_desk("web", Desk())

    def say(conversation: str, message: str, kind: AnswerKind) -> None:
        reply = manager.reply("web", conversation, message)
        reply.text()
        assert reply.kind == kind, (message, reply.kind, reply.text())

    say("accepted", UNANSWERED, AnswerKind.FALLBACK)  # declined, with the offer of a person
    say("accepted", "yes please", AnswerKind.HANDOFF)
    say("refused", UNANSWERED, AnswerKind.FALLBACK)
    say("refused", "no thanks", AnswerKind.CONVERSATION)
    manager.record_feedback("web", "refused", "down")  # on the conversation: its last answer is "All right. ..."
    say("thanked", ANSWERED, AnswerKind.EXTRACTIVE)
    say("thanked", "ok", AnswerKind.CONVERSATION)
    manager.hand_to_person("web", "thanked", "customer", "pressed Talk to a person")
    say("chinese", "谢谢", AnswerKind.CONVERSATION)
    manager.hand_to_person("web", "chinese", "customer", "pressed Talk to a person")
    say("person", "转人工", AnswerKind.HANDOFF)  # asked for a person before asking anything
    manager.store.close()
    return url


def test_replies_are_not_gaps_and_what_followed_them_counts_for_the_question_before(store_url: str):
    store = ConversationStore(store_url)
    gaps = find_gaps(store.database, time.time() - 3600)
    store.close()
    assert not {gap.question for gap in gaps} & REPLIES
    assert sorted((gap.conversation_id, gap.question, gap.reasons) for gap in gaps) == [
        ("accepted", UNANSWERED, (DECLINED, HANDED_OFF)),
        ("refused", UNANSWERED, (DECLINED, RATED_DOWN)),
        ("thanked", ANSWERED, (HANDED_OFF,)),
    ]


def test_a_reply_that_got_the_fallback_is_left_out_its_question_was_counted(tmp_path: Path):
    # A stray "yes" got the fallback (as every message did before small talk was recognised).
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = ConversationStore(url)
    for message in (UNANSWERED, "yes", "ok"):
        store.add_message("web", "c", "user", message)
        store.add_message("web", "c", "assistant", "Sorry, I don't know.", kind="fallback")
    gaps = find_gaps(store.database, time.time() - 3600)
    store.close()
    assert [(gap.question, gap.reasons) for gap in gaps] == [(UNANSWERED, (DECLINED,))]


@pytest.mark.slow
def test_the_report_lists_the_questions_not_the_replies(store_url: str):
    command = [sys.executable, "-m", "supportbot", "report", "gaps", "--url", store_url, "--format", "json"]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    groups = json.loads(result.stdout)
    assert [(group["count"], sorted(group["questions"]), group["reasons"]) for group in groups] == [
        (2, [UNANSWERED, UNANSWERED], {"declined": 2, "handed off": 1, "rated down": 1}),
        (1, [ANSWERED], {"handed off": 1}),
    ]

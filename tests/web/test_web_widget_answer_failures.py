"""An answer that fails, before it starts or midway, is said in the page's language (a real browser, the real server).

On a Chinese help center the widget showed the server's English apology ("Sorry, something went wrong while I was
answering...", bot.error_message as configured, or in the question's language) for a model that failed, and the
browser's own English ("network error") for a stream cut off midway; the catalog's words are used now, as for 429 and
503. A stream cut off midway keeps what was said (the conversation keeps it too, as interrupted).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import replace

import pytest
from fakes import MODEL_FAILURE
from playwright.sync_api import expect
from test_web_widget import CHROMIUM_FLAGS, help_center  # noqa: F401 (fixtures)
from test_web_widget_refusal_words import ask_in_widget
from test_web_widget_words import in_chromium
from web_helpers import ScriptedGenerator, ask, start_bot

from supportbot.bot.dialogue import DialogueManager
from supportbot.config import WebConfig
from supportbot.generation.base import ChatMessage, GenerationSettings
from supportbot.store import ConversationStore

FAILED_IN_CHINESE = "抱歉，回答时出了点问题。请稍后再试。"  # the catalog's widget.error in zh.toml
FIRST_SENTENCE = "Refunds take five business days [1]."


class TroubledGenerator(ScriptedGenerator):
    """ScriptedGenerator's answers, except: 'BREAK' says a first sentence, then fails; 'LONG' says it, then a word every
    0.05 s for 20 s ('BRIEF': for 2 s), stopping when told to."""

    def fails_for(self, messages: Sequence[ChatMessage]) -> bool:
        # "失败" (failure) as "FAIL": a Chinese question holding an English word no page holds is declined before the model
        return super().fails_for(messages) or "失败" in messages[-1]["content"]

    def stream(self, messages: Sequence[ChatMessage], settings: GenerationSettings, stop: threading.Event | None = None):
        question = messages[-1]["content"]
        if not any(mark in question for mark in ("BREAK", "LONG", "BRIEF")):
            yield from super().stream(messages, settings, stop)
            return
        yield FIRST_SENTENCE
        if "BREAK" in question:
            time.sleep(0.5)  # the first sentence is on the page by then
            raise RuntimeError(MODEL_FAILURE)
        for _ in range(400 if "LONG" in question else 40):
            if stop is not None and stop.is_set():
                return
            time.sleep(0.05)
            yield " more"


def _manager(web_manager: DialogueManager, store: ConversationStore) -> DialogueManager:
    # No decline: a Chinese question over the English help center must reach the failing model, what is under test.
    bot = replace(web_manager.bot, answer_min_keyword_coverage=0.0)
    return DialogueManager(web_manager.retriever, TroubledGenerator(), store, bot, web_manager.settings, web_manager.top_k, web_manager.checker)


@pytest.fixture(scope="module")
def troubled_bot(web_manager, help_center, tmp_path_factory):  # noqa: F811
    store = ConversationStore(tmp_path_factory.mktemp("troubled") / "conversations.sqlite3")
    bot = start_bot(_manager(web_manager, store), WebConfig(allowed_origins=[help_center.origin]))
    yield bot
    bot.stop()


def test_a_model_that_fails_before_saying_anything_is_said_in_chinese(help_center, troubled_bot):  # noqa: F811
    in_chromium(help_center, (troubled_bot, None), "zh-CN", lambda page: expect(
        ask_in_widget(page, "FAIL how long do refunds take?")
    ).to_have_text(FAILED_IN_CHINESE))


def test_a_model_that_fails_after_its_first_sentence_is_said_in_chinese_also_after_a_reload(help_center, troubled_bot):  # noqa: F811
    def scenario(page) -> None:
        answer = ask_in_widget(page, "BREAK how long do refunds take?")
        expect(answer).to_have_text(FAILED_IN_CHINESE)  # the English apology the conversation keeps is not shown
        page.reload()
        expect(page.locator(".message.assistant .text").last).to_have_text(FAILED_IN_CHINESE)

    in_chromium(help_center, (troubled_bot, None), "zh-CN", scenario)


def test_a_store_that_fails_to_keep_the_answer_midway_is_said_in_chinese(web_manager, help_center, tmp_path):  # noqa: F811
    # The answer streams, then storing it fails (its table is gone): the stream ends with its error event.
    path = tmp_path / "conversations.sqlite3"
    bot = start_bot(_manager(web_manager, ConversationStore(path)), WebConfig(allowed_origins=[help_center.origin]))

    def scenario(page) -> None:
        def break_the_store_once_answering() -> None:
            page.get_by_role("textbox", name="您的问题").press("Enter")
            expect(page.locator(".message.assistant .text").last).to_contain_text(FIRST_SENTENCE)
            with sqlite3.connect(path) as db:
                db.execute("ALTER TABLE messages RENAME TO messages_gone")

        page.get_by_role("button", name="打开聊天：Help").click()
        page.get_by_role("textbox", name="您的问题").fill("BRIEF how long do refunds take?")
        break_the_store_once_answering()
        answer = page.locator(".message.assistant").last
        expect(answer).not_to_have_class(re.compile(r"\bpending\b"))
        expect(answer.locator(".text")).to_have_text(FAILED_IN_CHINESE)
        expect(answer).to_have_class(re.compile(r"\berror\b"))

    try:
        in_chromium(help_center, (bot, None), "zh-CN", scenario)
    finally:
        bot.stop()


def test_a_server_that_stops_midway_keeps_what_was_said_and_says_why_it_ended_in_chinese(web_manager, help_center, tmp_path):  # noqa: F811
    bot = start_bot(_manager(web_manager, ConversationStore(tmp_path / "c.sqlite3")), WebConfig(allowed_origins=[help_center.origin], shutdown_grace=1))

    def scenario(page) -> None:
        def stop_the_server_once_answering() -> None:
            page.get_by_role("textbox", name="您的问题").press("Enter")
            expect(page.locator(".message.assistant .text").last).to_contain_text(FIRST_SENTENCE)
            bot.stop()  # lets the answer run web.shutdown_grace (1 s), then closes its connection

        page.get_by_role("button", name="打开聊天：Help").click()
        page.get_by_role("textbox", name="您的问题").fill("LONG how long do refunds take?")
        stop_the_server_once_answering()
        answer = page.locator(".message.assistant").last
        expect(answer).not_to_have_class(re.compile(r"\bpending\b"))
        expect(answer.locator(".text")).to_contain_text(FIRST_SENTENCE)  # what was said stays
        expect(answer.locator(".note")).to_have_text(FAILED_IN_CHINESE)
        expect(answer).to_have_class(re.compile(r"\berror\b"))

    in_chromium(help_center, (bot, None), "zh-CN", scenario)


def test_a_key_holder_asking_in_chinese_gets_the_apology_in_chinese(troubled_bot):
    # The 500 said the configured English (bot.error_message) while the conversation kept the Chinese apology.
    with troubled_bot.keyed() as client:
        response = ask(client, "refunds 失败 退款需要多久？")  # 失败: the model fails (TroubledGenerator), as "FAIL" in English
    assert response.status_code == 500, response.text
    assert response.json()["error"] == {"message": troubled_bot.manager.message("bot.error", "zh"), "type": "server_error"}
    assert response.json()["error"]["message"] != troubled_bot.manager.bot.error_message

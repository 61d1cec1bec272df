"""On a Chinese help center, the widget says in Chinese that the customer asked too often (429) or that the bot is
busy (503), and that the help desk can't be reached (a real browser against the real server).

It showed the server's message for 429 and 503 as it came: English, and written for developers ("too many requests
(over 2 a minute per ip): retry in 60 s", "the bot is busy answering other questions: retry in 1 s").
"""

from __future__ import annotations

import re
import threading

from playwright.sync_api import expect
from test_web_widget import CHROMIUM_FLAGS, help_center, widget_bot  # noqa: F401 (fixtures)
from test_web_widget_words import in_chromium
from web_helpers import start_bot

from supportbot.config import WebConfig


def ask_in_widget(page, question: str, before_sending=lambda: None):
    """The customer's question, sent from the open widget; the text of its answer's bubble once no longer pending."""
    page.get_by_role("button", name="打开聊天：Help").click()
    box = page.get_by_role("textbox", name="您的问题")
    box.fill(question)
    before_sending()
    box.press("Enter")
    answer = page.locator(".message.assistant").last
    expect(answer).not_to_have_class(re.compile(r"\bpending\b"))
    return answer.locator(".text")


def test_asking_too_often_is_said_in_chinese(web_manager, help_center):  # noqa: F811
    # The page's setup, the new session, then the question: the third request in a minute from this address.
    bot = start_bot(web_manager, WebConfig(allowed_origins=[help_center.origin], rate_limit_per_ip=2))
    try:
        in_chromium(help_center, (bot, None), "zh-CN", lambda page: expect(ask_in_widget(page, "How long do refunds take?")).to_have_text(
            "您的提问过于频繁。请稍等一分钟后再试。"
        ))
    finally:
        bot.stop()


def test_a_busy_bot_is_said_in_chinese(web_manager, help_center):  # noqa: F811
    # One answer at a time and none may wait: a slow answer for a partner's server holds the only slot.
    config = WebConfig(allowed_origins=[help_center.origin], max_concurrent_answers=1, max_waiting_answers=0, max_wait=0)
    bot = start_bot(web_manager, config)
    answering = threading.Event()

    def ask_slowly() -> None:
        body = {"model": "supportbot", "stream": True, "messages": [{"role": "user", "content": "SLOW how long do refunds take?"}]}
        with bot.keyed() as client, client.stream("POST", "/v1/chat/completions", json=body) as response:
            for _ in response.iter_bytes():
                answering.set()

    slow = threading.Thread(target=ask_slowly)

    def hold_the_slot() -> None:
        slow.start()
        assert answering.wait(10)

    try:
        in_chromium(help_center, (bot, None), "zh-CN", lambda page: expect(
            ask_in_widget(page, "How long do refunds take?", hold_the_slot)
        ).to_have_text("客服中心现在很忙。请几秒钟后再试。"))
        assert bot.refusals.counts["busy"] == 1
    finally:
        if slow.is_alive():
            slow.join()
        bot.stop()


def test_a_help_desk_out_of_reach_is_said_in_chinese(help_center, widget_bot):  # noqa: F811
    def scenario(page) -> None:
        page.route("**/v1/chat/completions", lambda route: route.abort())
        expect(ask_in_widget(page, "How long do refunds take?")).to_have_text("暂时无法连接客服中心。请检查网络连接后重试。")

    in_chromium(help_center, widget_bot, "zh-CN", scenario)

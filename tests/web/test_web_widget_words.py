"""The widget on a Chinese help center says everything in Chinese, screen-reader labels included (a real browser).

Its words came from the catalog's [widget] only for the placeholder, Send, Talk to a person, the sources and the
ratings; "Open chat: …", "Your question", "Close chat", "Was this answer helpful?", "Thanks for the feedback.",
"Continue with the bot", "You said:" and "Assistant:" were written into widget.js in English.

Each test drives its own chromium on a thread of its own: test_web_widget.py's browser lives for the whole session,
and Playwright's sync API runs one per thread.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable

from playwright.sync_api import expect, sync_playwright
from test_web_widget import CHROMIUM_FLAGS, help_center, widget_bot  # noqa: F401 (fixtures)


def in_chromium(help_center, widget_bot, language: str, scenario: Callable) -> None:  # noqa: F811
    """`scenario(page)` on the example help center with <html lang=`language`>, in a browser of its own."""
    bot, _ = widget_bot
    help_center.bot_url, help_center.language = bot.url, language
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_FLAGS)
                try:
                    page = browser.new_page()
                    with page.expect_response(lambda response: "/v1/widget/setup" in response.url):
                        page.goto(help_center.url)
                    scenario(page)
                finally:
                    browser.close()
        except BaseException as error:  # noqa: BLE001 (re-raised on the test's thread)
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    help_center.language = "en"
    if failures:
        raise failures[0]


def test_on_a_chinese_page_every_word_the_widget_says_is_chinese(help_center, widget_bot):  # noqa: F811
    def scenario(page) -> None:
        page.get_by_role("button", name="打开聊天：Help").click()  # the page names its own title (data-title="Help")
        expect(page.get_by_role("button", name="关闭聊天")).to_be_visible()
        box = page.get_by_role("textbox", name="您的问题")
        box.fill("How long do refunds take?")
        box.press("Enter")
        answer = page.locator(".message.assistant").last
        answer.locator("a.citation").wait_for()
        assert answer.locator("a.citation").get_attribute("aria-label").startswith("来源 1：")
        assert page.locator(".message.user .visually-hidden").text_content() == "您说："
        assert answer.locator(".visually-hidden").text_content() == "助手："
        assert page.locator(".messages").get_attribute("aria-label") == "对话"

        answer.get_by_role("group", name="这个回答有帮助吗？").get_by_role("button", name="有帮助", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("感谢您的反馈。")

        page.get_by_role("button", name="转人工客服").click()
        expect(page.get_by_role("button", name="继续与机器人对话")).to_be_visible()
        page.reload()  # the conversation, still with a person, shown again: its banner and labels in Chinese
        expect(page.locator(".handoff-text")).to_have_text("客服团队已接手这个对话，稍后会有人跟进。")
        expect(page.locator(".message.user .visually-hidden").first).to_have_text("您说：")
        page.get_by_role("button", name="继续与机器人对话").click()
        expect(page.get_by_role("textbox", name="您的问题")).to_be_enabled()

    in_chromium(help_center, widget_bot, "zh-CN", scenario)


def test_a_page_that_writes_its_language_with_an_underscore_gets_chinese_too(help_center, widget_bot):  # noqa: F811
    # <html lang="zh_CN"> (a form many sites use) got English while "zh-CN" got Chinese.
    def scenario(page) -> None:
        page.get_by_role("button", name="打开聊天：Help").click()
        expect(page.get_by_role("textbox", name="您的问题")).to_have_attribute("placeholder", "请输入您的问题…")
        expect(page.get_by_role("button", name="发送")).to_be_visible()

    in_chromium(help_center, widget_bot, "zh_CN", scenario)


def test_on_an_english_page_the_widget_still_speaks_english(help_center, widget_bot):  # noqa: F811
    def scenario(page) -> None:
        page.get_by_role("button", name="Open chat: Help").click()
        expect(page.get_by_role("button", name="Close chat")).to_be_visible()
        expect(page.get_by_role("textbox", name="Your question")).to_have_attribute("placeholder", "Ask a question…")

    in_chromium(help_center, widget_bot, "en", scenario)

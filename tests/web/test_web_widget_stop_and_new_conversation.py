"""The widget's Stop and New conversation controls, from the keyboard, labelled in the page's language (a real browser).

The catalog had `stop` and `new_conversation` words and no control used them: a customer could not stop a long answer
(the model went on to its end) nor start over (the conversation lasted as long as its token).
"""

from __future__ import annotations

from playwright.sync_api import expect
from test_web_widget import CHROMIUM_FLAGS, help_center  # noqa: F401 (fixtures)
from test_web_widget_answer_failures import FIRST_SENTENCE, troubled_bot  # noqa: F401 (fixtures)
from test_web_widget_words import in_chromium
from web_helpers import SESSION_SECRET, wait_for

from supportbot.channels.web.sessions import ConversationTokens


def _conversation_id(page, bot) -> str:
    token = page.evaluate(f"localStorage.getItem('supportbot:{bot.url}:token')")
    return ConversationTokens(SESSION_SECRET.encode(), 3600).verify(token).conversation_id


def _stored(bot, conversation_id: str):
    return [m for m in bot.manager.messages("web", conversation_id) if m.role in ("user", "assistant")]


def test_stop_from_the_keyboard_ends_the_answer_where_it_was_and_the_bot_stops_writing(help_center, troubled_bot):  # noqa: F811
    def scenario(page) -> None:
        page.get_by_role("button", name="Open chat: Help").click()
        box = page.get_by_role("textbox", name="Your question")
        box.fill("LONG how long do refunds take?")  # 20 s of answer
        box.press("Enter")
        answer = page.locator(".message.assistant").last
        expect(answer.locator(".text")).to_contain_text(FIRST_SENTENCE)
        stop = page.get_by_role("button", name="Stop")
        expect(stop).to_be_visible()
        expect(page.get_by_role("button", name="Send")).to_be_hidden()  # Stop takes its place while the answer streams

        page.keyboard.press("Tab")  # from the question box to Stop
        assert stop.evaluate("b => b.getRootNode().activeElement === b")
        page.keyboard.press("Enter")

        expect(answer.locator(".note")).to_have_text("Answer stopped.")
        expect(page.get_by_role("button", name="Send")).to_be_enabled()
        expect(stop).to_be_hidden()
        assert box.evaluate("b => b.getRootNode().activeElement === b")  # back to the question box
        shown = answer.locator(".text").inner_text()
        assert shown.startswith(FIRST_SENTENCE)

        # The server stopped the model and kept what was said, marked interrupted, well before the answer's 20 s.
        conversation_id = _conversation_id(page, troubled_bot)
        stored = wait_for(lambda: [m for m in _stored(troubled_bot, conversation_id) if m.role == "assistant"])[-1]
        assert stored.interrupted and stored.content.startswith(FIRST_SENTENCE)
        assert len(stored.content) < len(FIRST_SENTENCE) + 400 * len(" more")

        page.reload()  # the stopped answer, as kept, with the same note
        expect(page.locator(".message.assistant .note")).to_have_text("Answer stopped.")

    in_chromium(help_center, (troubled_bot, None), "en", scenario)


def test_new_conversation_from_the_keyboard_starts_over_and_is_labelled_in_chinese(help_center, troubled_bot):  # noqa: F811
    def scenario(page) -> None:
        page.get_by_role("button", name="打开聊天：Help").click()
        box = page.get_by_role("textbox", name="您的问题")
        box.fill("How long do refunds take?")
        box.press("Enter")
        expect(page.locator(".message.assistant a.citation")).to_have_count(1)  # the answer has ended
        first_conversation = _conversation_id(page, troubled_bot)

        page.get_by_role("button", name="新对话").focus()
        page.keyboard.press("Enter")
        expect(page.locator(".message")).to_have_count(0)
        assert box.evaluate("b => b.getRootNode().activeElement === b")

        box.fill("And for gift cards?")
        box.press("Enter")
        # the bot answers with none of the first conversation's history
        expect(page.locator(".message.assistant .text")).to_have_text("Answer to 'And for gift cards?' with 0 earlier messages [1].")
        assert _conversation_id(page, troubled_bot) != first_conversation
        assert [m.role for m in _stored(troubled_bot, first_conversation)] == ["user", "assistant"]  # kept as it was

        page.reload()  # the new conversation is the one shown again
        expect(page.locator(".message.user .text")).to_have_text(["And for gift cards?"])

        # while an answer streams, Stop is named in Chinese too
        box.fill("LONG how long do refunds take?")
        box.press("Enter")
        expect(page.get_by_role("button", name="停止")).to_be_visible()
        page.get_by_role("button", name="新对话").click()  # starting over stops the answer
        expect(page.locator(".message")).to_have_count(0)
        expect(page.get_by_role("button", name="发送")).to_be_enabled()

    in_chromium(help_center, (troubled_bot, None), "zh-CN", scenario)

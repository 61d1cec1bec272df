"""The widget in a real browser (Debian's chromium, headless, driven by Playwright) on examples/help-center.html.

The page is served from an origin of its own, as a help center is, so the widget's calls are
cross-origin and pass through the bot's CORS allow-list. If the browser cannot start, the tests fail.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from slack_double import SlackDouble
from slack_helpers import BOT_TOKEN
from web_helpers import SESSION_SECRET, start_bot, wait_for

from supportbot.app import retriever_for_index
from supportbot.bot.dialogue import DialogueManager
from supportbot.channels.web.handoff import SlackHandoff
from supportbot.channels.web.sessions import ConversationTokens
from supportbot.config import BotConfig, Config, SlackConfig, WebConfig
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore

REPO = Path(__file__).resolve().parents[2]
LINKED_QUESTION = "Where are the step-by-step instructions for a return?"  # the answer quotes a Markdown link
EXAMPLE_PAGE = REPO / "examples" / "help-center.html"
EXAMPLE_BOT_URL = "http://127.0.0.1:8080"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class HelpCenter:
    """examples/help-center.html on an origin of its own, its script pointed at `bot_url`."""

    def __init__(self) -> None:
        self.bot_url = EXAMPLE_BOT_URL
        self.language = "en"  # the page's <html lang>
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = EXAMPLE_PAGE.read_text(encoding="utf-8").replace(EXAMPLE_BOT_URL, site.bot_url)
                page = page.replace('<html lang="en">', f'<html lang="{site.language}">').encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return self.origin + "/help-center.html"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Debian's chromium is not installed: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        # launch() gives every run a fresh, temporary --user-data-dir of its own
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def help_center() -> Iterator[HelpCenter]:
    site = HelpCenter()
    yield site
    site.server.shutdown()


def open_widget(page) -> None:
    page.get_by_role("button", name="Open chat: Help").click()
    page.get_by_role("textbox", name="Your question").wait_for()


def ask_in_widget(page, question: str) -> None:
    box = page.get_by_role("textbox", name="Your question")
    box.fill(question)
    box.press("Enter")


@pytest.mark.slow
def test_a_customer_asks_the_bundled_model_in_the_widget_and_finds_the_conversation_after_a_reload(
    browser, page, help_center, sample_index_dir, tmp_path
):
    """`supportbot serve` as a user runs it (the bundled model on llama.cpp), the example page, a browser."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SUPPORTBOT_")}
    env |= {
        "SUPPORTBOT_PATHS_INDEX_DIR": str(sample_index_dir),
        "SUPPORTBOT_PATHS_DATA_DIR": str(tmp_path / "data"),
        "SUPPORTBOT_MODEL_MAX_NEW_TOKENS": "24",
        "SUPPORTBOT_WEB_ALLOWED_ORIGINS": help_center.origin,
        "WEBCHAT_SESSION_SECRET": SESSION_SECRET,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "supportbot", "serve", "--port", "0"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    try:
        bot_url = wait_for(lambda: _served_url(lines), timeout=120)
        wait_for(lambda: httpx.get(bot_url + "/readyz").status_code == 200, timeout=120)
        help_center.bot_url = bot_url

        page.goto(help_center.url)
        open_widget(page)
        ask_in_widget(page, "How long do refunds take?")
        answer = page.locator(".message.assistant").last
        answer.locator(".sources a").first.wait_for(timeout=120_000)
        text = answer.locator(".text").inner_text()
        assert text.strip() and answer.locator(".sources a").first.get_attribute("href").startswith("https://help.larkspurgoods.com/")

        page.reload()  # the panel reopens with the conversation, from the token in localStorage
        answer = page.locator(".message.assistant").last
        answer.locator(".sources a").first.wait_for()
        assert page.locator(".message.user").last.inner_text().endswith("How long do refunds take?")
        assert answer.locator(".text").inner_text() == text

        answer.get_by_role("button", name="Not helpful").click()
        page.locator("[aria-pressed=true]").wait_for()
        token = page.evaluate(f"localStorage.getItem('supportbot:{bot_url}:token')")
        conversation_id = ConversationTokens(SESSION_SECRET.encode(), 3600).verify(token).conversation_id
        store = ConversationStore(tmp_path / "data" / "conversations.sqlite3")
        stored_answer = [m for m in store.messages("web", conversation_id) if m.role == "assistant"][-1]
        assert [(f["rating"], f["message_id"]) for f in store.feedback("web", conversation_id)] == [("down", stored_answer.id)]
        assert stored_answer.content == text
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(30)
    assert exit_code == 0


def _served_url(lines: queue.Queue[str]) -> str | None:
    while not lines.empty():
        if match := re.search(r"supportbot serving (http://\S+)", lines.get()):
            return match.group(1)
    return None


@pytest.fixture(scope="module")
def widget_bot(web_manager, help_center):
    double = SlackDouble()
    handoff = SlackHandoff.from_config(SlackConfig(api_url=double.api_url, handoff_channel="CHANDOFF"), {"SLACK_BOT_TOKEN": BOT_TOKEN})
    bot = start_bot(web_manager, WebConfig(allowed_origins=[help_center.origin]), handoff=handoff)
    yield bot, double
    bot.stop()
    double.close()


def test_the_answer_streams_its_citations_link_to_sources_and_a_person_can_be_asked_for(page, help_center, widget_bot):
    bot, double = widget_bot
    help_center.bot_url = bot.url
    page.goto(help_center.url)
    launcher = page.get_by_role("button", name="Open chat: Help")
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(255, 105, 180)"  # the page's hotpink buttons stay out

    launcher.focus()
    page.keyboard.press("Enter")
    page.keyboard.type("SLOW: How long do refunds take?")  # the question box has the focus once the panel opens
    page.keyboard.press("Enter")
    answer = page.locator(".message.assistant").last
    lengths = set()
    while not answer.locator("a.citation").count():  # watch the answer grow word by word as it streams
        lengths.add(len(answer.locator(".text").inner_text()))
    citation = answer.locator("a.citation")
    first_source = answer.locator(".sources li[data-number='1'] a")
    assert len(lengths) > 3, f"the answer did not stream: {sorted(lengths)}"
    assert citation.inner_text() == "[1]" and citation.get_attribute("href") == first_source.get_attribute("href")
    assert answer.locator(".text").inner_text() == "Answer to 'SLOW: How long do refunds take?' with 0 earlier messages [1]."

    page.get_by_role("button", name="Talk to a person").click()
    page.get_by_role("button", name="Continue with the bot").wait_for()
    expect(page.get_by_role("textbox", name="Your question")).to_be_disabled()
    (post,) = wait_for(lambda: double.calls_to("chat.postMessage"))
    assert post["channel"] == "CHANDOFF" and "SLOW: How long do refunds take?" in post["text"] and help_center.url in post["text"]

    page.get_by_role("button", name="Continue with the bot").click()
    expect(page.get_by_role("textbox", name="Your question")).to_be_enabled()
    page.keyboard.press("Escape")
    expect(page.get_by_role("textbox", name="Your question")).to_be_hidden()
    assert launcher.evaluate("b => b.getRootNode().activeElement === b")  # focus goes back to the launcher


def test_typing_talk_to_a_human_hands_the_conversation_over_as_the_button_does(page, help_center, widget_bot):
    bot, double = widget_bot
    help_center.bot_url = bot.url
    page.goto(help_center.url)
    open_widget(page)
    ask_in_widget(page, "talk to a human")
    page.get_by_role("button", name="Continue with the bot").wait_for()
    expect(page.get_by_role("textbox", name="Your question")).to_be_disabled()
    assert page.locator(".message.assistant .text").last.inner_text() == WebConfig().handoff_message
    assert wait_for(lambda: [c for c in double.calls_to("chat.postMessage") if "talk to a human" in c["text"]])


@pytest.fixture(scope="module")
def bot_without_slack(web_manager, help_center):
    """The web bot as `supportbot serve` runs by default: no Slack, so no one to hand a conversation to."""
    manager = DialogueManager(
        web_manager.retriever, web_manager.generator, web_manager.store, web_manager.bot,
        web_manager.settings, web_manager.top_k, web_manager.checker,
    )
    bot = start_bot(manager, WebConfig(allowed_origins=[help_center.origin]))
    yield bot
    bot.stop()


def test_without_slack_no_person_is_offered_and_one_asked_for_in_words_is_said_to_be_out_of_reach(page, help_center, bot_without_slack):
    # The button was there until the first click, which only then said that no one could be reached.
    help_center.bot_url = bot_without_slack.url
    with page.expect_response(lambda response: "/v1/widget/" in response.url):  # what the widget asks when the page loads
        page.goto(help_center.url)
    open_widget(page)
    ask_in_widget(page, "How long do refunds take?")
    page.locator(".message.assistant a.citation").wait_for()
    expect(page.get_by_role("button", name="Talk to a person")).to_be_hidden()  # no promise it cannot keep
    send = page.get_by_role("button", name="Send")
    expect(send).to_be_enabled()  # the answer has ended
    ask_in_widget(page, "talk to a person")
    told = page.locator(".message.assistant .text").nth(1)
    expect(told).to_have_text("I can't connect you with a person from here. Please contact our support team directly.")
    expect(page.get_by_role("button", name="Continue with the bot")).to_be_hidden()
    expect(send).to_be_enabled()
    ask_in_widget(page, "And for gift cards?")  # the bot still answers
    expect(page.locator(".message.assistant .text").last).to_have_text(re.compile("^Answer to 'And for gift cards\\?'"))
    expect(page.get_by_role("button", name="Talk to a person")).to_be_hidden()


def test_on_a_chinese_page_the_widget_speaks_chinese(page, help_center, widget_bot):
    # The catalog's [widget] words were never used: a Chinese help center's widget said "Send", "Talk to a person".
    bot, _ = widget_bot
    help_center.bot_url, help_center.language = bot.url, "zh-CN"
    try:
        page.goto(help_center.url)
        page.get_by_role("button", name="打开聊天：Help").click()  # the page names its own title (data-title="Help"), which stays
        box = page.get_by_role("textbox", name="您的问题")
        expect(box).to_have_attribute("placeholder", "请输入您的问题…")
        expect(page.get_by_role("button", name="发送")).to_be_visible()
        expect(page.get_by_role("button", name="转人工客服")).to_be_visible()
    finally:
        help_center.language = "en"


def test_bold_in_an_answer_is_shown_bold_and_the_customers_own_words_as_typed(page, help_center, widget_bot):
    # Answers quote Markdown pages ("**$35 to $1,000**"); the scripted model repeats the question, marks and all.
    bot, _ = widget_bot
    help_center.bot_url = bot.url
    page.goto(help_center.url)
    open_widget(page)
    ask_in_widget(page, "Where is the **Promo code** box?")
    answer = page.locator(".message.assistant").last
    answer.locator("a.citation").wait_for()
    assert answer.locator(".text strong").all_inner_texts() == ["Promo code"]
    assert answer.locator(".text").inner_text() == "Answer to 'Where is the Promo code box?' with 0 earlier messages [1]."
    assert page.locator(".message.user .text").last.inner_text() == "Where is the **Promo code** box?"


def test_bold_holding_code_is_shown_bold_with_its_code(page, help_center, widget_bot):
    # "**Run `make`**" was shown with its asterisks: neither stretch of text beside the code held both marks. (The
    # scripted model repeats the question.)
    bot, _ = widget_bot
    help_center.bot_url = bot.url
    page.goto(help_center.url)
    open_widget(page)
    ask_in_widget(page, "Where is the **Promo `code`** box for `SAVE**10`?")
    answer = page.locator(".message.assistant").last
    answer.locator("a.citation").wait_for()
    assert answer.locator(".text strong").all_inner_texts() == ["Promo code"]
    assert answer.locator(".text strong code").all_inner_texts() == ["code"]
    assert answer.locator(".text code").all_inner_texts() == ["code", "SAVE**10"]
    assert answer.locator(".text").inner_text() == "Answer to 'Where is the Promo code box for SAVE**10?' with 0 earlier messages [1]."


def _quoting(web_manager, help_center, retriever) -> Iterator:
    """The web bot answering extractively from `retriever`: what the customer reads is quoted as written."""
    manager = DialogueManager(
        retriever, web_manager.generator, web_manager.store, BotConfig(answer_mode="extractive"),
        web_manager.settings, web_manager.top_k, web_manager.checker,
    )
    bot = start_bot(manager, WebConfig(allowed_origins=[help_center.origin]))
    yield bot
    bot.stop()


@pytest.fixture(scope="module")
def quoting_bot(web_manager, help_center):
    """Over the sample docs."""
    yield from _quoting(web_manager, help_center, web_manager.retriever)


@pytest.fixture(scope="module")
def api_docs_bot(web_manager, help_center, api_docs_index_dir, embedder):
    """Over tests/data/api-docs, a developer help center with code."""
    yield from _quoting(web_manager, help_center, retriever_for_index(Config(), load_index(api_docs_index_dir), embedder))


def _answer_in_widget(page, help_center, bot, question: str):
    """The widget's answer to `question`, once it is finished (its sources shown)."""
    help_center.bot_url = bot.url
    page.goto(help_center.url)
    open_widget(page)
    ask_in_widget(page, question)
    answer = page.locator(".message.assistant").last
    answer.locator(".sources a").first.wait_for()
    return answer


def test_a_quoted_table_row_is_shown_as_a_table_under_its_columns_names(page, help_center, quoting_bot):
    # The shipping page's table: the row alone ("| United Kingdom | 10-15 business days | $19.95 |") was shown with its
    # pipes, and its citation after the closing pipe, where a Markdown reader drops it as a cell too many.
    answer = _answer_in_widget(page, help_center, quoting_bot, "how much does it cost to ship to the UK?")
    table = answer.locator(".text table")
    assert table.locator("th").all_inner_texts() == ["Destination", "Delivery time", "Shipping cost"]
    assert table.locator("tbody td").all_inner_texts() == ["United Kingdom", "10-15 business days", "$19.95 [1]"]
    assert table.locator("td a.citation").get_attribute("href") == answer.locator(".sources li[data-number='1'] a").get_attribute("href")
    assert "|" not in answer.locator(".text").inner_text() and "---" not in answer.locator(".text").inner_text()


def test_a_quoted_code_block_is_shown_as_code(page, help_center, api_docs_bot):
    answer = _answer_in_widget(page, help_center, api_docs_bot, "how do I send my API key?")
    code = answer.locator(".text pre code")
    assert code.inner_text().startswith("# list your orders. Any key works in the sandbox.\ncurl https://api.larkspur.example/v1/orders")
    assert "```" not in answer.locator(".text").inner_text() and answer.locator("a.citation").count() == 1


def test_a_quoted_link_is_a_link(page, help_center, quoting_bot):
    # The return policy says "Step-by-step instructions are in [Start a return](https://help.larkspurgoods.com/...)."
    answer = _answer_in_widget(page, help_center, quoting_bot, LINKED_QUESTION)
    link = answer.locator(".text a.link")
    assert (link.inner_text(), link.get_attribute("href")) == ("Start a return", "https://help.larkspurgoods.com/returns/start-a-return")
    assert "](" not in answer.locator(".text").inner_text()


def test_a_pipe_a_table_cell_holds_is_shown_in_its_cell_and_inline_code_as_code(page, help_center, api_docs_bot):
    # "`status eq shipped \\| status eq delivered`" (tests/data/api-docs/filters.md) was cut into two cells, and shown
    # with its backticks.
    answer = _answer_in_widget(page, help_center, api_docs_bot, "how do I filter for orders that are shipped or delivered?")
    table = answer.locator(".text table")
    assert table.locator("th").all_inner_texts() == ["Operator", "What it matches", "Example"]
    assert table.locator("tbody tr").last.locator("td").all_inner_texts() == ["|", "Either of two conditions", "status eq shipped | status eq delivered [1]"]
    assert table.locator("tbody tr").last.locator("code").all_inner_texts() == ["|", "status eq shipped | status eq delivered"]


def test_a_table_that_names_no_columns_is_a_table_without_a_header_row(page, help_center, api_docs_bot):
    # tests/data/api-docs/regions.html has no <th>: its row was shown with its pipes.
    answer = _answer_in_widget(page, help_center, api_docs_bot, "what is the base URL for accounts in the European Union?")
    table = answer.locator(".text table")
    assert table.locator("th").count() == 0
    assert table.locator("tbody td").all_inner_texts() == ["European Union", "eu.api.larkspur.example [1]"]
    assert "|" not in answer.locator(".text").inner_text()

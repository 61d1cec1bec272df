"""Questions sent at once in one conversation: answered one after another, in the order they came, each with the
earlier turns in its history, while other conversations are answered meanwhile."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest
from fakes import grounding_checker
from slack_double import SlackDouble
from slack_helpers import BOT_TOKEN
from web_helpers import RunningBot, ScriptedGenerator, ask, new_session, start_bot, wait_for

from supportbot.bot.dialogue import DialogueManager
from supportbot.channels.web.handoff import SlackHandoff
from supportbot.channels.web.turns import ConversationTurns
from supportbot.config import BotConfig, RetrievalConfig, SlackConfig, WebConfig
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore

HELD = "HOLD: How long do refunds take?"
SECOND = "And for gift cards?"


def answer_to(question: str, earlier: int) -> str:
    return f"Answer to '{question}' with {earlier} earlier messages [1]."


class HeldGenerator(ScriptedGenerator):
    """ScriptedGenerator's answers, except that an answer to a question with 'HOLD' in it says its first word and
    then waits until the test lets it go (`go`), or until it is stopped: a slow model, as slow as the test needs."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()  # the held answer has said its first word
        self.go = threading.Event()

    def stream(self, messages, settings, stop=None):
        words = super().stream(messages, settings, stop)
        if "HOLD" not in messages[-1]["content"]:
            yield from words
            return
        yield next(words)
        self.holding.set()
        while not self.go.wait(0.01):
            if stop is not None and stop.is_set():
                return
        yield from words


@pytest.fixture(scope="module")
def retriever(sample_index_dir, embedder) -> DenseRetriever:
    retrieval = RetrievalConfig()
    return DenseRetriever(load_index(sample_index_dir), embedder, retrieval.top_k, retrieval.min_score)


def serve(retriever, embedder, tmp_path, handoff: SlackHandoff | None = None) -> tuple[RunningBot, HeldGenerator]:
    model = HeldGenerator()
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    manager = DialogueManager(retriever, model, store, BotConfig(answer_mode="generative"), GenerationSettings(max_new_tokens=24),
                              RetrievalConfig().top_k, grounding_checker(embedder))
    return start_bot(manager, WebConfig(), handoff=handoff), model


@pytest.fixture
def held_bot(retriever, embedder, tmp_path) -> Iterator[tuple[RunningBot, HeldGenerator]]:
    bot, model = serve(retriever, embedder, tmp_path)
    yield bot, model
    model.go.set()
    bot.stop()


def stored(bot: RunningBot, conversation_id: str) -> list[tuple[str, str, bool]]:
    return [(m.role, m.content, m.interrupted) for m in bot.manager.messages("web", conversation_id)]


def queue_depth(bot: RunningBot) -> float:
    """supportbot_queue_depth{channel="web"}, as Prometheus scrapes it."""
    scraped = httpx.get(bot.url + "/metrics").text
    return float(re.search(r'^supportbot_queue_depth\{channel="web"\} (\S+)$', scraped, re.MULTILINE).group(1))


def ask_aside(bot: RunningBot, address: str, question: str, headers: dict[str, str]) -> httpx.Response:
    """The question on a connection of its own, as a second tab or a client's second worker sends it."""
    with bot.client(address) as client:
        return ask(client, question, headers)


def until_waiting_or_done(bot: RunningBot, request: Future) -> None:
    """Until the server holds `request` back (it waits for its turn) or has answered it without waiting."""
    wait_for(lambda: request.done() or queue_depth(bot) >= 1)


def first_words(lines: Iterator[str]) -> str:
    for line in lines:
        if line.startswith("data: ") and '"content"' in line:
            return json.loads(line[len("data: "):])["choices"][0]["delta"]["content"]
    raise AssertionError("the stream ended before any words")


def streamed_text(lines: Iterator[str]) -> str:
    events = [json.loads(line[len("data: "):]) for line in lines if line.startswith("data: {")]
    return "".join(event["choices"][0]["delta"].get("content", "") for event in events)


def test_a_question_sent_while_the_previous_answer_streams_waits_for_it_and_has_it_in_its_history(held_bot, client_address):
    bot, model = held_bot
    with bot.client(client_address) as client, ThreadPoolExecutor(1) as pool:
        session = new_session(client)
        body = {"stream": True, "messages": [{"role": "user", "content": HELD}]}
        with client.stream("POST", "/v1/chat/completions", json=body, headers=session) as first:
            lines = first.iter_lines()
            said = first_words(lines)
            assert model.holding.wait(10)
            second = pool.submit(ask_aside, bot, client_address, SECOND, session)
            until_waiting_or_done(bot, second)
            model.go.set()
            said += streamed_text(lines)
        answered = second.result(timeout=30)
    conversation_id = bot.tokens.verify(session["X-Conversation-Token"]).conversation_id
    assert said == answer_to(HELD, 0)
    assert answered.status_code == 200 and answered.json()["choices"][0]["message"]["content"] == answer_to(SECOND, 2)
    assert stored(bot, conversation_id) == [
        ("user", HELD, False), ("assistant", answer_to(HELD, 0), False), ("user", SECOND, False), ("assistant", answer_to(SECOND, 2), False)
    ]


def test_a_key_holders_questions_in_one_conversation_are_answered_in_order_and_another_conversation_meanwhile(held_bot):
    bot, model = held_bot

    def ask_in(conversation: str, question: str) -> httpx.Response:
        with bot.keyed() as client:  # a connection of its own, as a client's worker has
            return ask(client, question, {"X-Conversation-Id": conversation})

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(ask_in, "ticket-1", HELD)
        assert model.holding.wait(10)
        second = pool.submit(ask_in, "ticket-1", SECOND)
        until_waiting_or_done(bot, second)
        elsewhere = ask_in("ticket-2", SECOND)  # while ticket-1's first answer is still being written
        still_held = not model.go.is_set() and not first.done()
        model.go.set()
        first, second = first.result(timeout=30), second.result(timeout=30)
    assert still_held and elsewhere.status_code == 200
    assert elsewhere.json()["choices"][0]["message"]["content"] == answer_to(SECOND, 0)
    assert [r.json()["choices"][0]["message"]["content"] for r in (first, second)] == [answer_to(HELD, 0), answer_to(SECOND, 2)]
    conversation_id = first.json()["supportbot"]["conversation_id"]
    assert [content for _, content, _ in stored(bot, conversation_id)] == [HELD, answer_to(HELD, 0), SECOND, answer_to(SECOND, 2)]


def test_a_reader_that_leaves_mid_answer_passes_the_turn_on_once_what_was_said_is_stored(held_bot, client_address):
    bot, model = held_bot
    with bot.client(client_address) as client, ThreadPoolExecutor(1) as pool:
        session = new_session(client)
        body = {"stream": True, "messages": [{"role": "user", "content": HELD}]}
        with client.stream("POST", "/v1/chat/completions", json=body, headers=session) as first:
            lines = first.iter_lines()  # kept: a dropped iterator would hang up at once
            said = first_words(lines)
            assert model.holding.wait(10)
            second = pool.submit(ask_aside, bot, client_address, SECOND, session)
            until_waiting_or_done(bot, second)
        # hung up without reading on, and the model never let go: the answer stops at what was said
        answered = second.result(timeout=30)
    conversation_id = bot.tokens.verify(session["X-Conversation-Token"]).conversation_id
    assert answered.status_code == 200 and answered.json()["choices"][0]["message"]["content"] == answer_to(SECOND, 2)
    assert stored(bot, conversation_id) == [
        ("user", HELD, False), ("assistant", said, True), ("user", SECOND, False), ("assistant", answer_to(SECOND, 2), False)
    ]


def hand_off_aside(bot: RunningBot, address: str, headers: dict[str, str]) -> httpx.Response:
    with bot.client(address) as client:
        return client.post("/v1/handoff", json={}, headers=headers)


def test_talk_to_a_person_during_an_answer_posts_the_summary_once_the_answer_is_stored(retriever, embedder, tmp_path, client_address):
    double = SlackDouble()
    handoff = SlackHandoff.from_config(SlackConfig(api_url=double.api_url, handoff_channel="CHANDOFF"), {"SLACK_BOT_TOKEN": BOT_TOKEN})
    bot, model = serve(retriever, embedder, tmp_path, handoff)
    try:
        with bot.client(client_address) as client, ThreadPoolExecutor(1) as pool:
            session = new_session(client)
            body = {"stream": True, "messages": [{"role": "user", "content": HELD}]}
            with client.stream("POST", "/v1/chat/completions", json=body, headers=session) as first:
                lines = first.iter_lines()
                first_words(lines)
                assert model.holding.wait(10)
                handed = pool.submit(hand_off_aside, bot, client_address, session)
                until_waiting_or_done(bot, handed)
                model.go.set()
                list(lines)
            handed = handed.result(timeout=30)
    finally:
        model.go.set()
        bot.stop()
        double.close()
    assert handed.json()["in_handoff"] is True
    (post,) = double.calls_to("chat.postMessage")
    assert HELD in post["text"] and answer_to(HELD, 0).removesuffix(" [1].") in post["text"]


def test_a_conversation_is_forgotten_once_its_requests_are_done_and_turns_pass_in_arrival_order():
    async def scenario() -> tuple[list[str], int, int]:
        turns = ConversationTurns()
        order: list[str] = []

        async def ask_in(conversation: str, name: str) -> None:
            turn = await turns.take(conversation)
            order.append(name)
            turn.end()

        first = await turns.take("a")
        waiting = [asyncio.create_task(ask_in("a", name)) for name in ("second", "third", "fourth")]
        leaving = asyncio.create_task(ask_in("a", "left while waiting"))
        await asyncio.sleep(0)  # every task is waiting for a's turn now
        await ask_in("b", "elsewhere")  # another conversation does not wait for a
        waiting_then = turns.waiting
        leaving.cancel()
        first.end()
        first.end()  # a second end passes nothing on
        await asyncio.gather(*waiting)
        return order, waiting_then, len(turns) + turns.waiting

    order, waiting_then, left = asyncio.run(scenario())
    assert order == ["elsewhere", "second", "third", "fourth"]
    assert waiting_then == 4 and left == 0

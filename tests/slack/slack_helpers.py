"""Shared by the Slack tests (a module with its own name, so it cannot clash with another conftest)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from supportbot.generation.base import ChatMessage, GenerationSettings

REPO = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-1-test-token"


class EchoGenerator:
    """A deterministic stand-in where the model is not under test: it says what it was asked and
    how many earlier messages the prompt carried, a word at a time, `delay` seconds per word."""

    context_window = 4096

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.delay = delay
        self.fail = fail
        self.prompts: list[list[ChatMessage]] = []

    def warm_up(self) -> None:
        pass

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return sum(len(m["content"].split()) + 4 for m in messages)

    def truncate(self, text: str, max_tokens: int) -> str:
        return " ".join(text.split()[:max_tokens])

    def stream(self, messages: Sequence[ChatMessage], settings: GenerationSettings, stop: threading.Event | None = None) -> Iterator[str]:
        self.prompts.append(list(messages))
        if self.fail:
            raise RuntimeError("the model fell over (test)")
        earlier = len(messages) - 2  # minus the system prompt and the question
        for word in f"Answer to '{messages[-1]['content']}' with {earlier} earlier messages [1].".split(" "):
            if stop is not None and stop.is_set():
                return
            time.sleep(self.delay)
            yield word + " "


def final_text(bot, channel: str, thread_ts: str, index: int = 0) -> str:
    """Wait until the bot's message in the thread shows its final blocks (buttons or a plain notice)."""

    def done():
        messages = bot.double.thread_messages(channel, thread_ts)
        if len(messages) > index and messages[index].get("blocks") and not messages[index]["text"].endswith("…"):
            return messages[index]["text"]
        return None

    return bot.double.wait_for(done)

"""Shared by the Slack tests (a module with its own name, so it cannot clash with another conftest)."""

from __future__ import annotations

import threading
from pathlib import Path

from fakes import QuestionEchoGenerator

REPO = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-1-test-token"


def final_text(bot, channel: str, thread_ts: str, index: int = 0) -> str:
    """Wait until the bot's message in the thread shows its final blocks (buttons or a plain notice)."""

    def done():
        messages = bot.double.thread_messages(channel, thread_ts)
        if len(messages) > index and messages[index].get("blocks") and not messages[index]["text"].endswith("…"):
            return messages[index]["text"]
        return None

    return bot.double.wait_for(done)


class HeldGenerator(QuestionEchoGenerator):
    """Records which questions it started on, and holds every answer until `release()`: questions wait in the queue meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[str] = []
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def stream(self, messages, settings, stop=None):
        self.started.append(messages[-1]["content"])
        if not self._released.wait(30):
            raise AssertionError("the test never released the generator")
        yield from super().stream(messages, settings, stop)

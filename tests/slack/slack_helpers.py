"""Shared by the Slack tests (a module with its own name, so it cannot clash with another conftest)."""

from __future__ import annotations

from pathlib import Path

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

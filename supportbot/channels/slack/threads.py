"""Which conversation a Slack message belongs to, and whether the bot takes part in it, read from the Slack tables.

In a channel, a thread is one conversation ("C1:THREAD_TS"). The bot is in it once it accepted an
event there (still queued, not yet answered) or posted in it (an answer, the busy notice, the
"Ask me a question" greeting, an apology): before, only a stored user message counted, so a
follow-up sent while the first question waited, or after the busy notice or the greeting, was
dropped. In a direct message people rarely use threads: a message at the top of the DM continues
the conversation the bot last replied in there, within DM_IDLE_S of that reply; a reply in the
thread under one of the bot's answers continues that answer's conversation.

The lookups are SlackStore's (slack_replies by conversation, and by channel and thread, indexed; the queued
events' payloads, a few per instance).
"""

from __future__ import annotations

import time
from typing import Any

from supportbot.channels.slack.store import SlackStore

# A DM's top-level messages are one conversation while its last reply is younger than this; after, a message starts
# a new one (a support chat's usual idle timeout: a question the next day is a new conversation).
DM_IDLE_S = 60 * 60


def thread_of(event: dict[str, Any]) -> tuple[str, str]:
    """The channel and thread an event belongs to; a message outside a thread starts one."""
    return event["channel"], event.get("thread_ts") or event["ts"]


def conversation_id(channel: str, thread_ts: str) -> str:
    """A Slack thread is one conversation (a DM's conversation is named by the message that started it)."""
    return f"{channel}:{thread_ts}"


def is_direct(channel: str) -> bool:
    """A direct message with the bot: its channel ID starts with D."""
    return channel.startswith("D")


def conversation_of_payload(payload: dict[str, Any]) -> str:
    """The conversation a stored event was accepted into (payloads from before it was recorded: the thread's)."""
    return payload.get("conversation_id") or conversation_id(*thread_of(payload["event"]))


class Threads:
    """Reads where the bot has been from the Slack tables of `store`."""

    def __init__(self, store: SlackStore, dm_idle: float = DM_IDLE_S) -> None:
        self.store = store
        self.dm_idle = dm_idle

    def conversation_of(self, event: dict[str, Any]) -> str:
        channel, thread_ts = thread_of(event)
        own = conversation_id(channel, thread_ts)
        if not is_direct(channel):
            return own
        if event.get("thread_ts") and event["thread_ts"] != event.get("ts"):  # a reply under one of the bot's answers
            for payload in self.store.queued_payloads():
                if thread_of(payload["event"]) == (channel, thread_ts):
                    return conversation_of_payload(payload)
            return self.store.conversation_of_thread(channel, thread_ts) or own
        waiting = [conversation_of_payload(payload) for payload in self.store.queued_payloads() if payload["event"].get("channel") == channel]
        if waiting:
            return waiting[-1]
        return self.store.latest_conversation_in(channel, time.time() - self.dm_idle) or own

    def bot_is_in(self, conversation: str) -> bool:
        """Whether the bot posted in the conversation or has an event of it waiting to be answered."""
        if self.store.has_reply_in(conversation):
            return True
        return any(conversation_of_payload(payload) == conversation for payload in self.store.queued_payloads())

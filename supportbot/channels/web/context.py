"""What the web routes share: the bot, the settings, the credentials, the limits, the conversations' turns, and whether
the bot is ready."""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from supportbot.bot.dialogue import DialogueManager
from supportbot.channels.web.access import Gate, RefusalCounter
from supportbot.channels.web.answers import AnswerSlots
from supportbot.channels.web.handoff import SlackHandoff
from supportbot.channels.web.schemas import ApiError
from supportbot.channels.web.sessions import ConversationTokens
from supportbot.channels.web.turns import ConversationTurns
from supportbot.config import WebConfig

CHANNEL = "web"  # conversations from the widget and the API are stored under this channel name


@dataclass
class WebContext:
    manager: DialogueManager
    config: WebConfig
    tokens: ConversationTokens
    gate: Gate
    slots: AnswerSlots
    refusals: RefusalCounter
    handoff: SlackHandoff | None = None
    turns: ConversationTurns = field(default_factory=ConversationTurns)  # one answer at a time in each conversation
    executor: ThreadPoolExecutor = field(init=False)
    ready: threading.Event = field(default_factory=threading.Event)
    warm_up_error: str = ""

    def __post_init__(self) -> None:
        self.executor = ThreadPoolExecutor(self.slots.running, thread_name_prefix="supportbot-answer")

    def check_ready(self) -> None:
        if self.warm_up_error:
            raise ApiError(503, f"the bot could not start: {self.warm_up_error}", "server_error")
        if not self.ready.is_set():
            raise ApiError(503, "the bot is still loading its model: retry in a few seconds", "server_error", {"Retry-After": "5"})

    async def acquire_slot(self) -> None:
        """Wait for an answer slot, or refuse with 503 'busy'."""
        if not await self.slots.acquire():
            self.refusals.refused("busy")
            wait = max(1, math.ceil(self.config.max_wait))
            raise ApiError(503, f"the bot is busy answering other questions: retry in {wait} s", "server_busy", {"Retry-After": str(wait)})

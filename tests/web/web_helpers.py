"""Shared by the web tests (a module with its own name, so it cannot clash with another conftest)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from fakes import QuestionEchoGenerator

from supportbot.bot.dialogue import DialogueManager
from supportbot.channels.web.access import RefusalCounts
from supportbot.channels.web.app import create_app
from supportbot.channels.web.handoff import SlackHandoff
from supportbot.channels.web.server import WebServer
from supportbot.channels.web.sessions import ApiKeys, ConversationTokens
from supportbot.config import WebConfig
from supportbot.generation.base import ChatMessage

SESSION_SECRET = "web-tests-session-secret-0123456789abcdef"
API_KEY = "sk-web-tests-0123456789abcdef"
TOKEN_HEADER = "X-Conversation-Token"


class ScriptedGenerator(QuestionEchoGenerator):
    """QuestionEchoGenerator's answers, except: 'FAIL' in the question makes the model raise at once,
    and 'SLOW' makes each word take 0.1 s (an answer of about two seconds)."""

    def fails_for(self, messages: Sequence[ChatMessage]) -> bool:
        return "FAIL" in messages[-1]["content"]

    def delay_for(self, messages: Sequence[ChatMessage]) -> float:
        return 0.1 if "SLOW" in messages[-1]["content"] else 0.0


@dataclass
class RunningBot:
    server: WebServer
    manager: DialogueManager
    tokens: ConversationTokens
    refusals: RefusalCounts

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, address: str = "", **headers: str) -> httpx.Client:
        if address:
            headers["X-Forwarded-For"] = address
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def keyed(self, **headers: str) -> httpx.Client:
        return self.client(Authorization=f"Bearer {API_KEY}", **headers)

    def stop(self) -> None:
        self.server.stop(timeout=10)


def start_bot(manager: DialogueManager, config: WebConfig, handoff: SlackHandoff | None = None, warm_up: bool = False) -> RunningBot:
    tokens = ConversationTokens(SESSION_SECRET.encode(), config.session_ttl_hours * 3600)
    refusals = RefusalCounts()
    app = create_app(manager, config, tokens, ApiKeys({"backend": API_KEY}), handoff=handoff, refusals=refusals, warm_up=warm_up)
    return RunningBot(WebServer(app, config, port=0).start(), manager, tokens, refusals)


def new_session(client: httpx.Client) -> dict[str, str]:
    """Open a conversation as the widget does; the headers that continue it."""
    response = client.post("/v1/sessions")
    assert response.status_code == 201, response.text
    return {TOKEN_HEADER: response.json()["conversation_token"]}


def ask(client: httpx.Client, question: str, headers: dict[str, str] | None = None, **body) -> httpx.Response:
    return client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": question}], **body}, headers=headers)


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout}s")

"""The bolt App: the Web API client and the listeners, the same for HTTP and Socket Mode.

Listeners run before the response goes back (`process_before_response`): they only claim and
queue, which takes milliseconds, so an event is in the store before Slack is told it arrived.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient

from supportbot.channels.slack.blocks import FEEDBACK_ACTION, HANDOFF_ACTION
from supportbot.channels.slack.bot import SlackBot
from supportbot.channels.slack.retries import retry_handlers
from supportbot.channels.slack.tokens import SlackTokens
from supportbot.config import SlackConfig

log = logging.getLogger(__name__)


def create_client(tokens: SlackTokens, config: SlackConfig) -> WebClient:
    """A Web API client that waits out 429s (Retry-After), and retries dropped connections and Slack's 5xx (retries.py)."""
    api_url = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
    return WebClient(
        token=tokens.bot_token,
        base_url=api_url,
        timeout=30,
        retry_handlers=retry_handlers(config.max_rate_limit_retries),
        logger=logging.getLogger("supportbot.slack.web"),
    )


def create_app(bot: SlackBot, tokens: SlackTokens) -> App:
    """Register the bot's listeners on a bolt App; the token is checked with auth.test here."""
    app = App(
        signing_secret=tokens.signing_secret or None,
        client=bot.client,  # carries the bot token
        process_before_response=True,
        request_verification_enabled=bool(tokens.signing_secret),
        logger=logging.getLogger("supportbot.slack.bolt"),
    )

    def on_event(body: dict[str, Any], request: BoltRequest) -> None:
        retry = request.headers.get("x-slack-retry-num", [None])[0] if request.headers else None
        bot.accept(body, retry)

    def on_feedback(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        bot.on_feedback_click(body)

    def on_handoff(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        bot.on_handoff_click(body)

    app.event("app_mention")(on_event)
    app.event("message")(on_event)
    app.action(re.compile(f"^{FEEDBACK_ACTION}_(up|down)$"))(on_feedback)
    app.action(HANDOFF_ACTION)(on_handoff)
    return app

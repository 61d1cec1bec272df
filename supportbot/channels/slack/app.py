"""The bolt App: the Web API client and the listeners, the same for HTTP and Socket Mode.

Listeners run before the response goes back (`process_before_response`): they only claim and
queue, which takes milliseconds, so an event is in the store before Slack is told it arrived.
A request no listener takes (a slash command, shortcut or event the app was set up to send but the
bot does not handle) is acknowledged with 200 and one log line: bolt answered 404, which Slack
retries or shows the user as a failure, and logged a listener to paste.

The Web API client and the Socket Mode client log at INFO at most, even with `-v`: at DEBUG they log
every request and response body, which is customer text (an answer as it streams, cut off where no
masking can tell a card number from its first digits; the messages Slack echoes back). What `-v` needs
of them, which call failed and why, the bot logs itself.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
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
        logger=library_logger("supportbot.slack.web"),
    )


def library_logger(name: str) -> logging.Logger:
    """A logger for a Slack SDK client, kept at INFO even with -v: its DEBUG lines are request and response bodies."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)  # the SDK reads the logger's own level to decide whether to write them at all
    return logger


class _ClientGivenWithItsToken(logging.Filter):
    """bolt warns "As you gave `client` as well, `token` will be unused." whenever SLACK_BOT_TOKEN is set and a client
    is given; the bot's client carries that very token, so the warning, at every start, says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("supportbot.slack.bolt")
    if not any(isinstance(f, _ClientGivenWithItsToken) for f in logger.filters):
        logger.addFilter(_ClientGivenWithItsToken())
    return logger


def unhandled(body: dict[str, Any]) -> str:
    """What a request no listener takes is, in a few words: "slash command /supportbot", "event reaction_added"."""
    if body.get("command"):
        what = f"slash command {body['command']}"
    elif body.get("type") == "event_callback":
        what = f"event {(body.get('event') or {}).get('type')}"
    else:
        names = [body.get("callback_id")] + [action.get("action_id") for action in body.get("actions") or [] if isinstance(action, dict)]
        what = " ".join(str(part) for part in [body.get("type") or "request", *names] if part)
    return what.encode("ascii", "backslashreplace").decode()[:120]  # Slack's names: nothing of a customer's, kept to one line


def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """A request no listener takes is acknowledged (200) in one line; a listener's failure is logged with its traceback."""
    if isinstance(error, BoltUnhandledRequestError):
        log.info("acknowledged a Slack %s the bot does not handle", unhandled(body or {}))
        return BoltResponse(status=200, body="")
    log.error("a Slack listener failed (%s: %s)", type(error).__name__, error, exc_info=error)
    return None


def create_app(bot: SlackBot, tokens: SlackTokens) -> App:
    """Register the bot's listeners on a bolt App; the token is checked with auth.test here."""
    app = App(
        signing_secret=tokens.signing_secret or None,
        client=bot.client,  # carries the bot token
        process_before_response=True,
        request_verification_enabled=bool(tokens.signing_secret),
        logger=_bolt_logger(),
        raise_error_for_unhandled_request=True,  # to on_error: acknowledged, one line
    )
    app.error(on_error)

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

"""`supportbot slack`: run the Slack bot until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import threading

import click

from supportbot.cli import get_config

log = logging.getLogger("supportbot")


@click.command("slack")
@click.option("--port", default=3000, show_default=True, help="Port for the HTTP Events API (ignored in Socket Mode).")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address the HTTP server binds to.")
@click.pass_context
def slack(ctx: click.Context, port: int, host: str) -> None:
    """Answer Slack mentions and direct messages in threads.

    Tokens come only from the environment: SLACK_BOT_TOKEN (xoxb-) always; SLACK_APP_TOKEN
    (xapp-) selects Socket Mode, otherwise SLACK_SIGNING_SECRET is needed and Slack sends events
    to http://HOST:PORT/slack/events. Settings are in the [slack] config section (docs/slack.md).

    \b
    Examples:
      SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... supportbot slack --port 3000
      SLACK_BOT_TOKEN=xoxb-... SLACK_APP_TOKEN=xapp-... supportbot slack
      SUPPORTBOT_SLACK_HANDOFF_CHANNEL=C0123456 supportbot slack
    """
    from supportbot.channels.slack.tokens import tokens_from_env

    tokens = tokens_from_env(os.environ)  # before loading anything: a bad token fails in a second
    from supportbot.app import create_dialogue_manager
    from supportbot.channels.slack.server import SlackService, check_token

    config = get_config(ctx)
    bot_user_id = check_token(tokens, config.slack)
    manager = create_dialogue_manager(config)
    manager.warm_up()
    service = SlackService(manager, tokens, config.slack, config.paths.conversations_path())
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    service.start(host, port, bot_user_id)
    stop.wait()
    service.stop()

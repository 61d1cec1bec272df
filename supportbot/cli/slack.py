"""`supportbot slack`: run the Slack bot until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import threading
import urllib.error
import urllib.request

import click

from supportbot.cli import get_config
from supportbot.config import SlackConfig
from supportbot.errors import ConfigError

CONNECT_TIMEOUT = 10

log = logging.getLogger("supportbot")


def check_reachable(config: SlackConfig) -> None:
    """A ConfigError saying Slack cannot be reached (not that it refused the token) unless slack.api_url answers HTTP."""
    try:
        urllib.request.urlopen(urllib.request.Request(config.api_url, method="HEAD"), timeout=CONNECT_TIMEOUT).close()
    except urllib.error.HTTPError:
        pass  # it answered: whether the token is good is auth.test's to say
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        reason = getattr(reason, "strerror", None) or str(reason)
        raise ConfigError(f"cannot reach Slack at {config.api_url} ({reason.lower()}): check the network and slack.api_url") from None


@click.command("slack")
@click.option("--port", default=3000, show_default=True, help="Port for the HTTP Events API and /metrics (ignored in Socket Mode).")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address the HTTP server binds to.")
@click.pass_context
def slack(ctx: click.Context, port: int, host: str) -> None:
    """Answer Slack mentions and direct messages in threads.

    Tokens come only from the environment: SLACK_BOT_TOKEN (xoxb-) always; SLACK_APP_TOKEN
    (xapp-) selects Socket Mode, otherwise SLACK_SIGNING_SECRET is needed and Slack sends events
    to http://HOST:PORT/slack/events. Settings are in the [slack] config section (docs/slack.md).
    Several instances on one PostgreSQL store (store.url) answer each event once.

    \b
    Examples:
      SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... supportbot slack --port 3000
      SLACK_BOT_TOKEN=xoxb-... SLACK_APP_TOKEN=xapp-... supportbot slack
      SUPPORTBOT_STORE_URL=postgresql://bot@db/supportbot supportbot slack --port 3000
    """
    from supportbot.channels.slack.tokens import tokens_from_env

    tokens = tokens_from_env(os.environ)  # before loading anything: a bad token fails in a second
    from supportbot.app import create_dialogue_manager, create_store, open_store_database
    from supportbot.channels.slack.server import SlackService, check_token
    from supportbot.channels.slack.store import SLACK_TABLES
    from supportbot.store.retention import RetentionJanitor

    config = get_config(ctx)
    check_reachable(config.slack)  # else check_token would report a network failure as a rejected token
    bot_user_id = check_token(tokens, config.slack)
    database = open_store_database(config)
    store = create_store(config, database)
    manager = create_dialogue_manager(config, store=store)
    manager.warm_up()
    service = SlackService(manager, tokens, config.slack, database, redact_stored=config.privacy.redact_stored)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    service.start(host, port, bot_user_id)
    if config.metrics.port:
        log.info("metrics on http://%s:%d/metrics", config.metrics.host, manager.metrics.serve(config.metrics.host, config.metrics.port))
    janitor = RetentionJanitor(store, config.privacy.retention_days, SLACK_TABLES.expiring).start()
    stop.wait()
    janitor.stop()
    service.stop()
    database.close()

"""Slack credentials, read only from the environment, checked before anything listens, never printed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from supportbot.errors import ConfigError

BOT_TOKEN = "SLACK_BOT_TOKEN"
SIGNING_SECRET = "SLACK_SIGNING_SECRET"
APP_TOKEN = "SLACK_APP_TOKEN"

_BOT_TOKEN_RE = re.compile(r"^xoxb-[A-Za-z0-9-]+$")
_APP_TOKEN_RE = re.compile(r"^xapp-[A-Za-z0-9-]+$")
_SECRET_RE = re.compile(r"^[0-9a-fA-F]{16,}$")


@dataclass(frozen=True)
class SlackTokens:
    """The bot token, and the signing secret (HTTP mode) or the app-level token (Socket Mode)."""

    bot_token: str = field(repr=False)
    signing_secret: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    def __reduce__(self):  # secrets must not end up in pickles or serialized configs
        raise TypeError("SlackTokens cannot be serialized")


def _check(environ: Mapping[str, str], name: str, pattern: re.Pattern[str], looks_like: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: export it from your Slack app settings ({looks_like})")
    if not pattern.match(value):
        raise ConfigError(f"{name} is malformed: expected {looks_like} (the value is not shown)")
    return value


def bot_token_from_env(environ: Mapping[str, str]) -> str:
    """SLACK_BOT_TOKEN, checked: all that posting to Slack from another channel (web handoffs) needs."""
    return _check(environ, BOT_TOKEN, _BOT_TOKEN_RE, "a bot token starting with xoxb-, under OAuth & Permissions")


def tokens_from_env(environ: Mapping[str, str]) -> SlackTokens:
    """Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode, which needs SLACK_SIGNING_SECRET."""
    bot_token = bot_token_from_env(environ)
    if environ.get(APP_TOKEN, "").strip():
        app_token = _check(environ, APP_TOKEN, _APP_TOKEN_RE, "an app-level token starting with xapp-, under Basic Information")
        secret = environ.get(SIGNING_SECRET, "").strip()
        return SlackTokens(bot_token, secret, app_token)
    secret = _check(environ, SIGNING_SECRET, _SECRET_RE, "the hex signing secret under Basic Information > App Credentials")
    return SlackTokens(bot_token, secret)

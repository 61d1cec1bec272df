"""A web conversation handed to a person, posted to Slack's handoff channel with the same summary Slack's own use.

Without slack.handoff_channel and SLACK_BOT_TOKEN the web chat has no one to hand to: no desk is set, and the
customer who asks for a person is told so (DialogueManager.hand_to_person). The page the customer was on is
masked as their words are (privacy.redact_stored): its address can carry what they typed into a form
(/track?email=jane.doe%40example.com).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from supportbot.bot.handoff import HandoffRequest
from supportbot.channels.slack.app import create_client
from supportbot.channels.slack.blocks import escape, summary_with_transcript
from supportbot.channels.slack.tokens import BOT_TOKEN, SlackTokens, bot_token_from_env
from supportbot.config import SlackConfig, WebConfig
from supportbot.text.catalog import MessageCatalog

log = logging.getLogger(__name__)

_PAGE_RE = re.compile(r"^https?://[^\s<>|]+$")
_URL_CHARACTERS = ":/?#[]@!$&'()*+,;=%~"  # left as they are when a masked address is percent-encoded again


def _as_written(text: str) -> str:
    return text


def _page_as_stored(page: str, as_stored: Callable[[str], str]) -> str:
    """`page` masked by `as_stored`, both as written and percent-decoded (a form's email=jane.doe%40example.com);
    unchanged when that masks nothing."""
    page = as_stored(page)
    decoded = unquote(page)
    masked = as_stored(decoded)
    return page if masked == decoded else quote(masked, safe=_URL_CHARACTERS)


class SlackHandoff:
    """Posts handoff summaries to `channel` (slack.handoff_channel) with the Slack bot's token; the page's address
    as `as_stored` keeps a customer's words (DialogueManager.as_stored)."""

    def __init__(self, client: WebClient, channel: str, as_stored: Callable[[str], str] = _as_written) -> None:
        self.client = client
        self.channel = channel
        self.as_stored = as_stored

    @classmethod
    def from_config(cls, slack: SlackConfig, environ: Mapping[str, str]) -> SlackHandoff | None:
        """None unless slack.handoff_channel is set and SLACK_BOT_TOKEN is in the environment."""
        if not slack.handoff_channel:
            return None
        if not environ.get(BOT_TOKEN, "").strip():
            log.warning("web handoffs are not posted to Slack: slack.handoff_channel is set but %s is not", BOT_TOKEN)
            return None
        return cls(create_client(SlackTokens(bot_token_from_env(environ)), slack), slack.handoff_channel)

    def masking_pages(self, as_stored: Callable[[str], str]) -> SlackHandoff:
        """This desk, posting the page's address as `as_stored` keeps a customer's words."""
        return SlackHandoff(self.client, self.channel, as_stored)

    def post(self, conversation_id: str, messages: Sequence[dict[str, str]], reason: str, page: str = "") -> bool:
        """True once Slack took the summary; a failure is logged, never raised (the handoff is recorded either way)."""
        page = _page_as_stored(page, self.as_stored)
        where = f" on <{page}|{escape(page)}>" if _PAGE_RE.match(page) else ""
        header = f"*Handoff requested* ({reason}) in the web chat{where}, conversation `{escape(conversation_id)}`."
        try:
            self.client.chat_postMessage(channel=self.channel, text=summary_with_transcript(header, messages))
        except (SlackApiError, OSError) as error:
            log.warning("could not post the handoff of web conversation %s to Slack: %s", conversation_id, error)
            return False
        return True


@dataclass
class WebDesk:
    """The web chat's way to a person (a HandoffDesk): the summary posted to Slack, and the widget's words for how it went."""

    slack: SlackHandoff
    catalog: MessageCatalog
    config: WebConfig

    def tell_team(self, request: HandoffRequest) -> bool:
        return self.slack.post(request.conversation_id, request.messages, request.reason, request.page)

    def handoff_notice(self, handed_off: bool, language: str) -> str:
        if handed_off:
            return self.catalog.message("widget.handoff", language, self.config.handoff_message)
        return self.catalog.message("widget.handoff_failed", language)

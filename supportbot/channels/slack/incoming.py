"""What a person wrote, read back from Slack's markup, so the model and the store get their words.

Slack sends &, < and > typed by a person as &amp; &lt; &gt;, and everything between < and > is
markup (https://api.slack.com/reference/surfaces/formatting#retrieving-messages): a link
<https://…|text>, a channel <#C123|name>, a special mention <!here> or <!subteam^S1|@team>, a
user <@U123> (or, in older payloads, <@U123|name>). Undecoded, the model read "&amp;", and every
answer echoing the question escaped it again for Slack ("&amp;amp;"), as did the handoff summary.
User mentions are dropped: they address the bot or a colleague, the question is the rest.

A message's words are in its `text`, except in a shared (forwarded) message, whose words come in
`attachments`, and in one sent with only Block Kit rich text: `message_text` reads those too.
"""

from __future__ import annotations

import re
from typing import Any

_MARKUP = re.compile(r"<([^<>]*)>")
_WEB_LINK = re.compile(r"https?://", re.IGNORECASE)
_ADDRESSEE = re.compile(r"<(@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+|!here|!channel|!everyone)(\|[^>]*)?>")
# Words said around "resume" that still mean only "resume": "@supportbot resume, please", "ok you can resume now".
_POLITE = {"please", "pls", "plz", "now", "thanks", "thank", "you", "ok", "okay", "can", "could", "would", "kindly", "go", "ahead", "and", "hey", "hi"}


def decode(text: str) -> str:
    """Slack's three escapes undone; "&amp;" last, so a typed "&lt;" (sent as "&amp;lt;") stays "&lt;"."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _readable(markup: str) -> str:
    target, _, label = markup.partition("|")
    target, label = decode(target), decode(label)
    if target.startswith("@"):
        return " "
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@support>, <!date^1700000000^{date}|Nov 14>
        name, _, detail = target[1:].partition("^")
        return label or "@" + (detail if name == "subteam" and detail else name)
    if not label or not _WEB_LINK.match(target) or _WEB_LINK.sub("", target).rstrip("/") == label.rstrip("/"):
        return label or target  # a bare or auto-linked URL, mailto:, tel:: what the person typed
    return f"{label} ({target})"


def plain_text(text: str) -> str:
    """The message as the person typed it: entities decoded, links and channels as words, user mentions dropped."""
    parts = _MARKUP.split(text)  # odd indexes: what was between < and >
    readable = "".join(_readable(part) if i % 2 else decode(part) for i, part in enumerate(parts))
    return " ".join(readable.split())


def mentions(text: str, user_id: str) -> bool:
    """Whether the raw text mentions `user_id`, as <@U123> or the older <@U123|name>."""
    return bool(user_id) and re.search(rf"<@{re.escape(user_id)}(\|[^>]*)?>", text) is not None


def addresses_someone_else(text: str, bot_user_id: str) -> bool:
    """Whether the raw text is addressed to people and not to the bot: it mentions a user other than the bot, a user
    group, @here, @channel or @everyone, and does not mention the bot ("<@U2> can you check order 1234?")."""
    named = [match.group(1) for match in _ADDRESSEE.finditer(text)]
    return any(name != "@" + bot_user_id for name in named) and not mentions(text, bot_user_id)


def is_command(question: str, command: str) -> bool:
    """Whether the plain question says only `command`, give or take punctuation and politeness ("Resume.",
    "please resume", "ok, you can resume now"); "don't resume" is not it."""
    words = [word for word in re.findall(r"[\w']+", question.lower()) if word not in _POLITE]
    return words == [command]


def _rich_text(element: dict[str, Any]) -> str:
    """A rich-text element as Slack's markup, which `plain_text` then reads like a typed message."""
    kind = element.get("type")
    if kind == "text":
        return str(element.get("text", "")).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if kind == "link":
        url, label = element.get("url", ""), element.get("text", "")
        return f"<{url}|{label}>" if label else f"<{url}>"
    if kind == "user":
        return f"<@{element.get('user_id', '')}>"
    if kind == "usergroup":
        return f"<!subteam^{element.get('usergroup_id', '')}>"
    if kind == "channel":
        return f"<#{element.get('channel_id', '')}>"
    if kind == "broadcast":
        return f"<!{element.get('range', 'here')}>"
    if kind == "emoji":
        return f":{element.get('name', '')}:"
    inner = "".join(_rich_text(child) for child in element.get("elements") or [])
    return inner + "\n" if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote", "rich_text_list") else inner


def _blocks_text(blocks: list[dict[str, Any]]) -> str:
    return "".join(_rich_text(block) for block in blocks if block.get("type") == "rich_text").strip()


def message_text(event: dict[str, Any]) -> str:
    """The message's words in Slack's markup: its text, else its rich-text blocks; then the text of each message it
    shares (a forwarded message, or a link to one, arrives in `attachments`)."""
    own = event.get("text") or ""
    if not plain_text(own):
        own = _blocks_text(event.get("blocks") or [])
    shared = [
        attachment.get("text") or ""
        for attachment in event.get("attachments") or []
        if attachment.get("is_share") or attachment.get("is_msg_unfurl") or not plain_text(own)
    ]
    return "\n".join(part for part in (own, *shared) if part and plain_text(part))

"""What a person wrote, read back from Slack's markup, so the model and the store get their words.

Slack sends &, < and > typed by a person as &amp; &lt; &gt;, and everything between < and > is
markup (https://api.slack.com/reference/surfaces/formatting#retrieving-messages): a link
<https://…|text>, a channel <#C123|name>, a special mention <!here> or <!subteam^S1|@team>, a
user <@U123> (or, in older payloads, <@U123|name>). Undecoded, the model read "&amp;", and every
answer echoing the question escaped it again for Slack ("&amp;amp;"), as did the handoff summary.
User mentions are dropped: they address the bot or a colleague, the question is the rest.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(r"<([^<>]*)>")
_WEB_LINK = re.compile(r"https?://", re.IGNORECASE)


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

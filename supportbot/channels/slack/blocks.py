"""Block Kit for answers: the text, its sources as links, and the feedback and handoff buttons.

Slack caps a section's text at 3,000 characters, a message at 50 blocks and its `text` at 40,000
characters; long answers are split across sections at line ends rather than cut mid-message by Slack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from supportbot.bot.citations import citation_spans
from supportbot.bot.prompt import Source
from supportbot.text.markup import as_slack_bold, as_slack_code, as_slack_links, without_delimiter_rows
from supportbot.text.sentences import fenced_lines

SECTION_LIMIT = 3000
TEXT_LIMIT = 39_000
MAX_ANSWER_SECTIONS = 45
FEEDBACK_ACTION = "supportbot_feedback"
HANDOFF_ACTION = "supportbot_handoff"
STREAMING_MARK = " …"


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def link_citations(text: str, sources: Sequence[Source]) -> str:
    """Escaped mrkdwn in which each citation marker "[1]" links to its source's page (when it has one), bold and links as
    mrkdwn's (a table's rows as lines: mrkdwn has no tables; code fences without their language)."""
    urls = {source.number: source.url for source in sources if source.url}
    return "".join(
        f"<{urls[number]}|{piece}>" if number in urls else as_slack_links(as_slack_bold(escape(piece)))
        for piece, number in citation_spans(as_slack_code(without_delimiter_rows(text)))
    )


def _cut(line: str, limit: int) -> list[str]:
    """A line too long for a section in parts of at most `limit`, each cut at a space, never inside a "<url|text>" link
    or an "&amp;"."""
    parts = []
    while len(line) > limit:
        cut = line.rfind(" ", 1, limit)
        cut = cut if cut > 0 else limit
        opened = line.rfind("<", 0, cut)
        if opened > line.rfind(">", 0, cut) and opened > 0:
            cut = opened  # inside a link: before it
        entity = line.rfind("&", max(cut - 8, 0), cut)
        if entity > 0 and ";" not in line[entity:cut]:
            cut = entity  # inside "&amp;": before it
        parts.append(line[:cut])
        line = line[cut:].lstrip(" ")
    return [*parts, line]


def section_texts(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """The text in sections of at most `limit` characters, cut at line ends (a longer line at a space): cut every
    `limit` characters, a section ended inside an "&amp;" or a link, and a code block cut in two left the next
    section's code as text. A code block is closed at the end of one section and opened again in the next."""
    lines = text.split("\n")
    parts = [(part, owner) for line, owner in zip(lines, fenced_lines(lines), strict=True) for part in _cut(line, limit - 8)]
    sections: list[list[tuple[str, int]]] = [[]]
    size = 0
    for part, owner in parts:
        if sections[-1] and size + 1 + len(part) > limit - 8:  # room for "```" closing and opening a cut block
            sections.append([])
            size = -1
        sections[-1].append((part, owner))
        size += 1 + len(part)
    texts = []
    for number, section in enumerate(sections):
        lines = [part for part, _ in section]
        if number and section[0][1] >= 0 and section[0][1] == sections[number - 1][-1][1]:
            lines.insert(0, "```")  # the block goes on from the section before
        if number + 1 < len(sections) and section[-1][1] >= 0 and section[-1][1] == sections[number + 1][0][1]:
            lines.append("```")
        texts.append("\n".join(lines))
    return texts


def _sections(text: str, sources: Sequence[Source] = ()) -> list[dict[str, Any]]:
    pieces = section_texts(link_citations(text, sources) or " ")[:MAX_ANSWER_SECTIONS]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in pieces]


def source_line(source: Source) -> str:
    title = escape(source.title or source.path)
    if source.url:
        return f"[{source.number}] <{source.url}|{title}>"
    return f"[{source.number}] {title}"


def sources_block(sources: Sequence[Source], title: str) -> dict[str, Any]:
    lines = "\n".join(source_line(source) for source in sources)
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(f"*{title}*\n" + lines, SECTION_LIMIT)}]}


def buttons_block(event_id: str, talk_to_person: str) -> dict[str, Any]:
    elements: list[dict[str, Any]] = [
        {"type": "button", "action_id": f"{FEEDBACK_ACTION}_up", "text": {"type": "plain_text", "text": "👍"}, "value": f"{event_id}|up"},
        {"type": "button", "action_id": f"{FEEDBACK_ACTION}_down", "text": {"type": "plain_text", "text": "👎"}, "value": f"{event_id}|down"},
        {"type": "button", "action_id": HANDOFF_ACTION, "text": {"type": "plain_text", "text": talk_to_person}, "value": event_id},
    ]
    return {"type": "actions", "block_id": f"supportbot_actions_{event_id}"[:255], "elements": elements}


def answer_blocks(
    text: str, sources: Sequence[Source], event_id: str, labels: Mapping[str, str], with_buttons: bool = True
) -> list[dict[str, Any]]:
    """The final answer: text sections, then sources, then the buttons; `labels` is the catalog's [slack] section."""
    blocks = _sections(text, sources)
    if sources:
        blocks.append(sources_block(sources, labels["sources"]))
    if with_buttons:
        blocks.append(buttons_block(event_id, labels["talk_to_person"]))
    return blocks


def streaming_blocks(text: str) -> list[dict[str, Any]]:
    return _sections(text + STREAMING_MARK)


def handoff_summary(
    channel: str, thread_ts: str, user_id: str, messages: Sequence[dict[str, str]], reason: str, permalink: str = ""
) -> str:
    """What the support channel sees: who asked, where (a link to the thread), why, and the last turns."""
    where = f"<{permalink}|this thread>" if permalink else f"thread {thread_ts}"
    return summary_with_transcript(f"*Handoff requested* ({reason}) by <@{user_id}> in <#{channel}>, {where}.", messages)


def direct_handoff_summary(user_id: str, messages: Sequence[dict[str, str]], reason: str) -> str:
    """What the support channel sees of a direct message with the bot, which nobody else can open: who to write to,
    and the conversation itself."""
    header = f"*Handoff requested* ({reason}) by <@{user_id}> in a direct message with the bot, which the team cannot open: write to <@{user_id}> directly."
    return summary_with_transcript(header, messages)


def summary_with_transcript(header: str, messages: Sequence[dict[str, str]]) -> str:
    """`header` (mrkdwn), then the conversation's last turns quoted: what a person needs to take over."""
    lines = [header]
    for message in list(messages)[-6:]:
        who = "Customer" if message["role"] == "user" else "Bot"
        lines.append(f"> *{who}:* {escape(clip(message['content'], 500))}")
    return clip("\n".join(lines))

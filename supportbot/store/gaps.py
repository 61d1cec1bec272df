"""The questions the bot did not answer well, read from the store: declined, handed to a person, rated down.

Each is the customer's question (the user message before the answer in question), once, with every
reason that applies and the first source the answer cited, if any. `supportbot report gaps`
groups them by meaning.

An answer rated more than once counts as its latest rating says: a 👍 after a 👎 withdraws it.

A message before the answer that asks nothing ("ok", "谢谢", "yes please" or "no thanks" to the bot's offer of a
person, "talk to a human") is no gap: no page answers it. A handoff or thumbs-down after one is counted against the
customer's last question before it ("How do I cancel?", declined, then "yes please" and the handoff); a decline
of one is left out (the question it followed was counted when it was declined).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from supportbot.store.base import Database
from supportbot.text.small_talk import only_asks_for_person, says_no, says_yes, small_talk

DECLINED = "declined"
HANDED_OFF = "handed off"
RATED_DOWN = "rated down"
# What happened after the customer's message, not to it: after a reply that asks nothing, it happened to their question.
_AFTER_THE_QUESTION = (HANDED_OFF, RATED_DOWN)

# The user message just before answer `a`.
_QUESTION_BEFORE = "(SELECT MAX(id) FROM messages WHERE conversation = a.conversation AND role = 'user' AND id < a.id)"


def _answer_rated(rating: str) -> str:
    """The answer a feedback row rates: its message, else the conversation's last answer when the rating came."""
    return f"""COALESCE({rating}.message_id, (SELECT MAX(id) FROM messages
        WHERE conversation = {rating}.conversation AND role = 'assistant' AND created_at <= {rating}.created_at))"""


_QUERIES = {
    DECLINED: f"""
        SELECT q.id, q.content, c.channel, c.conversation_id, q.created_at, q.conversation, a.sources
        FROM messages a JOIN conversations c ON c.id = a.conversation JOIN messages q ON q.id = {_QUESTION_BEFORE}
        WHERE a.role = 'assistant' AND a.kind = 'fallback' AND a.created_at >= ?""",
    RATED_DOWN: f"""
        SELECT q.id, q.content, c.channel, c.conversation_id, q.created_at, q.conversation, a.sources
        FROM feedback f JOIN conversations c ON c.id = f.conversation
        JOIN messages a ON a.id = {_answer_rated("f")}
        JOIN messages q ON q.id = {_QUESTION_BEFORE}
        WHERE f.rating = 'down' AND f.created_at >= ? AND NOT EXISTS (SELECT 1 FROM feedback later
            WHERE later.conversation = f.conversation AND {_answer_rated("later")} = a.id
            AND (later.created_at > f.created_at OR (later.created_at = f.created_at AND later.id > f.id)))""",
    HANDED_OFF: """
        SELECT q.id, q.content, c.channel, c.conversation_id, q.created_at, q.conversation, COALESCE(a.sources, '[]')
        FROM handoffs h JOIN conversations c ON c.id = h.conversation
        JOIN messages q ON q.id = (SELECT MAX(id) FROM messages WHERE conversation = h.conversation AND role = 'user' AND created_at <= h.created_at)
        LEFT JOIN messages a ON a.id = (SELECT MAX(id) FROM messages WHERE conversation = h.conversation AND role = 'assistant' AND created_at <= h.created_at)
        WHERE h.created_at >= ?""",
}


@dataclass(frozen=True)
class Gap:
    """One customer question the bot fell short on, and how."""

    question: str
    reasons: tuple[str, ...]
    source: str  # title (else path) of the first source the answer cited; "" when it cited none
    channel: str
    conversation_id: str
    asked_at: float


def _first_source(sources_json: str) -> str:
    sources = json.loads(sources_json or "[]")
    return (sources[0].get("title") or sources[0].get("path") or sources[0].get("id") or "") if sources else ""


def asks_something(message: str) -> bool:
    """Whether a customer's message asks something the help center could answer: not small talk ("ok", "谢谢"),
    not a yes or no to the bot's offer of a person ("yes please", "no thanks"), not a request for one."""
    return not (small_talk(message) or says_yes(message) or says_no(message) or only_asks_for_person(message))


def _question_before(database: Database, conversation: int, message_id: int) -> tuple[int, str, float] | None:
    """The customer's last message before `message_id` that asks something (id, text, when); None when none does."""
    earlier = database.query(
        "SELECT id, content, created_at FROM messages WHERE conversation = ? AND role = 'user' AND id < ? ORDER BY id DESC",
        (conversation, message_id),
    )
    return next(((int(id_), content, float(at)) for id_, content, at in earlier if asks_something(content)), None)


def find_gaps(database: Database, since: float) -> list[Gap]:
    """Questions since `since` (Unix time) that were declined, handed off or rated down, oldest first."""
    found: dict[int, tuple[tuple, set[str]]] = {}
    for reason, sql in _QUERIES.items():
        for question_id, question, channel, conversation_id, asked_at, conversation, sources in database.query(sql, (since,)):
            if not asks_something(question):
                earlier = _question_before(database, conversation, question_id) if reason in _AFTER_THE_QUESTION else None
                if earlier is None:
                    continue
                question_id, question, asked_at = earlier
            _, reasons = found.setdefault(int(question_id), ((question, channel, conversation_id, float(asked_at), sources), set()))
            reasons.add(reason)
    gaps = []
    for (question, channel, conversation_id, asked_at, sources), reasons in found.values():
        ordered = tuple(reason for reason in _QUERIES if reason in reasons)
        gaps.append(Gap(question, ordered, _first_source(sources), channel, conversation_id, asked_at))
    return sorted(gaps, key=lambda gap: gap.asked_at)

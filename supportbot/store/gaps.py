"""The questions the bot did not answer well, read from the store: declined, handed to a person, rated down.

Each is the customer's question (the user message before the answer in question), once, with every
reason that applies and the first source the answer cited, if any. `supportbot report gaps`
groups them by meaning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from supportbot.store.base import Database

DECLINED = "declined"
HANDED_OFF = "handed off"
RATED_DOWN = "rated down"

# The user message just before answer `a`.
_QUESTION_BEFORE = "(SELECT MAX(id) FROM messages WHERE conversation = a.conversation AND role = 'user' AND id < a.id)"
_QUERIES = {
    DECLINED: f"""
        SELECT q.id, q.content, c.channel, c.conversation_id, q.created_at, a.sources
        FROM messages a JOIN conversations c ON c.id = a.conversation JOIN messages q ON q.id = {_QUESTION_BEFORE}
        WHERE a.role = 'assistant' AND a.kind = 'fallback' AND a.created_at >= ?""",
    RATED_DOWN: f"""
        SELECT q.id, q.content, c.channel, c.conversation_id, q.created_at, a.sources
        FROM feedback f JOIN conversations c ON c.id = f.conversation
        JOIN messages a ON a.id = COALESCE(f.message_id, (SELECT MAX(id) FROM messages
            WHERE conversation = f.conversation AND role = 'assistant' AND created_at <= f.created_at))
        JOIN messages q ON q.id = {_QUESTION_BEFORE}
        WHERE f.rating = 'down' AND f.created_at >= ?""",
    HANDED_OFF: """
        SELECT q.id, q.content, c.channel, c.conversation_id, q.created_at, COALESCE(a.sources, '[]')
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


def find_gaps(database: Database, since: float) -> list[Gap]:
    """Questions since `since` (Unix time) that were declined, handed off or rated down, oldest first."""
    found: dict[int, tuple[tuple, set[str]]] = {}
    for reason, sql in _QUERIES.items():
        for question_id, question, channel, conversation_id, asked_at, sources in database.query(sql, (since,)):
            _, reasons = found.setdefault(int(question_id), ((question, channel, conversation_id, float(asked_at), sources), set()))
            reasons.add(reason)
    gaps = []
    for (question, channel, conversation_id, asked_at, sources), reasons in found.values():
        ordered = tuple(reason for reason in _QUERIES if reason in reasons)
        gaps.append(Gap(question, ordered, _first_source(sources), channel, conversation_id, asked_at))
    return sorted(gaps, key=lambda gap: gap.asked_at)

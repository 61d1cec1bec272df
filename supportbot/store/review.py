"""What a reviewer needs beside an exported conversation: how each answer was rated, and whether and when a person
took it over (`supportbot conversations export`), so bad answers can be dropped before fine-tuning.

An answer has its latest rating (a 👍 after a 👎 withdraws it). A rating stored without the answer it rates (from
before ratings named one) rates the conversation's last answer when it came, as the gaps report reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from supportbot.store.base import Database, StoredMessage


@dataclass(frozen=True)
class HandoffRecord:
    """The conversation's handoff to a person: when, why, and whether the bot was resumed after it."""

    created_at: float
    reason: str
    resumed: bool


def answer_ratings(database: Database, channel: str, conversation_id: str, messages: list[StoredMessage]) -> dict[int, str]:
    """Each rated answer's id in `messages` (the conversation's, oldest first), with its latest rating."""
    rows = database.query(
        """SELECT f.message_id, f.rating, f.created_at FROM feedback f JOIN conversations c ON c.id = f.conversation
           WHERE c.channel = ? AND c.conversation_id = ? ORDER BY f.created_at, f.id""",
        (channel, conversation_id),
    )
    answers = [m for m in messages if m.role == "assistant"]
    ratings: dict[int, str] = {}
    for message_id, rating, created_at in rows:
        if message_id is None:
            earlier = [m.id for m in answers if m.created_at <= created_at]
            message_id = earlier[-1] if earlier else None
        if message_id is not None:
            ratings[int(message_id)] = rating
    return ratings


def handoff_of(database: Database, channel: str, conversation_id: str) -> HandoffRecord | None:
    """The conversation's handoff to a person, the latest one; None when it never had one."""
    rows = database.query(
        """SELECT h.created_at, h.reason, h.active FROM handoffs h JOIN conversations c ON c.id = h.conversation
           WHERE c.channel = ? AND c.conversation_id = ?""",
        (channel, conversation_id),
    )
    if not rows:
        return None
    created_at, reason, active = rows[0]
    return HandoffRecord(float(created_at), reason, not active)

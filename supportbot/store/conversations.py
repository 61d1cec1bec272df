"""Conversations, keyed by channel and conversation id, on either engine, so a restart loses nothing.

What the dialogue manager and the channels use: append and read messages, ratings, handoff state.
With `redact` (privacy.redact_stored), message text is masked before it is written; what the model
was sent is not changed. A customer's message is masked whole; an answer only of the kinds of personal
data the customer gave (`_as_stored_answer`), so the help center's own address and phone number stay.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from supportbot.privacy import MASKS, marks_in
from supportbot.store.base import Database, StoredMessage, Transaction
from supportbot.store.engines import open_database
from supportbot.store.migrations import CORE_TABLES, migrate

RATINGS = ("up", "down")
EXPORT_PAGE = 500  # conversations read per query while exporting
PURGE_BATCH = 500  # conversations deleted per statement

_MESSAGE_COLUMNS = "m.id, m.role, m.content, m.kind, m.sources, m.created_at, m.interrupted"

# Conversations whose newest message (or, without messages, whose start) is older than the cutoff.
_EXPIRED = """SELECT c.id FROM conversations c LEFT JOIN messages m ON m.conversation = c.id
              GROUP BY c.id HAVING COALESCE(MAX(m.created_at), MIN(c.created_at)) < ?"""


def _message(row: Sequence[Any]) -> StoredMessage:
    return StoredMessage(int(row[0]), row[1], row[2], row[3], json.loads(row[4]), float(row[5]), bool(row[6]))


class Redact(Protocol):
    """Masks personal data in `text`, only of `kinds` (privacy's marks) when given: `privacy.redact`."""

    def __call__(self, text: str, kinds: Collection[str] = MASKS) -> str: ...


def _unmasked(text: str, kinds: Collection[str] = MASKS) -> str:
    return text


@dataclass(frozen=True)
class ConversationRecord:
    """A whole stored conversation, as `conversations export` writes it."""

    channel: str
    conversation_id: str
    created_at: float
    messages: list[StoredMessage]


@dataclass(frozen=True)
class PurgeReport:
    conversations: int
    messages: int
    channel_rows: int


class ConversationStore:
    """Appends and reads conversation messages; safe to share between threads and processes.

    `database` is an open engine (shared with the channels' own tables), or where one is: a
    `sqlite:///...` / `postgresql://...` URL or a SQLite file path, which this store then owns.
    """

    def __init__(self, database: Database | str | Path, redact: Redact | None = None) -> None:
        self._owns_database = isinstance(database, (str, Path))
        if isinstance(database, (str, Path)):
            database = open_database(database)
        self.database = database
        self._redact = redact or _unmasked
        migrate(database, CORE_TABLES)

    def as_stored(self, text: str) -> str:
        """`text` as this store writes a customer's message (masked, with privacy.redact_stored)."""
        return self._redact(text)

    def _as_stored_answer(self, transaction: Transaction, key: int, text: str) -> str:
        """An answer as stored: masked only of the kinds of personal data the customer gave in the conversation.

        An answer quotes the help center, whose own email address and phone number are not personal data,
        and may echo what the customer wrote. Their messages are stored masked, so which address was theirs
        cannot be told afterwards: once they gave an email address ([email] in what is stored), every email
        address in later answers is masked; a kind they never gave is kept as the answer wrote it.
        """
        if self._redact is _unmasked:  # nothing is masked: no need to read the conversation
            return text
        asked = transaction.execute("SELECT content FROM messages WHERE conversation = ? AND role = 'user'", (key,)).fetchall()
        return self._redact(text, kinds=marks_in("\n".join(row[0] for row in asked)))

    # writing

    @staticmethod
    def _conversation_key(transaction: Transaction, channel: str, conversation_id: str) -> int:
        """The conversation's row id, creating the row on its first message (looked up first: the usual case)."""
        find = "SELECT id FROM conversations WHERE channel = ? AND conversation_id = ?"
        row = transaction.execute(find, (channel, conversation_id)).fetchone()
        if row is None:
            transaction.execute(
                "INSERT INTO conversations (channel, conversation_id, created_at) VALUES (?, ?, ?) ON CONFLICT (channel, conversation_id) DO NOTHING",
                (channel, conversation_id, time.time()),
            )
            row = transaction.execute(find, (channel, conversation_id)).fetchone()  # ours, or a concurrent writer's
        return int(row[0])

    def add_message(
        self,
        channel: str,
        conversation_id: str,
        role: str,
        content: str,
        kind: str = "",
        sources: list[dict[str, Any]] | None = None,
        interrupted: bool = False,
    ) -> int:
        """Append one message in its own transaction and return its id."""
        with self.database.transaction() as transaction:
            key = self._conversation_key(transaction, channel, conversation_id)
            stored = self.as_stored(content) if role == "user" else self._as_stored_answer(transaction, key, content)
            row = transaction.execute(
                "INSERT INTO messages (conversation, role, content, kind, sources, created_at, interrupted)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (key, role, stored, str(kind), json.dumps(sources or []), time.time(), int(interrupted)),
            ).fetchone()
        return int(row[0])

    def add_feedback(self, channel: str, conversation_id: str, rating: str, rater: str = "", message_id: int | None = None) -> int:
        """Store a rating ('up' or 'down') of a conversation's answer (`message_id`, when the channel knows it).

        An answer has one rating, the latest: rating it again replaces the earlier one (a 👍 withdraws a 👎), and the
        id stays. Ratings without `message_id` are each kept: which answer they rate is read from when they came.
        """
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, got {rating!r}")
        with self.database.transaction() as transaction:
            key = self._conversation_key(transaction, channel, conversation_id)
            row = transaction.execute(
                "INSERT INTO feedback (conversation, message_id, rating, rater, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (conversation, message_id) DO UPDATE SET rating = excluded.rating, rater = excluded.rater,"
                " created_at = excluded.created_at RETURNING id",
                (key, message_id, rating, rater, time.time()),
            ).fetchone()
        return int(row[0])

    def start_handoff(self, channel: str, conversation_id: str, requested_by: str, reason: str) -> bool:
        """Mark the conversation as handed to a person; False when it already was (one request wins)."""
        with self.database.transaction() as transaction:
            key = self._conversation_key(transaction, channel, conversation_id)
            cursor = transaction.execute(
                "INSERT INTO handoffs (conversation, active, requested_by, reason, created_at) VALUES (?, 1, ?, ?, ?)"
                " ON CONFLICT (conversation) DO UPDATE SET active = 1, requested_by = excluded.requested_by,"
                " reason = excluded.reason, created_at = excluded.created_at, resumed_by = '' WHERE handoffs.active = 0",
                (key, requested_by, reason, time.time()),
            )
            return cursor.rowcount == 1

    def end_handoff(self, channel: str, conversation_id: str, resumed_by: str) -> bool:
        """The bot answers in the conversation again; False when it was not handed off."""
        with self.database.transaction() as transaction:
            cursor = transaction.execute(
                """UPDATE handoffs SET active = 0, resumed_by = ? WHERE active = 1 AND conversation =
                   (SELECT id FROM conversations WHERE channel = ? AND conversation_id = ?)""",
                (resumed_by, channel, conversation_id),
            )
            return cursor.rowcount == 1

    # reading

    def messages(self, channel: str, conversation_id: str) -> list[StoredMessage]:
        """All messages of a conversation, oldest first (empty for an unknown conversation)."""
        rows = self.database.query(
            f"""SELECT {_MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON m.conversation = c.id
                WHERE c.channel = ? AND c.conversation_id = ? ORDER BY m.id""",
            (channel, conversation_id),
        )
        return [_message(row) for row in rows]

    def feedback(self, channel: str, conversation_id: str) -> list[dict[str, Any]]:
        rows = self.database.query(
            """SELECT f.message_id, f.rating, f.rater, f.created_at FROM feedback f JOIN conversations c ON f.conversation = c.id
               WHERE c.channel = ? AND c.conversation_id = ? ORDER BY f.id""",
            (channel, conversation_id),
        )
        return [dict(zip(("message_id", "rating", "rater", "created_at"), row)) for row in rows]

    def in_handoff(self, channel: str, conversation_id: str) -> bool:
        rows = self.database.query(
            """SELECT h.active FROM handoffs h JOIN conversations c ON h.conversation = c.id
               WHERE c.channel = ? AND c.conversation_id = ?""",
            (channel, conversation_id),
        )
        return bool(rows and rows[0][0])

    def conversations(self, since: float | None = None) -> Iterator[ConversationRecord]:
        """Every conversation with a message at or after `since` (all, without it), oldest first, a page at a time."""
        after = 0
        while True:
            keys = self.database.query(
                """SELECT c.id, c.channel, c.conversation_id, c.created_at FROM conversations c
                   WHERE c.id > ? AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation = c.id AND m.created_at >= ?)
                   ORDER BY c.id LIMIT ?""",
                (after, since if since is not None else float("-inf"), EXPORT_PAGE),
            )
            if not keys:
                return
            placeholders = ", ".join("?" * len(keys))
            rows = self.database.query(
                f"SELECT m.conversation, {_MESSAGE_COLUMNS} FROM messages m WHERE m.conversation IN ({placeholders}) ORDER BY m.conversation, m.id",
                [key[0] for key in keys],
            )
            by_conversation: dict[int, list[StoredMessage]] = {}
            for row in rows:
                by_conversation.setdefault(int(row[0]), []).append(_message(row[1:]))
            for key, channel, conversation_id, created_at in keys:
                yield ConversationRecord(channel, conversation_id, float(created_at), by_conversation.get(int(key), []))
            after = int(keys[-1][0])

    # retention

    def purge(self, before: float, channel_tables: Sequence[tuple[str, str]] = ()) -> PurgeReport:
        """Delete conversations untouched since `before` (a Unix time) with their ratings and handoffs, in one
        transaction; `channel_tables` are (table, time column) pairs of channel state deleted by the same cutoff."""
        messages = conversations = 0
        with self.database.transaction() as transaction:
            expired = [row[0] for row in transaction.execute(_EXPIRED, (before,)).fetchall()]
            for start in range(0, len(expired), PURGE_BATCH):
                keys = expired[start : start + PURGE_BATCH]
                placeholders = ", ".join("?" * len(keys))
                for table in ("feedback", "handoffs"):
                    transaction.execute(f"DELETE FROM {table} WHERE conversation IN ({placeholders})", keys)
                messages += transaction.execute(f"DELETE FROM messages WHERE conversation IN ({placeholders})", keys).rowcount
                conversations += transaction.execute(f"DELETE FROM conversations WHERE id IN ({placeholders})", keys).rowcount
            channel_rows = sum(
                transaction.execute(f"DELETE FROM {table} WHERE {column} < ?", (before,)).rowcount for table, column in channel_tables
            )
        return PurgeReport(conversations, messages, channel_rows)

    def close(self) -> None:
        if self._owns_database:
            self.database.close()

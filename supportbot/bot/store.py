"""Conversations in SQLite (WAL mode), keyed by channel and conversation id, so a restart loses nothing.

Every open runs the named, append-only migrations that have not run yet.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIGRATIONS: list[tuple[str, str]] = [
    (
        "001_conversations_and_messages",
        """
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            created_at REAL NOT NULL,
            UNIQUE (channel, conversation_id)
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation INTEGER NOT NULL REFERENCES conversations(id),
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT '',
            sources TEXT NOT NULL DEFAULT '[]',
            created_at REAL NOT NULL
        );
        CREATE INDEX messages_by_conversation ON messages(conversation, id);
        """,
    ),
    (
        "002_slack_events_replies_feedback_handoffs",
        """
        CREATE TABLE slack_events (
            event_id TEXT PRIMARY KEY,
            payload TEXT NOT NULL,
            status TEXT NOT NULL,
            received_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX slack_events_by_status ON slack_events(status, received_at);
        CREATE TABLE slack_replies (
            event_id TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            thread_ts TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            ts TEXT,
            state TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            blocks TEXT NOT NULL DEFAULT '[]',
            updated_at REAL NOT NULL
        );
        CREATE TABLE slack_feedback (
            id INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            answer TEXT NOT NULL,
            user_id TEXT NOT NULL,
            rating TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE TABLE slack_handoffs (
            channel TEXT NOT NULL,
            thread_ts TEXT NOT NULL,
            active INTEGER NOT NULL,
            requested_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at REAL NOT NULL,
            resumed_by TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (channel, thread_ts)
        );
        """,
    ),
    (
        # An answer's kind and whether its reader stopped it early were one string ("generated:interrupted").
        "003_messages_interrupted",
        """
        ALTER TABLE messages ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
        UPDATE messages SET interrupted = 1, kind = substr(kind, 1, length(kind) - length(':interrupted'))
            WHERE kind LIKE '%:interrupted';
        """,
    ),
    (
        # Ratings and handoffs of every channel (Slack's own slack_feedback / slack_handoffs predate these).
        "004_feedback_and_handoffs",
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            conversation INTEGER NOT NULL REFERENCES conversations(id),
            message_id INTEGER REFERENCES messages(id),
            rating TEXT NOT NULL,
            rater TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        );
        CREATE TABLE handoffs (
            conversation INTEGER PRIMARY KEY REFERENCES conversations(id),
            active INTEGER NOT NULL,
            requested_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at REAL NOT NULL,
            resumed_by TEXT NOT NULL DEFAULT ''
        );
        """,
    ),
]

RATINGS = ("up", "down")


@dataclass(frozen=True)
class StoredMessage:
    """A message as kept in the store."""

    id: int
    role: str
    content: str
    kind: str
    sources: list[dict[str, Any]]
    created_at: float
    interrupted: bool = False


def open_database(path: Path) -> sqlite3.Connection:
    """A connection shared by threads, in autocommit mode (transactions are explicit), on a WAL database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


class ConversationStore:
    """Appends and reads conversation messages; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_database(path)
        self._migrate()

    def _migrate(self) -> None:
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
            applied = {row[0] for row in self._db.execute("SELECT name FROM migrations")}
            for name, sql in MIGRATIONS:
                if name in applied:
                    continue
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for statement in sql.split(";"):
                        if statement.strip():
                            self._db.execute(statement)
                    self._db.execute("INSERT INTO migrations VALUES (?, ?)", (name, time.time()))
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise

    def _conversation_key(self, channel: str, conversation_id: str) -> int:
        self._db.execute(
            "INSERT OR IGNORE INTO conversations (channel, conversation_id, created_at) VALUES (?, ?, ?)",
            (channel, conversation_id, time.time()),
        )
        row = self._db.execute(
            "SELECT id FROM conversations WHERE channel = ? AND conversation_id = ?", (channel, conversation_id)
        ).fetchone()
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
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                key = self._conversation_key(channel, conversation_id)
                cursor = self._db.execute(
                    "INSERT INTO messages (conversation, role, content, kind, sources, created_at, interrupted) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, role, content, str(kind), json.dumps(sources or []), time.time(), int(interrupted)),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return int(cursor.lastrowid)

    def messages(self, channel: str, conversation_id: str) -> list[StoredMessage]:
        """All messages of a conversation, oldest first (empty for an unknown conversation)."""
        with self._lock:
            rows = self._db.execute(
                """SELECT m.id, m.role, m.content, m.kind, m.sources, m.created_at, m.interrupted
                   FROM messages m JOIN conversations c ON m.conversation = c.id
                   WHERE c.channel = ? AND c.conversation_id = ? ORDER BY m.id""",
                (channel, conversation_id),
            ).fetchall()
        return [StoredMessage(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], bool(r[6])) for r in rows]

    def _write(self, sql: str, args: tuple[Any, ...], channel: str, conversation_id: str) -> sqlite3.Cursor:
        """Run one statement about a conversation (its key is the first argument) in its own transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.execute(sql, (self._conversation_key(channel, conversation_id), *args))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return cursor

    def add_feedback(self, channel: str, conversation_id: str, rating: str, rater: str = "", message_id: int | None = None) -> int:
        """Store a rating ('up' or 'down') of a conversation's answer (`message_id`, when the channel knows it)."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, got {rating!r}")
        cursor = self._write(
            "INSERT INTO feedback (conversation, message_id, rating, rater, created_at) VALUES (?, ?, ?, ?, ?)",
            (message_id, rating, rater, time.time()),
            channel,
            conversation_id,
        )
        return int(cursor.lastrowid)

    def feedback(self, channel: str, conversation_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                """SELECT f.message_id, f.rating, f.rater, f.created_at FROM feedback f JOIN conversations c ON f.conversation = c.id
                   WHERE c.channel = ? AND c.conversation_id = ? ORDER BY f.id""",
                (channel, conversation_id),
            ).fetchall()
        return [dict(zip(("message_id", "rating", "rater", "created_at"), row)) for row in rows]

    def start_handoff(self, channel: str, conversation_id: str, requested_by: str, reason: str) -> bool:
        """Mark the conversation as handed to a person; False when it already was (one request wins)."""
        cursor = self._write(
            "INSERT INTO handoffs (conversation, active, requested_by, reason, created_at) VALUES (?, 1, ?, ?, ?)"
            " ON CONFLICT (conversation) DO UPDATE SET active = 1, requested_by = excluded.requested_by,"
            " reason = excluded.reason, created_at = excluded.created_at, resumed_by = '' WHERE active = 0",
            (requested_by, reason, time.time()),
            channel,
            conversation_id,
        )
        return cursor.rowcount == 1

    def end_handoff(self, channel: str, conversation_id: str, resumed_by: str) -> bool:
        """The bot answers in the conversation again; False when it was not handed off."""
        with self._lock:
            cursor = self._db.execute(
                """UPDATE handoffs SET active = 0, resumed_by = ? WHERE active = 1 AND conversation =
                   (SELECT id FROM conversations WHERE channel = ? AND conversation_id = ?)""",
                (resumed_by, channel, conversation_id),
            )
        return cursor.rowcount == 1

    def in_handoff(self, channel: str, conversation_id: str) -> bool:
        with self._lock:
            row = self._db.execute(
                """SELECT h.active FROM handoffs h JOIN conversations c ON h.conversation = c.id
                   WHERE c.channel = ? AND c.conversation_id = ?""",
                (channel, conversation_id),
            ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

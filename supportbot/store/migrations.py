"""Named, append-only migrations for both engines; each part of supportbot owns its tables.

The core store owns conversations, messages, feedback and handoffs; a channel that keeps state of
its own (Slack's delivered events and posted replies) declares a `TableSet` next to its code and
migrates it when it opens. Every migration runs once, in its own transaction, recorded by name in
the `migrations` table; applied migrations are never edited, a change is a new one. On PostgreSQL
an advisory lock makes instances that start together take turns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from supportbot.store.base import Database, Dialect, Transaction

log = logging.getLogger(__name__)

Step = str | Callable[[Transaction], None]  # SQL statements separated by `;`, or code for what SQL cannot say
MIGRATION_LOCK = 7_406_215_117  # any constant: the advisory lock all supportbot instances take to migrate


@dataclass(frozen=True)
class Migration:
    name: str
    sqlite: Step
    postgres: Step

    def step(self, dialect: Dialect) -> Step:
        return self.sqlite if dialect == "sqlite" else self.postgres


@dataclass(frozen=True)
class TableSet:
    """The tables one part of supportbot owns and the migrations that make them.

    `tables` are listed referenced-first, each keyed by its first column (the order `store copy`
    copies them in); `expiring` names (table, time column) pairs whose old rows a purge deletes.
    """

    owner: str
    migrations: tuple[Migration, ...]
    tables: tuple[str, ...]
    expiring: tuple[tuple[str, str], ...] = ()


def _run(transaction: Transaction, step: Step) -> None:
    if callable(step):
        step(transaction)
        return
    for statement in step.split(";"):
        if statement.strip():
            transaction.execute(statement)


def _lock(database: Database, transaction: Transaction) -> None:
    if database.dialect == "postgres":
        transaction.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))


def applied_migrations(database: Database) -> set[str]:
    with database.transaction() as transaction:
        _lock(database, transaction)
        transaction.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
    return {row[0] for row in database.query("SELECT name FROM migrations")}


def migrate(database: Database, *table_sets: TableSet) -> list[str]:
    """Run the migrations of `table_sets` (in order) that have not run; return their names.

    Upgrading a store that holds data is logged; creating a new one (every migration to run) is not news.
    """
    applied = applied_migrations(database)
    level = logging.INFO if applied else logging.DEBUG
    ran: list[str] = []
    for table_set in table_sets:
        for migration in table_set.migrations:
            if migration.name in applied:
                continue
            with database.transaction() as transaction:
                _lock(database, transaction)
                if transaction.execute("SELECT 1 FROM migrations WHERE name = ?", (migration.name,)).fetchone():
                    continue  # another instance ran it while this one waited for the lock
                _run(transaction, migration.step(database.dialect))
                transaction.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (migration.name, time.time()))
            log.log(level, "store %s: applied migration %s", database.display_url, migration.name)
            ran.append(migration.name)
    return ran


_ONE_RATING_PER_ANSWER = "CREATE UNIQUE INDEX feedback_one_per_answer ON feedback(conversation, message_id)"
# Ratings that a later rating of the same answer (same conversation and message) replaced.
_SUPERSEDED_RATINGS = """DELETE FROM feedback WHERE message_id IS NOT NULL AND id < (SELECT MAX(later.id) FROM feedback later
    WHERE later.conversation = feedback.conversation AND later.message_id = feedback.message_id)"""
# The Slack ratings of a SQLite store older than the core's feedback table (slack_feedback), which slack_003 moves in
# after the core's migrations: those a later one of the same answer replaced, the answer found as slack_003 finds it.
_SUPERSEDED_SLACK_RATINGS = """
    WITH rated AS (SELECT f.id, f.conversation_id, (SELECT MAX(m.id) FROM messages m JOIN conversations c ON c.id = m.conversation
            WHERE c.channel = 'slack' AND c.conversation_id = f.conversation_id AND m.role = 'assistant'
            AND substr(f.answer, 1, length(trim(m.content))) = trim(m.content)) AS answer FROM slack_feedback f)
    DELETE FROM slack_feedback WHERE id IN (SELECT r.id FROM rated r JOIN rated later
        ON later.conversation_id = r.conversation_id AND later.answer = r.answer AND later.id > r.id)"""


def _one_rating_per_answer_sqlite(transaction: Transaction) -> None:
    """Keep each answer's latest rating, old Slack ones too, and let the store hold no other (ratings without a
    message stay as they are: NULLs never clash in a unique index)."""
    transaction.execute(_SUPERSEDED_RATINGS)
    if transaction.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'slack_feedback'").fetchone():
        transaction.execute(_SUPERSEDED_SLACK_RATINGS)  # else moving them in would break the unique index
    transaction.execute(_ONE_RATING_PER_ANSWER)


CORE_TABLES = TableSet(
    owner="core",
    tables=("conversations", "messages", "feedback", "handoffs"),
    migrations=(
        Migration(
            "001_conversations_and_messages",
            sqlite="""
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
            postgres="""
            CREATE TABLE conversations (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                channel TEXT NOT NULL,
                conversation_id TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                UNIQUE (channel, conversation_id)
            );
            CREATE TABLE messages (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                conversation BIGINT NOT NULL REFERENCES conversations(id),
                role TEXT NOT NULL,
                content TEXT NOT NULL,
                kind TEXT NOT NULL DEFAULT '',
                sources TEXT NOT NULL DEFAULT '[]',
                created_at DOUBLE PRECISION NOT NULL
            );
            CREATE INDEX messages_by_conversation ON messages(conversation, id);
            """,
        ),
        # 002 created Slack's tables here; they now belong to the Slack channel (channels/slack/store.py).
        Migration(
            # An answer's kind and whether its reader stopped it early were one string ("generated:interrupted").
            "003_messages_interrupted",
            sqlite="""
            ALTER TABLE messages ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
            UPDATE messages SET interrupted = 1, kind = substr(kind, 1, length(kind) - length(':interrupted'))
                WHERE kind LIKE '%:interrupted';
            """,
            postgres="ALTER TABLE messages ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0",
        ),
        Migration(
            # Ratings and handoffs of every channel.
            "004_feedback_and_handoffs",
            sqlite="""
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
            postgres="""
            CREATE TABLE feedback (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                conversation BIGINT NOT NULL REFERENCES conversations(id),
                message_id BIGINT REFERENCES messages(id),
                rating TEXT NOT NULL,
                rater TEXT NOT NULL DEFAULT '',
                created_at DOUBLE PRECISION NOT NULL
            );
            CREATE TABLE handoffs (
                conversation BIGINT PRIMARY KEY REFERENCES conversations(id),
                active INTEGER NOT NULL,
                requested_by TEXT NOT NULL,
                reason TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                resumed_by TEXT NOT NULL DEFAULT ''
            );
            """,
        ),
        Migration(
            # Purges and the gaps report select by time; purges delete a conversation's ratings.
            "005_indexes_by_time",
            sqlite="""
            CREATE INDEX messages_by_time ON messages(created_at);
            CREATE INDEX feedback_by_conversation ON feedback(conversation);
            """,
            postgres="""
            CREATE INDEX messages_by_time ON messages(created_at);
            CREATE INDEX feedback_by_conversation ON feedback(conversation);
            """,
        ),
        Migration(
            # One rating per answer, the customer's latest: a 👍 after a 👎 withdraws it, and repeating one counts once.
            "006_one_rating_per_answer",
            sqlite=_one_rating_per_answer_sqlite,
            postgres=f"{_SUPERSEDED_RATINGS}; {_ONE_RATING_PER_ANSWER}",
        ),
    ),
)

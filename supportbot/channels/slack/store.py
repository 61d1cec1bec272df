"""Slack's own state in the conversation store: delivered events and posted replies (the Slack tables).

Events are claimed by id before they are acknowledged, so a delivery Slack retries (to this
instance or another one on the same store) is never answered twice. A claim is held by one
instance under a lease it renews while it works; an event whose lease ran out (its instance
crashed, or stopped before starting it) is taken over by another instance, or by the next start.
A reply is recorded before it is posted, so whoever answers an event reuses its message. An event
whose reply Slack refused for now is released with a later lease (`retry_later`), for any instance
to take again then, a few times; one whose thread still lacks its reply after that ends UNDELIVERED
(a final message Slack never showed stays in state FINAL, with its text).

Ratings and handoffs are not Slack's: they are in the core store, through the dialogue manager.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportbot.store.base import Database, Transaction
from supportbot.store.engines import open_database
from supportbot.store.migrations import CORE_TABLES, Migration, TableSet, migrate

QUEUED = "queued"
ANSWERED = "answered"
BUSY = "busy"
FAILED = "failed"  # answering went wrong and the thread got the apology at once
UNDELIVERED = "undelivered"  # Slack never showed the answer (or the apology): the thread has none

POSTING = "posting"  # recorded, the post may or may not have reached Slack
POSTED = "posted"  # the message exists in Slack (ts known); streaming into it
FINAL = "final"  # the final text is recorded; the last update may not have reached Slack
DONE = "done"


def _move_ratings_and_handoffs_to_core(transaction: Transaction) -> None:
    """Databases from before the core store kept ratings and handoffs have them in slack_feedback and
    slack_handoffs: move them (a thread is conversation 'CHANNEL:THREAD_TS' of channel 'slack')."""
    tables = {row[0] for row in transaction.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    if "slack_feedback" in tables:
        transaction.execute(
            """INSERT INTO feedback (conversation, message_id, rating, rater, created_at)
               SELECT c.id, (SELECT MAX(m.id) FROM messages m WHERE m.conversation = c.id AND m.role = 'assistant'
                             AND substr(f.answer, 1, length(trim(m.content))) = trim(m.content)),
                      f.rating, f.user_id, f.created_at
               FROM slack_feedback f JOIN conversations c ON c.channel = 'slack' AND c.conversation_id = f.conversation_id
               ORDER BY f.id"""
        )
        transaction.execute("DROP TABLE slack_feedback")
    if "slack_handoffs" in tables:
        transaction.execute(
            """INSERT INTO conversations (channel, conversation_id, created_at)
               SELECT 'slack', channel || ':' || thread_ts, created_at FROM slack_handoffs WHERE true
               ON CONFLICT (channel, conversation_id) DO NOTHING"""
        )
        transaction.execute(
            """INSERT INTO handoffs (conversation, active, requested_by, reason, created_at, resumed_by)
               SELECT c.id, h.active, h.requested_by, h.reason, h.created_at, h.resumed_by FROM slack_handoffs h
               JOIN conversations c ON c.channel = 'slack' AND c.conversation_id = h.channel || ':' || h.thread_ts WHERE true
               ON CONFLICT (conversation) DO NOTHING"""
        )
        transaction.execute("DROP TABLE slack_handoffs")


_EVENTS_AND_REPLIES = """
CREATE TABLE IF NOT EXISTS slack_events (
    event_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    received_at {time} NOT NULL,
    updated_at {time} NOT NULL
);
CREATE INDEX IF NOT EXISTS slack_events_by_status ON slack_events(status, received_at);
CREATE TABLE IF NOT EXISTS slack_replies (
    event_id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    ts TEXT,
    state TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    blocks TEXT NOT NULL DEFAULT '[]',
    updated_at {time} NOT NULL
)
"""
_CLAIMS = """
ALTER TABLE slack_events ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE slack_events ADD COLUMN lease_until {time} NOT NULL DEFAULT 0;
ALTER TABLE slack_replies ADD COLUMN message_id {id}
"""
_TRIES = "ALTER TABLE slack_events ADD COLUMN tries INTEGER NOT NULL DEFAULT 0"
# Whether the bot is in a conversation, and which conversation a DM thread continues: without them, every human
# reply in a thread of a channel the bot is in read all of slack_replies.
_REPLY_LOOKUPS = """
CREATE INDEX IF NOT EXISTS slack_replies_by_conversation ON slack_replies(conversation_id);
CREATE INDEX IF NOT EXISTS slack_replies_by_thread ON slack_replies(channel, thread_ts, updated_at)
"""

SLACK_TABLES = TableSet(
    owner="slack",
    tables=("slack_events", "slack_replies"),
    expiring=(("slack_events", "updated_at"), ("slack_replies", "updated_at")),
    migrations=(
        # IF NOT EXISTS: databases from before this set have these tables from the core's migration 002.
        Migration(
            "slack_001_events_and_replies",
            sqlite=_EVENTS_AND_REPLIES.format(time="REAL"),
            postgres=_EVENTS_AND_REPLIES.format(time="DOUBLE PRECISION"),
        ),
        Migration(
            # Which instance holds an event and until when; which stored answer a reply shows (what a rating rates).
            "slack_002_claims_and_answer_ids",
            sqlite=_CLAIMS.format(time="REAL", id="INTEGER"),
            postgres=_CLAIMS.format(time="DOUBLE PRECISION", id="BIGINT"),
        ),
        Migration("slack_003_ratings_and_handoffs_in_core", sqlite=_move_ratings_and_handoffs_to_core, postgres=""),
        # How often Slack refused to show an event's reply; it is tried again later a few times (SlackBot.answer).
        Migration("slack_004_event_tries", sqlite=_TRIES, postgres=_TRIES),
        Migration("slack_005_reply_lookups", sqlite=_REPLY_LOOKUPS, postgres=_REPLY_LOOKUPS),
    ),
)


@dataclass(frozen=True)
class ReplyRecord:
    """Where an event's answer lives in Slack and how far posting it got."""

    event_id: str
    channel: str
    thread_ts: str
    conversation_id: str
    ts: str | None
    state: str
    text: str
    blocks: list[dict[str, Any]]
    message_id: int | None


class SlackStore:
    """The Slack tables, on the conversation store's database (or one opened from a URL or SQLite path)."""

    def __init__(self, database: Database | str | Path, redact: Callable[[str], str] | None = None) -> None:
        self._owns_database = isinstance(database, (str, Path))
        if isinstance(database, (str, Path)):
            database = open_database(database)
        self.database = database
        self._redact = redact
        migrate(database, CORE_TABLES, SLACK_TABLES)  # core first: slack_003 moves rows into its tables

    def _execute(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self.database.transaction() as transaction:
            return transaction.execute(sql, args).rowcount

    # events

    def claim_event(self, event_id: str, payload: dict[str, Any], owner: str, lease: float) -> bool:
        """Record a new event as queued and held by `owner`; False when this id was seen before (a retry or a duplicate)."""
        now = time.time()
        return self._execute(
            "INSERT INTO slack_events (event_id, payload, status, received_at, updated_at, owner, lease_until)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
            (event_id, json.dumps(payload), QUEUED, now, now, owner, now + lease),
        ) == 1

    def take_event(self, event_id: str, owner: str, lease: float) -> bool:
        """Hold a queued event to answer it now; False when it is answered, or held by a live instance."""
        now = time.time()
        return self._execute(
            "UPDATE slack_events SET owner = ?, lease_until = ?, updated_at = ?"
            " WHERE event_id = ? AND status = ? AND (owner = ? OR lease_until < ?)",
            (owner, now + lease, now, event_id, QUEUED, owner, now),
        ) == 1

    def renew_leases(self, owner: str, lease: float) -> int:
        """Extend every claim `owner` holds on an unanswered event (it is still alive and working)."""
        return self._execute(
            "UPDATE slack_events SET lease_until = ? WHERE owner = ? AND status = ?", (time.time() + lease, owner, QUEUED)
        )

    def adopt_orphans(self, owner: str, lease: float, limit: int) -> list[str]:
        """Take over up to `limit` unanswered events whose claims ran out, oldest first, in one transaction."""
        if limit <= 0:
            return []
        now = time.time()
        lock = " FOR UPDATE SKIP LOCKED" if self.database.dialect == "postgres" else ""
        with self.database.transaction() as transaction:
            rows = transaction.execute(
                f"SELECT event_id FROM slack_events WHERE status = ? AND lease_until < ? ORDER BY received_at LIMIT ?{lock}",
                (QUEUED, now, limit),
            ).fetchall()
            for (event_id,) in rows:
                transaction.execute(
                    "UPDATE slack_events SET owner = ?, lease_until = ?, updated_at = ? WHERE event_id = ?", (owner, now + lease, now, event_id)
                )
        return [row[0] for row in rows]

    def release_events(self, owner: str, event_ids: list[str]) -> None:
        """Give up claims on events never started (a stop, a full queue), so any instance takes them at once; without
        their owner, or the owner's next renewal would hold them again."""
        with self.database.transaction() as transaction:
            for event_id in event_ids:
                transaction.execute(
                    "UPDATE slack_events SET owner = '', lease_until = 0 WHERE event_id = ? AND owner = ? AND status = ?",
                    (event_id, owner, QUEUED),
                )

    def retry_later(self, event_id: str, owner: str, first_delay: float, max_tries: int) -> bool:
        """Give up the claim on an event Slack refused for now, for any instance to take again after `first_delay`
        seconds, doubled at each try; False once it was tried `max_tries` times."""
        now = time.time()
        with self.database.transaction() as transaction:
            row = transaction.execute("SELECT tries FROM slack_events WHERE event_id = ? AND owner = ? AND status = ?", (event_id, owner, QUEUED)).fetchone()
            if row is None or row[0] >= max_tries:
                return False
            transaction.execute(
                "UPDATE slack_events SET owner = '', lease_until = ?, tries = ?, updated_at = ? WHERE event_id = ?",
                (now + first_delay * 2 ** row[0], row[0] + 1, now, event_id),
            )
        return True

    def set_event_status(self, event_id: str, status: str) -> None:
        """Record how an event ended; with redaction on, its stored question is masked now that it is answered."""
        with self.database.transaction() as transaction:
            transaction.execute("UPDATE slack_events SET status = ?, updated_at = ? WHERE event_id = ?", (status, time.time(), event_id))
            if self._redact is not None and status != QUEUED:
                row = transaction.execute("SELECT payload FROM slack_events WHERE event_id = ?", (event_id,)).fetchone()
                if row is not None:
                    transaction.execute("UPDATE slack_events SET payload = ? WHERE event_id = ?", (masked_json(row[0], self._redact), event_id))

    def event_status(self, event_id: str) -> str | None:
        rows = self.database.query("SELECT status FROM slack_events WHERE event_id = ?", (event_id,))
        return rows[0][0] if rows else None

    def event_payload(self, event_id: str) -> dict[str, Any]:
        rows = self.database.query("SELECT payload FROM slack_events WHERE event_id = ?", (event_id,))
        if not rows:
            raise KeyError(event_id)
        return json.loads(rows[0][0])

    def queued_payloads(self) -> list[dict[str, Any]]:
        """The payloads of the events accepted and not answered yet (a few per instance), oldest first."""
        rows = self.database.query("SELECT payload FROM slack_events WHERE status = ? ORDER BY received_at", (QUEUED,))
        return [json.loads(row[0]) for row in rows]

    # replies

    def reply(self, event_id: str) -> ReplyRecord | None:
        rows = self.database.query(
            "SELECT event_id, channel, thread_ts, conversation_id, ts, state, text, blocks, message_id FROM slack_replies WHERE event_id = ?",
            (event_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return ReplyRecord(*row[:7], json.loads(row[7]), row[8])

    def has_reply_in(self, conversation_id: str) -> bool:
        """Whether the bot posted (or is posting) a reply in the conversation."""
        return bool(self.database.query("SELECT 1 FROM slack_replies WHERE conversation_id = ? LIMIT 1", (conversation_id,)))

    def conversation_of_thread(self, channel: str, thread_ts: str) -> str | None:
        """The conversation of the bot's latest reply in a thread; None when it has none there."""
        rows = self.database.query(
            "SELECT conversation_id FROM slack_replies WHERE channel = ? AND thread_ts = ? ORDER BY updated_at DESC LIMIT 1",
            (channel, thread_ts),
        )
        return rows[0][0] if rows else None

    def latest_conversation_in(self, channel: str, since: float) -> str | None:
        """The conversation of the bot's latest reply in a channel (a DM) after `since` (a Unix time); None when none."""
        rows = self.database.query(
            "SELECT conversation_id FROM slack_replies WHERE channel = ? AND updated_at > ? ORDER BY updated_at DESC LIMIT 1",
            (channel, since),
        )
        return rows[0][0] if rows else None

    def record_reply(self, event_id: str, channel: str, thread_ts: str, conversation_id: str, text: str) -> None:
        """Write down that a reply is about to be posted, before posting it."""
        self._execute(
            "INSERT INTO slack_replies (event_id, channel, thread_ts, conversation_id, ts, state, text, blocks, updated_at)"
            " VALUES (?, ?, ?, ?, NULL, ?, ?, '[]', ?) ON CONFLICT (event_id) DO UPDATE SET channel = excluded.channel,"
            " thread_ts = excluded.thread_ts, conversation_id = excluded.conversation_id, ts = NULL, state = excluded.state,"
            " text = excluded.text, blocks = '[]', updated_at = excluded.updated_at",
            (event_id, channel, thread_ts, conversation_id, POSTING, text, time.time()),
        )

    def reply_posted(self, event_id: str, ts: str) -> None:
        self._execute("UPDATE slack_replies SET ts = ?, state = ?, updated_at = ? WHERE event_id = ?", (ts, POSTED, time.time(), event_id))

    def record_final(self, event_id: str, text: str, blocks: list[dict[str, Any]], message_id: int | None = None) -> None:
        """Write down the final answer (and the stored answer it shows) before the update that shows it."""
        stored_blocks = json.dumps(blocks)
        if self._redact is not None:
            text, stored_blocks = self._redact(text), masked_json(stored_blocks, self._redact)
        self._execute(
            "UPDATE slack_replies SET state = ?, text = ?, blocks = ?, message_id = ?, updated_at = ? WHERE event_id = ?",
            (FINAL, text, stored_blocks, message_id, time.time(), event_id),
        )

    def reply_done(self, event_id: str, ts: str | None = None) -> None:
        """The final message is shown; `ts` when it is a new message rather than the edited placeholder."""
        self._execute(
            "UPDATE slack_replies SET state = ?, ts = COALESCE(?, ts), updated_at = ? WHERE event_id = ?", (DONE, ts, time.time(), event_id)
        )

    def close(self) -> None:
        if self._owns_database:
            self.database.close()


def masked_json(stored: str, redact: Callable[[str], str]) -> str:
    """Stored JSON with each of its strings masked as read, not its escaped text: in that, "卡号4111…" was
    "\\u5361\\u53f74111…" and a number after a line break "\\n+1 415 …", each joined to a word and left unmasked."""

    def masked(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, list):
            return [masked(item) for item in value]
        if isinstance(value, dict):
            return {key: masked(item) for key, item in value.items()}
        return value

    return json.dumps(masked(json.loads(stored)), ensure_ascii=False)

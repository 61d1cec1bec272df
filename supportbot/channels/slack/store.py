"""Slack's own state in the conversation database: seen events, replies, feedback and handoffs.

Events are claimed by id before they are acknowledged, so a delivery Slack retries (or one that
arrives again after a restart) is never answered twice, and one that was accepted but not answered
when the bot stopped is answered at the next start. A reply is recorded before it is posted.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportbot.bot.store import ConversationStore, open_database

QUEUED = "queued"
ANSWERED = "answered"
BUSY = "busy"
FAILED = "failed"

POSTING = "posting"  # recorded, the post may or may not have reached Slack
POSTED = "posted"  # the message exists in Slack (ts known); streaming into it
FINAL = "final"  # the final text is recorded; the last update may not have reached Slack
DONE = "done"


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


class SlackStore:
    """Thread-safe access to the slack_* tables in the conversation database."""

    def __init__(self, path: Path) -> None:
        ConversationStore(path).close()  # opening it runs the shared migrations, the slack_* tables included
        self.path = path
        self._lock = threading.Lock()
        self._db = open_database(path)

    def _execute(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    # events

    def claim_event(self, event_id: str, payload: dict[str, Any]) -> bool:
        """Record a new event as queued; False when this id was seen before (a retry or a duplicate)."""
        now = time.time()
        cursor = self._execute(
            "INSERT OR IGNORE INTO slack_events (event_id, payload, status, received_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (event_id, json.dumps(payload), QUEUED, now, now),
        )
        return cursor.rowcount == 1

    def set_event_status(self, event_id: str, status: str) -> None:
        self._execute("UPDATE slack_events SET status = ?, updated_at = ? WHERE event_id = ?", (status, time.time(), event_id))

    def event_status(self, event_id: str) -> str | None:
        row = self._execute("SELECT status FROM slack_events WHERE event_id = ?", (event_id,)).fetchone()
        return row[0] if row else None

    def event_payload(self, event_id: str) -> dict[str, Any]:
        row = self._execute("SELECT payload FROM slack_events WHERE event_id = ?", (event_id,)).fetchone()
        if row is None:
            raise KeyError(event_id)
        return json.loads(row[0])

    def queued_events(self) -> list[str]:
        """Events accepted but not finished, oldest first: what a restart must still answer."""
        rows = self._execute("SELECT event_id FROM slack_events WHERE status = ? ORDER BY received_at", (QUEUED,))
        return [row[0] for row in rows.fetchall()]

    # replies

    def reply(self, event_id: str) -> ReplyRecord | None:
        row = self._execute(
            "SELECT event_id, channel, thread_ts, conversation_id, ts, state, text, blocks FROM slack_replies WHERE event_id = ?",
            (event_id,),
        ).fetchone()
        return ReplyRecord(*row[:7], json.loads(row[7])) if row else None

    def record_reply(self, event_id: str, channel: str, thread_ts: str, conversation_id: str, text: str) -> None:
        """Write down that a reply is about to be posted, before posting it."""
        self._execute(
            "INSERT OR REPLACE INTO slack_replies (event_id, channel, thread_ts, conversation_id, ts, state, text, blocks, updated_at)"
            " VALUES (?, ?, ?, ?, NULL, ?, ?, '[]', ?)",
            (event_id, channel, thread_ts, conversation_id, POSTING, text, time.time()),
        )

    def reply_posted(self, event_id: str, ts: str) -> None:
        self._execute("UPDATE slack_replies SET ts = ?, state = ?, updated_at = ? WHERE event_id = ?", (ts, POSTED, time.time(), event_id))

    def record_final(self, event_id: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Write down the final answer before the update that shows it."""
        self._execute(
            "UPDATE slack_replies SET state = ?, text = ?, blocks = ?, updated_at = ? WHERE event_id = ?",
            (FINAL, text, json.dumps(blocks), time.time(), event_id),
        )

    def reply_done(self, event_id: str) -> None:
        self._execute("UPDATE slack_replies SET state = ?, updated_at = ? WHERE event_id = ?", (DONE, time.time(), event_id))

    # feedback and handoffs

    def add_feedback(self, event_id: str, user_id: str, rating: str) -> int:
        """Store a rating with the conversation and the answer it rates."""
        reply = self.reply(event_id)
        conversation_id, answer = (reply.conversation_id, reply.text) if reply else ("", "")
        cursor = self._execute(
            "INSERT INTO slack_feedback (event_id, conversation_id, answer, user_id, rating, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (event_id, conversation_id, answer, user_id, rating, time.time()),
        )
        return int(cursor.lastrowid)

    def feedback(self) -> list[dict[str, Any]]:
        rows = self._execute("SELECT event_id, conversation_id, answer, user_id, rating FROM slack_feedback ORDER BY id").fetchall()
        return [dict(zip(("event_id", "conversation_id", "answer", "user_id", "rating"), row)) for row in rows]

    def start_handoff(self, channel: str, thread_ts: str, requested_by: str, reason: str) -> bool:
        """Mark the thread as handed to a person; False when it already was (one click wins)."""
        cursor = self._execute(
            "INSERT INTO slack_handoffs (channel, thread_ts, active, requested_by, reason, created_at) VALUES (?, ?, 1, ?, ?, ?)"
            " ON CONFLICT (channel, thread_ts) DO UPDATE SET active = 1, requested_by = excluded.requested_by,"
            " reason = excluded.reason, created_at = excluded.created_at, resumed_by = '' WHERE active = 0",
            (channel, thread_ts, requested_by, reason, time.time()),
        )
        return cursor.rowcount == 1

    def in_handoff(self, channel: str, thread_ts: str) -> bool:
        row = self._execute("SELECT active FROM slack_handoffs WHERE channel = ? AND thread_ts = ?", (channel, thread_ts)).fetchone()
        return bool(row and row[0])

    def end_handoff(self, channel: str, thread_ts: str, resumed_by: str) -> bool:
        cursor = self._execute(
            "UPDATE slack_handoffs SET active = 0, resumed_by = ? WHERE channel = ? AND thread_ts = ? AND active = 1",
            (resumed_by, channel, thread_ts),
        )
        return cursor.rowcount == 1

    def close(self) -> None:
        with self._lock:
            self._db.close()

"""Slack's tables in a store made before the channels owned their tables: nothing is lost on upgrade."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from supportbot.channels.slack.store import ANSWERED, QUEUED, SlackStore
from supportbot.privacy import redact
from supportbot.store import ConversationStore
from supportbot.store.migrations import CORE_TABLES

# Migration 002 as the core store ran it until Slack's tables moved to the Slack channel.
OLD_SLACK_TABLES = """
CREATE TABLE slack_events (event_id TEXT PRIMARY KEY, payload TEXT NOT NULL, status TEXT NOT NULL,
    received_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE INDEX slack_events_by_status ON slack_events(status, received_at);
CREATE TABLE slack_replies (event_id TEXT PRIMARY KEY, channel TEXT NOT NULL, thread_ts TEXT NOT NULL,
    conversation_id TEXT NOT NULL, ts TEXT, state TEXT NOT NULL, text TEXT NOT NULL DEFAULT '',
    blocks TEXT NOT NULL DEFAULT '[]', updated_at REAL NOT NULL);
CREATE TABLE slack_feedback (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, conversation_id TEXT NOT NULL,
    answer TEXT NOT NULL, user_id TEXT NOT NULL, rating TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE slack_handoffs (channel TEXT NOT NULL, thread_ts TEXT NOT NULL, active INTEGER NOT NULL,
    requested_by TEXT NOT NULL, reason TEXT NOT NULL, created_at REAL NOT NULL, resumed_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel, thread_ts));
"""


def old_database(path: Path) -> None:
    """A store as main wrote it through migration 004, with a rated answer, a handoff and an unanswered event."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    db.executescript(CORE_TABLES.migrations[0].sqlite)
    db.executescript(OLD_SLACK_TABLES)
    for migration in CORE_TABLES.migrations[1:3]:  # 003 and 004
        db.executescript(migration.sqlite)
    db.executemany("INSERT INTO migrations VALUES (?, 0)", [(n,) for n in ("001_conversations_and_messages", "002_slack_events_replies_feedback_handoffs", "003_messages_interrupted", "004_feedback_and_handoffs")])
    db.execute("INSERT INTO conversations VALUES (1, 'slack', 'C1:100.1', 1)")
    db.execute("INSERT INTO messages (conversation, role, content, created_at) VALUES (1, 'user', 'How long do refunds take?', 1)")
    db.execute("INSERT INTO messages (conversation, role, content, kind, created_at) VALUES (1, 'assistant', 'Refunds take 5 days [1].', 'generated', 2)")
    db.execute("INSERT INTO slack_feedback VALUES (1, 'Ev1', 'C1:100.1', 'Refunds take 5 days [1].', 'U7', 'down', 3)")
    db.execute("INSERT INTO slack_handoffs VALUES ('C1', '100.1', 1, 'U7', 'asked for a person', 4, '')")
    db.execute("INSERT INTO slack_handoffs VALUES ('C9', '200.2', 0, 'U8', 'low-confidence answer', 5, 'UAGENT')")
    db.execute("""INSERT INTO slack_events VALUES ('Ev2', '{"event_id": "Ev2", "event": {}}', 'queued', 6, 6)""")
    db.commit()
    db.close()


def test_old_slack_ratings_and_handoffs_move_to_the_core_store_and_queued_events_are_still_answered(tmp_path: Path):
    path = tmp_path / "conversations.sqlite3"
    old_database(path)
    slack = SlackStore(path)
    core = ConversationStore(path)
    (rating,) = core.feedback("slack", "C1:100.1")
    answer = core.messages("slack", "C1:100.1")[1]
    assert (rating["rating"], rating["rater"], rating["message_id"]) == ("down", "U7", answer.id)
    assert core.in_handoff("slack", "C1:100.1") and not core.in_handoff("slack", "C9:200.2")
    tables = {row[0] for row in core.database.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "slack_feedback" not in tables and "slack_handoffs" not in tables
    assert slack.event_status("Ev2") == QUEUED
    assert slack.adopt_orphans("new-instance", lease=30, limit=10) == ["Ev2"]  # unclaimed: the next start answers it
    slack.close()
    core.close()


def test_a_retried_event_is_claimed_once_and_a_live_claim_is_not_taken_over(store_url: str):
    first, second = SlackStore(store_url), SlackStore(store_url)
    assert first.claim_event("Ev1", {"event_id": "Ev1"}, owner="a", lease=30)
    assert not second.claim_event("Ev1", {"event_id": "Ev1"}, owner="b", lease=30)  # the retry reached the other instance
    assert not second.take_event("Ev1", owner="b", lease=30) and second.adopt_orphans("b", lease=30, limit=5) == []
    assert first.take_event("Ev1", owner="a", lease=30)
    first.release_events("a", ["Ev1"])  # "a" stopped before answering it
    assert second.adopt_orphans("b", lease=30, limit=5) == ["Ev1"] and second.take_event("Ev1", owner="b", lease=30)
    assert not first.take_event("Ev1", owner="a", lease=30)
    first.close()
    second.close()


def test_with_redaction_what_slack_sent_and_what_the_bot_showed_are_stored_masked_whatever_script_or_line(tmp_path: Path):
    """Masked in the JSON's escaped text, "卡号4111…" read "\\u5361\\u53f74111…" and a number after a line break
    "\\n+1 415 …": each touched a letter and stayed."""
    path = tmp_path / "conversations.sqlite3"
    slack = SlackStore(path, redact=redact)
    question = "卡号4111111111111111\n+1 415 555 0100\nivan@почта.рф"
    slack.claim_event("Ev1", {"event_id": "Ev1", "event": {"text": question}}, owner="a", lease=30)
    slack.set_event_status("Ev1", ANSWERED)
    slack.record_reply("Ev1", "C1", "100.1", "C1:100.1", "Looking into it…")
    slack.record_final("Ev1", "Call +1 415 555 0100.", [{"type": "section", "text": {"type": "mrkdwn", "text": "卡号4111111111111111\n+1 415 555 0100"}}])
    stored = sqlite3.connect(path).execute("SELECT e.payload, r.blocks FROM slack_events e JOIN slack_replies r USING (event_id)").fetchone()
    for text in stored:
        assert "4111" not in text and "415" not in text and "ivan" not in text, text
    assert json.loads(stored[0])["event"]["text"] == "卡号[card]\n[phone]\n[email]"
    assert slack.reply("Ev1").blocks[0]["text"]["text"] == "卡号[card]\n[phone]"
    slack.close()

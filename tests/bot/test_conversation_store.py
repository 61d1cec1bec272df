"""The SQLite conversation store: WAL mode, migrations once, nothing lost across a restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from supportbot.bot.store import MIGRATIONS, ConversationStore


class TestConversationStore:
    def test_messages_survive_reopening_the_file(self, tmp_path: Path):
        path = tmp_path / "c.sqlite3"
        store = ConversationStore(path)
        store.add_message("console", "abc", "user", "Where is my order?")
        store.add_message("console", "abc", "assistant", "It ships tomorrow.", kind="generated", sources=[{"id": "orders/track.md"}])
        store.close()

        reopened = ConversationStore(path)
        messages = reopened.messages("console", "abc")
        assert [(m.role, m.content) for m in messages] == [("user", "Where is my order?"), ("assistant", "It ships tomorrow.")]
        assert messages[1].sources == [{"id": "orders/track.md"}]

    def test_conversations_are_keyed_by_channel_and_id(self, tmp_path: Path):
        store = ConversationStore(tmp_path / "c.sqlite3")
        store.add_message("console", "t1", "user", "console question")
        store.add_message("slack", "t1", "user", "slack question")
        assert [m.content for m in store.messages("slack", "t1")] == ["slack question"]
        assert store.messages("console", "other") == []

    def test_database_uses_wal_and_records_migrations_once(self, tmp_path: Path):
        path = tmp_path / "c.sqlite3"
        ConversationStore(path).close()
        ConversationStore(path).close()
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert [row[0] for row in db.execute("SELECT name FROM migrations")] == [name for name, _ in MIGRATIONS]

    def test_answers_stored_with_the_old_interrupted_suffix_keep_their_kind_after_migrating(self, tmp_path: Path):
        path = tmp_path / "c.sqlite3"
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
        for name, sql in MIGRATIONS[:2]:
            db.executescript(sql)
            db.execute("INSERT INTO migrations VALUES (?, 0)", (name,))
        db.execute("INSERT INTO conversations VALUES (1, 'console', 'abc', 0)")
        db.execute("INSERT INTO messages (conversation, role, content, kind, created_at) VALUES (1, 'assistant', 'Ret', 'generated:interrupted', 0)")
        db.execute("INSERT INTO messages (conversation, role, content, kind, created_at) VALUES (1, 'assistant', 'Done.', 'approved', 0)")
        db.commit()
        db.close()
        messages = ConversationStore(path).messages("console", "abc")
        assert [(m.kind, m.interrupted) for m in messages] == [("generated", True), ("approved", False)]


class TestFeedbackAndHandoffs:
    def test_feedback_is_kept_per_conversation_with_the_rated_answer(self, tmp_path: Path):
        store = ConversationStore(tmp_path / "c.sqlite3")
        answer = store.add_message("web", "abc", "assistant", "Refunds take 5-7 business days.", kind="grounded")
        store.add_feedback("web", "abc", "down", rater="visitor-1", message_id=answer)
        store.add_feedback("web", "other", "up")
        assert [(f["message_id"], f["rating"], f["rater"]) for f in store.feedback("web", "abc")] == [(answer, "down", "visitor-1")]

    def test_a_rating_other_than_up_or_down_is_refused(self, tmp_path: Path):
        store = ConversationStore(tmp_path / "c.sqlite3")
        with pytest.raises(ValueError, match="rating must be one of"):
            store.add_feedback("web", "abc", "meh")
        assert store.feedback("web", "abc") == []

    def test_a_handoff_is_started_once_and_ended_by_a_resume(self, tmp_path: Path):
        store = ConversationStore(tmp_path / "c.sqlite3")
        assert store.start_handoff("web", "abc", "visitor-1", "asked for a person")
        assert not store.start_handoff("web", "abc", "visitor-1", "asked again")
        assert store.in_handoff("web", "abc") and not store.in_handoff("slack", "abc")
        assert store.end_handoff("web", "abc", "agent-7") and not store.in_handoff("web", "abc")
        assert not store.end_handoff("web", "abc", "agent-7")
        assert store.start_handoff("web", "abc", "visitor-1", "asked again")

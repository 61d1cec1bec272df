"""The SQLite conversation store: WAL mode, migrations once, nothing lost across a restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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

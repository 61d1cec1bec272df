"""The conversation store on both engines (a SQLite file and a real PostgreSQL server): what a
restart, a second instance or a purge must keep or remove."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from supportbot.errors import StoreError
from supportbot.privacy import redact
from supportbot.store import ConversationStore, open_database
from supportbot.store.migrations import CORE_TABLES
from supportbot.store.retention import RetentionJanitor


@pytest.fixture
def open_store():
    """Opens stores for a test and closes them after it (a PostgreSQL pool is not left to the garbage collector)."""
    opened: list[ConversationStore] = []

    def open_(url: str, **options) -> ConversationStore:
        opened.append(ConversationStore(url, **options))
        return opened[-1]

    yield open_
    for store in opened:
        store.close()


class TestConversationStore:
    def test_messages_survive_reopening_the_store(self, store_url: str, open_store):
        store = open_store(store_url)
        store.add_message("console", "abc", "user", "Where is my order?")
        store.add_message("console", "abc", "assistant", "It ships tomorrow.", kind="generated", sources=[{"id": "orders/track.md"}])
        store.close()

        reopened = open_store(store_url)
        messages = reopened.messages("console", "abc")
        assert [(m.role, m.content, m.kind) for m in messages] == [("user", "Where is my order?", ""), ("assistant", "It ships tomorrow.", "generated")]
        assert messages[1].sources == [{"id": "orders/track.md"}] and messages[0].id < messages[1].id

    def test_two_stores_on_one_database_see_each_others_conversations(self, store_url: str, open_store):
        first, second = open_store(store_url), open_store(store_url)  # two instances
        first.add_message("api", "c1", "user", "Do you ship to Norway?")
        second.add_message("api", "c1", "assistant", "Yes, in 5 days.")
        assert [m.content for m in first.messages("api", "c1")] == ["Do you ship to Norway?", "Yes, in 5 days."]

    def test_conversations_are_keyed_by_channel_and_id(self, store_url: str, open_store):
        store = open_store(store_url)
        store.add_message("console", "t1", "user", "console question")
        store.add_message("slack", "t1", "user", "slack question")
        assert [m.content for m in store.messages("slack", "t1")] == ["slack question"]
        assert store.messages("console", "other") == []

    def test_migrations_are_recorded_once(self, store_url: str, open_store):
        open_store(store_url).close()
        open_store(store_url).close()
        database = open_database(store_url)
        assert [row[0] for row in database.query("SELECT name FROM migrations ORDER BY name")] == [m.name for m in CORE_TABLES.migrations]
        database.close()

    def test_redact_masks_what_is_written_not_what_is_returned_by_the_caller(self, store_url: str, open_store):
        store = open_store(store_url, redact=lambda text: text.replace("jane@example.com", "[email]"))
        store.add_message("web", "c", "user", "Mail me at jane@example.com")
        assert store.messages("web", "c")[0].content == "Mail me at [email]"

    def test_an_answer_keeps_the_help_centers_own_address_and_phone_after_a_reload(self, store_url: str, open_store):
        store = open_store(store_url, redact=redact)
        store.add_message("web", "c", "user", "How do I reach you about a damaged item?")
        answer = "Contact our support team by email (support@larkspurgoods.com) or call +1 (555) 123-4567 [1]."
        store.add_message("web", "c", "assistant", answer, kind="grounded")
        store.close()
        assert [m.content for m in open_store(store_url).messages("web", "c")][1] == answer

    def test_an_answer_echoing_the_customers_email_masks_it_and_keeps_the_help_centers_phone(self, store_url: str, open_store):
        store = open_store(store_url, redact=redact)
        store.add_message("web", "c", "user", "I'm jane.doe@example.com and my parcel never came")
        store.add_message("web", "c", "assistant", "We will write to jane.doe@example.com today, or call us on +1 (555) 123-4567.")
        store.close()
        assert [m.content for m in open_store(store_url).messages("web", "c")] == [
            "I'm [email] and my parcel never came",
            "We will write to [email] today, or call us on +1 (555) 123-4567.",
        ]


class TestFeedbackAndHandoffs:
    def test_feedback_is_kept_per_conversation_with_the_rated_answer(self, store_url: str, open_store):
        store = open_store(store_url)
        answer = store.add_message("web", "abc", "assistant", "Refunds take 5-7 business days.", kind="grounded")
        store.add_feedback("web", "abc", "down", rater="visitor-1", message_id=answer)
        store.add_feedback("web", "other", "up")
        assert [(f["message_id"], f["rating"], f["rater"]) for f in store.feedback("web", "abc")] == [(answer, "down", "visitor-1")]

    def test_a_rating_other_than_up_or_down_is_refused(self, store_url: str, open_store):
        store = open_store(store_url)
        with pytest.raises(ValueError, match="rating must be one of"):
            store.add_feedback("web", "abc", "meh")
        assert store.feedback("web", "abc") == []

    def test_a_handoff_is_started_once_and_ended_by_a_resume(self, store_url: str, open_store):
        store = open_store(store_url)
        assert store.start_handoff("web", "abc", "visitor-1", "asked for a person")
        assert not store.start_handoff("web", "abc", "visitor-1", "asked again")
        assert store.in_handoff("web", "abc") and not store.in_handoff("slack", "abc")
        assert store.end_handoff("web", "abc", "agent-7") and not store.in_handoff("web", "abc")
        assert not store.end_handoff("web", "abc", "agent-7")
        assert store.start_handoff("web", "abc", "visitor-1", "asked again")


def _age(store: ConversationStore, conversation_id: str, days: float) -> None:
    """Make a conversation's messages and ratings `days` old (tests cannot wait 90 days)."""
    shift = days * 86400
    with store.database.transaction() as transaction:
        key = transaction.execute("SELECT id FROM conversations WHERE conversation_id = ?", (conversation_id,)).fetchone()[0]
        for table in ("messages", "feedback", "handoffs"):
            transaction.execute(f"UPDATE {table} SET created_at = created_at - ? WHERE conversation = ?", (shift, key))
        transaction.execute("UPDATE conversations SET created_at = created_at - ? WHERE id = ?", (shift, key))


class TestRetention:
    def test_purge_deletes_old_conversations_with_their_ratings_and_keeps_recent_ones(self, store_url: str, open_store):
        store = open_store(store_url)
        answer = store.add_message("web", "old", "assistant", "Old answer.")
        store.add_message("web", "old", "user", "Old question from jane@example.com")
        store.add_feedback("web", "old", "down", message_id=answer)
        store.start_handoff("web", "old", "visitor", "asked for a person")
        store.add_message("web", "recent", "user", "New question")
        store.add_message("web", "revived", "user", "Asked long ago")
        _age(store, "old", 100)
        _age(store, "revived", 100)
        store.add_message("web", "revived", "user", "And again today")  # still in use: kept whole

        report = store.purge(time.time() - 90 * 86400)
        assert (report.conversations, report.messages) == (1, 2)
        assert store.messages("web", "old") == [] and store.feedback("web", "old") == [] and not store.in_handoff("web", "old")
        assert [m.content for m in store.messages("web", "recent")] == ["New question"]
        assert len(store.messages("web", "revived")) == 2

    def test_a_running_bot_deletes_conversations_past_retention_at_start(self, store_url: str, open_store):
        store = open_store(store_url)
        store.add_message("slack", "old", "user", "Asked long ago")
        store.add_message("slack", "new", "user", "Asked today")
        _age(store, "old", 31)
        janitor = RetentionJanitor(store, days=30).start()
        deadline = time.monotonic() + 10
        while store.messages("slack", "old") and time.monotonic() < deadline:
            time.sleep(0.05)
        janitor.stop()
        assert store.messages("slack", "old") == [] and len(store.messages("slack", "new")) == 1

    def test_export_returns_whole_conversations_active_since(self, store_url: str, open_store):
        store = open_store(store_url)
        store.add_message("console", "a", "user", "How long do refunds take?")
        store.add_message("console", "a", "assistant", "5-7 business days [1].", kind="generated")
        store.add_message("slack", "b", "user", "Old one")
        _age(store, "b", 10)
        everything = list(store.conversations())
        assert [(c.channel, c.conversation_id, len(c.messages)) for c in everything] == [("console", "a", 2), ("slack", "b", 1)]
        recent = list(store.conversations(since=time.time() - 7 * 86400))
        assert [c.conversation_id for c in recent] == ["a"] and recent[0].messages[1].kind == "generated"


def test_a_database_made_before_the_store_moved_keeps_its_data_and_gains_the_new_migrations(tmp_path: Path):
    """The SQLite schema as the store wrote it up to migration 004 (with Slack's tables in it) opens unchanged."""
    path = tmp_path / "c.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    db.executescript(CORE_TABLES.migrations[0].sqlite)
    db.execute("INSERT INTO migrations VALUES ('001_conversations_and_messages', 0), ('002_slack_events_replies_feedback_handoffs', 0)")
    db.execute("INSERT INTO conversations VALUES (1, 'console', 'abc', 0)")
    db.execute("INSERT INTO messages (conversation, role, content, kind, created_at) VALUES (1, 'assistant', 'Ret', 'generated:interrupted', 0)")
    db.execute("INSERT INTO messages (conversation, role, content, kind, created_at) VALUES (1, 'assistant', 'Done.', 'approved', 0)")
    db.commit()
    db.close()
    store = ConversationStore(path)
    assert [(m.kind, m.interrupted) for m in store.messages("console", "abc")] == [("generated", True), ("approved", False)]
    applied = {row[0] for row in store.database.query("SELECT name FROM migrations")}
    assert applied >= {m.name for m in CORE_TABLES.migrations} | {"002_slack_events_replies_feedback_handoffs"}


def test_a_store_that_must_exist_is_not_created(tmp_path: Path):
    missing = tmp_path / "typo" / "conversations.sqlite3"
    for location in (missing, str(missing), f"sqlite:///{missing}"):
        with pytest.raises(StoreError, match=r"no conversation store at .*: check --url / paths.conversations_db"):
            open_database(location, must_exist=True)
    assert list(tmp_path.iterdir()) == []
    open_database(missing).close()  # without must_exist: created, as the bot and `store migrate` want
    open_database(missing, must_exist=True).close()

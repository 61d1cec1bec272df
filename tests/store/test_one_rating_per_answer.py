"""An answer has one rating, the customer's latest: rating it again replaces the earlier one, on either engine."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from supportbot.channels.slack.store import SlackStore
from supportbot.store import ConversationStore
from supportbot.store.engines import open_database
from supportbot.store.gaps import RATED_DOWN, find_gaps
from supportbot.store.migrations import CORE_TABLES, TableSet, migrate

QUESTION = "How long do refunds take?"


def rated_down(store: ConversationStore) -> list[str]:
    return [gap.question for gap in find_gaps(store.database, time.time() - 3600) if RATED_DOWN in gap.reasons]


def answered(store: ConversationStore, conversation: str = "c1") -> int:
    store.add_message("web", conversation, "user", QUESTION)
    return store.add_message("web", conversation, "assistant", "Refunds take 5 business days.", kind="generated")


def test_a_thumbs_up_after_three_thumbs_down_leaves_one_rating_up_and_no_gap(store_url: str):
    store = ConversationStore(store_url)
    answer = answered(store)
    ids = [store.add_feedback("web", "c1", rating, "visitor", answer) for rating in ("down", "down", "down", "up")]
    assert [(f["rating"], f["message_id"]) for f in store.feedback("web", "c1")] == [("up", answer)]
    assert len(set(ids)) == 1  # the same rating, changed
    assert rated_down(store) == []  # it listed the question as "rated down" although the last vote was up
    store.close()


def test_a_thumbs_down_after_a_thumbs_up_puts_the_question_in_the_gaps_report(store_url: str):
    store = ConversationStore(store_url)
    answer = answered(store)
    store.add_feedback("web", "c1", "up", "visitor", answer)
    store.add_feedback("web", "c1", "down", "visitor", answer)
    assert [f["rating"] for f in store.feedback("web", "c1")] == ["down"]
    assert rated_down(store) == [QUESTION]
    store.close()


def test_ratings_that_name_no_message_count_as_the_latest_for_the_answer_they_followed(store_url: str):
    """A channel that does not know the answer's id (a Slack reply recorded before ids were kept) rates the last one."""
    store = ConversationStore(store_url)
    answered(store)
    store.add_feedback("web", "c1", "down", "visitor")
    assert rated_down(store) == [QUESTION]
    store.add_feedback("web", "c1", "up", "visitor")
    assert rated_down(store) == []  # it stayed "rated down"
    store.close()


def test_each_answer_keeps_its_own_rating(store_url: str):
    store = ConversationStore(store_url)
    first = answered(store)
    second = store.add_message("web", "c1", "assistant", "You can also ask for store credit.", kind="generated")
    store.add_feedback("web", "c1", "down", "visitor", first)
    store.add_feedback("web", "c1", "up", "visitor", second)
    assert sorted((f["message_id"], f["rating"]) for f in store.feedback("web", "c1")) == [(first, "down"), (second, "up")]
    store.close()


def test_a_store_upgraded_with_repeated_ratings_keeps_each_answers_latest(store_url: str):
    before = TableSet(owner="core", migrations=CORE_TABLES.migrations[:-1], tables=CORE_TABLES.tables)
    database = open_database(store_url)
    migrate(database, before)  # the store as the previous version left it: any number of ratings per answer
    with database.transaction() as transaction:
        transaction.execute("INSERT INTO conversations (channel, conversation_id, created_at) VALUES ('web', 'c1', ?)", (time.time(),))
        key = transaction.execute("SELECT id FROM conversations").fetchone()[0]
        for role, content in (("user", QUESTION), ("assistant", "Refunds take 5 business days.")):
            transaction.execute(
                "INSERT INTO messages (conversation, role, content, kind, created_at) VALUES (?, ?, ?, 'generated', ?)", (key, role, content, time.time())
            )
        answer = transaction.execute("SELECT MAX(id) FROM messages").fetchone()[0]
        for rating in ("down", "down", "down", "up"):
            transaction.execute(
                "INSERT INTO feedback (conversation, message_id, rating, rater, created_at) VALUES (?, ?, ?, 'visitor', ?)", (key, answer, rating, time.time())
            )
    database.close()
    store = ConversationStore(store_url)
    assert [(f["rating"], f["message_id"]) for f in store.feedback("web", "c1")] == [("up", answer)]
    assert rated_down(store) == []
    store.add_feedback("web", "c1", "down", "visitor", answer)  # and from now on, rating again replaces it
    assert [f["rating"] for f in store.feedback("web", "c1")] == ["down"]
    store.close()


# A SQLite store from before the core kept ratings: Slack's were in slack_feedback (see tests/slack/test_slack_store.py).
OLD_SLACK_FEEDBACK = """CREATE TABLE slack_feedback (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, conversation_id TEXT NOT NULL,
    answer TEXT NOT NULL, user_id TEXT NOT NULL, rating TEXT NOT NULL, created_at REAL NOT NULL)"""


def test_an_old_slack_answer_rated_twice_moves_in_with_its_latest_rating(tmp_path: Path):
    path = tmp_path / "conversations.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    db.executescript(CORE_TABLES.migrations[0].sqlite)
    db.execute(OLD_SLACK_FEEDBACK)
    for migration in CORE_TABLES.migrations[1:3]:  # 003 and 004
        db.executescript(migration.sqlite)
    db.executemany("INSERT INTO migrations VALUES (?, 0)", [(n,) for n in ("001_conversations_and_messages", "003_messages_interrupted", "004_feedback_and_handoffs")])
    db.execute("INSERT INTO conversations VALUES (1, 'slack', 'C1:100.1', 1)")
    db.execute("INSERT INTO messages (conversation, role, content, created_at) VALUES (1, 'user', 'How long do refunds take?', 1)")
    db.execute("INSERT INTO messages (conversation, role, content, kind, created_at) VALUES (1, 'assistant', 'Refunds take 5 days [1].', 'generated', 2)")
    db.execute("INSERT INTO slack_feedback VALUES (1, 'Ev1', 'C1:100.1', 'Refunds take 5 days [1].', 'U7', 'down', 3)")
    db.execute("INSERT INTO slack_feedback VALUES (2, 'Ev1', 'C1:100.1', 'Refunds take 5 days [1].', 'U7', 'up', 4)")
    db.commit()
    db.close()
    slack = SlackStore(path)  # it opened, and moved both ratings in
    core = ConversationStore(path)
    answer = core.messages("slack", "C1:100.1")[1]
    assert [(f["rating"], f["message_id"]) for f in core.feedback("slack", "C1:100.1")] == [("up", answer.id)]
    slack.close()
    core.close()

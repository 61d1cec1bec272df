"""Where the bot has been in Slack is read through SlackStore, by index: a human reply in a thread of a channel the
bot is in no longer reads all of slack_replies, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

from supportbot.channels.slack.store import SlackStore
from supportbot.channels.slack.threads import Threads

BOT_IS_IN = "SELECT 1 FROM slack_replies WHERE conversation_id = ? LIMIT 1"
OF_THREAD = "SELECT conversation_id FROM slack_replies WHERE channel = ? AND thread_ts = ? ORDER BY updated_at DESC LIMIT 1"


def plan(store: SlackStore, sql: str, args: tuple) -> str:
    if store.database.dialect == "sqlite":
        return " ".join(str(row[-1]) for row in store.database.query("EXPLAIN QUERY PLAN " + sql, args))
    with store.database.transaction() as transaction:
        transaction.execute("SET LOCAL enable_seqscan = off")  # a table this small is scanned anyway unless told not to
        return " ".join(row[0] for row in transaction.execute("EXPLAIN " + sql, args).fetchall())


def test_the_lookups_of_where_the_bot_has_been_use_indexes(store_url):
    store = SlackStore(store_url)
    try:
        for n in range(50):
            store.record_reply(f"Ev{n}", "C1", f"1700000000.{n:06d}", f"C1:1700000000.{n:06d}", "Looking into it…")
        store.record_reply("EvD", "D1", "1700000001.000001", "D1:1700000000.000001", "Looking into it…")
        threads = Threads(store)
        assert threads.bot_is_in("C1:1700000000.000007") and not threads.bot_is_in("C1:1700000009.000000")
        assert store.conversation_of_thread("D1", "1700000001.000001") == "D1:1700000000.000001"
        assert store.latest_conversation_in("D1", time.time() - 60) == "D1:1700000000.000001"
        for sql, args in ((BOT_IS_IN, ("C1:1700000000.000007",)), (OF_THREAD, ("C1", "1700000000.000007"))):
            shown = plan(store, sql, args)
            assert "slack_replies_by_" in shown, shown  # was "SCAN slack_replies" / "Seq Scan on slack_replies"
    finally:
        store.close()

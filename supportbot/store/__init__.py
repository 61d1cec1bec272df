"""The conversation store: one interface, two engines (SQLite embedded, PostgreSQL for many instances)."""

from __future__ import annotations

from supportbot.store.base import Database, StoredMessage
from supportbot.store.conversations import RATINGS, ConversationRecord, ConversationStore, PurgeReport
from supportbot.store.engines import open_database

__all__ = [
    "RATINGS",
    "ConversationRecord",
    "ConversationStore",
    "Database",
    "PurgeReport",
    "StoredMessage",
    "open_database",
]

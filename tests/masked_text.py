"""Text as masking leaves it where a user meets it: a customer's message read back from a masking store, a log line."""

from __future__ import annotations

import logging
from pathlib import Path

from supportbot.observability import TextFormatter
from supportbot.privacy import redact
from supportbot.store import ConversationStore


def stored(tmp_path: Path, text: str) -> str:
    """`text` as a customer's message reads back from a masking store file, reopened as after a restart."""
    url = f"sqlite:///{tmp_path / 'conversations.sqlite3'}"
    store = ConversationStore(url, redact=redact)
    store.add_message("web", "c", "user", text)
    store.close()
    reopened = ConversationStore(url)
    try:
        return reopened.messages("web", "c")[0].content
    finally:
        reopened.close()


def logged(message: str) -> str:
    """`message` as the plain-text log writes it."""
    record = logging.LogRecord("supportbot.test", logging.INFO, __file__, 1, message, None, None)
    return TextFormatter().format(record)

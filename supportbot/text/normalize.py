"""Text as valid Unicode before it is stored, searched or prompted."""

from __future__ import annotations

import re

# Lone surrogates are bytes a terminal or client could not decode (Python's surrogateescape); SQLite
# and every encoder refuse them, and NUL ends strings in PostgreSQL and C libraries.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


def valid_unicode(text: str) -> str:
    """`text` with undecodable characters as U+FFFD and NULs removed; what could be read of it is kept."""
    return _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", text)

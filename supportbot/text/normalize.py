"""Text as valid Unicode before it is stored, searched or prompted, and as a terminal may show it."""

from __future__ import annotations

import re

# Lone surrogates are bytes a terminal or client could not decode (Python's surrogateescape); SQLite
# and every encoder refuse them.
_UNDECODABLE = re.compile("[\ud800-\udfff]")
# Control characters other than newline and tab are not text: NUL ends strings in PostgreSQL and C
# libraries, and a stored ESC ] 0;title BEL or ESC [31m would retitle or recolour the terminal of
# whoever reads it later (an agent running `supportbot report gaps`).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACING = "\x0b\x0c\x1c\x1d\x1e\x1f\x85"  # vertical tab, form feed, separators, next line: they part words


def valid_unicode(text: str) -> str:
    """`text` with undecodable characters as U+FFFD, line breaks as \\n, and control characters but tab removed;
    what could be read of it is kept."""
    text = _UNDECODABLE.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub(lambda control: " " if control.group() in _SPACING else "", text)


def printable(text: str) -> str:
    """`text` with its control characters but newline and tab written out (\\x1b): stored text printed to a
    terminal, which may hold what was stored before `valid_unicode` removed them, or came another way."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)

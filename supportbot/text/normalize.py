"""Text as valid Unicode before it is stored, searched or prompted, and as a terminal may show it."""

from __future__ import annotations

import re
import unicodedata

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


# Characters that show nothing: a message of these alone (and spaces) is as empty as one of spaces.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")  # Hangul fillers, the blank Braille pattern


def shows_something(text: str) -> bool:
    """Whether `text` shows anything: spaces, zero-width spaces, joiners and byte-order marks (format characters)
    do not. A question of them alone was answered with the fallback, as if the customer had asked something."""
    return any(not (char.isspace() or char in _BLANK_LETTERS or unicodedata.category(char) in ("Cf", "Cc")) for char in text)

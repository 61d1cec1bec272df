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
# What a terminal reads as one command goes whole, its parameters too, in 7-bit or 8-bit form. A string sequence
# that never ends loses only its ESC: the words after it are the customer's.
_CHARSET_CHOICE = "\x1b[ -/]+[0-~]"  # ESC ( B
_CONTROL_SEQUENCE = "(?:\x1b\\[|\x9b)[0-?]*[ -/]*[@-~]"  # ESC [ 31 m
_STRING_SEQUENCE = "(?:\x1b[\\]PX^_]|[\x90\x98\x9d-\x9f])[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\\\|\x9c)"  # ESC ] 0;title BEL (OSC, DCS...)
_REMOVED = re.compile(f"(?:{_CHARSET_CHOICE}|{_CONTROL_SEQUENCE}|{_STRING_SEQUENCE}|{_CONTROL.pattern})+")
_WORD = re.compile(r"\w")
_SPACING = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f\x85")  # vertical tab, form feed, separators, next line: they part words


def _word_boundary(match: re.Match[str]) -> str:
    """A space where what was removed stood between two words ("refund\\x00time" is "refund time"), or parted them
    itself (a form feed); nothing beside a space or punctuation ("\\x1b[1mBold\\x1b[0m.")."""
    text, start, end = match.string, match.start(), match.end()
    between_words = start > 0 and _WORD.match(text, start - 1) and _WORD.match(text, end)
    return " " if between_words or not _SPACING.isdisjoint(match.group()) else ""


def valid_unicode(text: str) -> str:
    """`text` with undecodable characters as U+FFFD, line breaks as \\n, and control characters but tab removed
    (escape sequences whole); where they parted two words, a space does; what could be read of it is kept."""
    text = _UNDECODABLE.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _REMOVED.sub(_word_boundary, text)


def printable(text: str) -> str:
    """`text` with its control characters but newline and tab written out (\\x1b): stored text printed to a
    terminal, which may hold what was stored before `valid_unicode` removed them, or came another way."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


# Bidirectional controls: an override or isolate (U+202E) reverses the rest of the terminal line, table columns
# included; a mark (U+200F) moves neutral characters about. Other format characters (joiners in emoji) only join.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("\r\n|[\n\r\u2028\u2029]")


def one_line(text: str) -> str:
    """`printable(text)` for one cell of a table printed to a terminal: line breaks as ⏎ and tabs as a space, so
    the row stays one line, and bidirectional controls written out (\\u202e), so the columns read as printed."""
    text = _LINE_BREAK.sub("⏎", text).replace("\t", " ")
    return _BIDI.sub(lambda match: f"\\u{ord(match.group()):04x}", printable(text))


# Characters that show nothing: a message of these alone (and spaces) is as empty as one of spaces.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")  # Hangul fillers, the blank Braille pattern


def shows_something(text: str) -> bool:
    """Whether `text` shows anything: spaces, zero-width spaces, joiners and byte-order marks (format characters)
    do not. A question of them alone was answered with the fallback, as if the customer had asked something."""
    return any(not (char.isspace() or char in _BLANK_LETTERS or unicodedata.category(char) in ("Cf", "Cc")) for char in text)

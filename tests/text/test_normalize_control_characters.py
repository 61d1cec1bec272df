"""Customers' text as stored (`valid_unicode`) and as a table cell shows it (`one_line`)."""

from __future__ import annotations

import pytest

from supportbot.text.normalize import one_line, valid_unicode


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("refund\x00time", "refund time"),  # it was "refundtime"
        ("\x1b]0;pwned\x07refund time?", "refund time?"),  # it was "]0;pwnedrefund time?": the fallback
        ("\x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\ text", "link text"),  # a hyperlink's words stay
        ("\x1b[1mBold\x1b[0m.", "Bold."),  # beside punctuation, no space
        ("Hello.\x0cHow are you?", "Hello. How are you?"),  # a form feed parts words, as before
        ("\x1b]0;never ended refund", "]0;never ended refund"),  # no end: only the ESC goes, the words stay
        ("tab\there\r\nnext", "tab\there\nnext"),
    ],
)
def test_control_characters_are_removed_and_the_words_they_parted_stay_apart(typed: str, stored: str):
    assert valid_unicode(typed) == stored


def test_a_table_cell_is_one_line_with_bidi_controls_written_out_and_emoji_kept():
    assert one_line("Do you ship\r\nto Norway?\u2028Iceland?") == "Do you ship⏎to Norway?⏎Iceland?"
    assert one_line("pay \u202eby bitcoin\u2066?\x1b[31m") == "pay \\u202eby bitcoin\\u2066?\\x1b[31m"
    assert one_line("family 👨\u200d👩\u200d👧\tok") == "family 👨\u200d👩\u200d👧 ok"

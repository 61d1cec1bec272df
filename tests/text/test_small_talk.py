"""Which messages are only a greeting or thanks (answered with a friendly word, not the fallback)."""

from __future__ import annotations

import pytest

from supportbot.text.small_talk import small_talk


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Hi", "greeting"),
        ("hello there!", "greeting"),
        ("Good morning", "greeting"),
        ("thanks!", "thanks"),
        ("Thank you so much", "thanks"),
        ("ok, thanks", "thanks"),
        ("Can I talk to a person?", None),  # a request for a person is answered, never waved off
        ("I need help", None),
        ("Hi, where is my order?", None),
        ("thanks, and how long do refunds take?", None),
        ("yes", None),
        ("你好", None),
        ("", None),
    ],
)
def test_only_greetings_and_thanks_are_small_talk(message, expected):
    assert small_talk(message) == expected

"""An email address written with the word "at" and real dots ("jane at example.com") is masked where it
reads as an address; a website named after a verb ("start a return at larkspurgoods.com") is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import stored

from supportbot.privacy import redact


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("jane at example.com", "[email]"),  # the whole answer to "what's your email?"
        ("Hi,\n  Jane at Example.com.\nthanks", "Hi,\n  [email].\nthanks"),
        ("my email is jane at example.com, thanks", "my email is [email], thanks"),
        ("E-mail: jane at mail.example.co.uk", "E-mail: [email]"),
        ("please email jane at example.com", "please email [email]"),
        ("write to jane at example.com or send it to bob at example.org", "write to [email] or send it to [email]"),
        ("I'm jane.doe at example.com", "I'm [email]"),
        ("reach jsmith84 at gmail.com today", "reach [email] today"),
    ],
)
def test_an_address_with_the_word_at_and_real_dots_is_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Start a return at larkspurgoods.com or check your balance at larkspurgoods.com.",
        "sign in at support.example.com; order LG-615092 at larkspurgoods.com",
        "email us at larkspurgoods.com, or write to us at example.org",
        "See the guide (e.g. at example.com) first",
        "look at the dot product; it's at example.community",
        "Gift cards are available anytime at larkspurgoods.com",
    ],
)
def test_a_website_named_with_at_is_left_alone(text: str):
    assert redact(text) == text

"""Phone numbers a space apart ("+14155550100 +14155550101") are each masked, not only the first; a row of digit
groups that doesn't split into phone numbers of 7 to 15 digits each (a list, a longer reference) stays as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import logged, stored

PHONES = [
    ("+14155550100 +14155550101", "[phone] [phone]"),
    ("call +1 415 555 0100 +1 415 555 0101 or 555-123-4567", "call [phone] [phone] or [phone]"),
    ("ring 555-123-4567 020 7946 0958.", "ring [phone] [phone]."),
    ("+44 20 7946 0958 020 7946 0959", "[phone] [phone]"),
    ("13812345678 020 7946 0958 and 020 7946 0958 13812345678", "[phone] [phone] and [phone] [phone]"),
    ("06 12 34 56 78 07 12 34 56 78, not 100 200 30 40 50", "[phone] [phone], not 100 200 30 40 50"),
    ("+1 415 555 0100 555-123-4567 or +1 415 555 0100 12 34 56 78", "[phone] [phone] or +1 415 555 0100 12 34 56 78"),
    ("555-123-4567 555-987-6543 and ref 020 7946 0958 1234", "[phone] [phone] and ref 020 7946 0958 1234"),
]


@pytest.mark.parametrize(("text", "masked"), PHONES)
def test_phone_numbers_a_space_apart_are_stored_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(("text", "masked"), PHONES)
def test_phone_numbers_a_space_apart_are_logged_masked(text: str, masked: str):
    assert logged(text) == masked


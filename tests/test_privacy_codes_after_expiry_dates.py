"""A card's security code written without its name right after the card's expiry date ("4111 1111 1111 1111 09/27
123"), or joined to its name by a hyphen ("cvv-123"), is masked; a number after the date of a number that is no card,
and references shaped like a ticket key ("CID-1234"), stay readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import logged, stored

CODES = [
    ("card 4111 1111 1111 1111 09/27 123, charge it", "card [card] 09/27 [card], charge it"),
    ("4111111111111111 12/2027 1234", "[card] 12/2027 [card]"),
    ("exp 09/27 123 4111-1111-1111-1111 please", "exp 09/27 [card] [card] please"),
    (
        "4111 1111 1111 1111 09/27 123 4012 8888 8888 1881 10/28 456",
        "[card] 09/27 [card] [card] 10/28 [card]",
    ),
    (
        "card 4111 1111 1111 1111 09/27 123; order 4111 1111 1111 1112 09/27 456",  # the order number fails the Luhn check
        "card [card] 09/27 [card]; order 4111 1111 1111 1112 09/27 456",
    ),
    ("my cvv-123", "my cvv-[card]"),
    ("CVV2-4821, CVC–123 and CVV-2: 456", "CVV2-[card], CVC–[card] and CVV-2: [card]"),
    ("cvv-123 4111 1111 1111 1111", "cvv-[card] [card]"),
    ("amex cvv-1234 3782 822463 10005", "amex cvv-[card] [card]"),
    ("cvv-123, but ticket CID-1234, CSC-123 and code-123", "cvv-[card], but ticket CID-1234, CSC-123 and code-123"),
]


@pytest.mark.parametrize(("text", "masked"), CODES)
def test_a_security_code_after_the_expiry_date_or_after_a_hyphen_is_stored_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(("text", "masked"), CODES)
def test_a_security_code_after_the_expiry_date_or_after_a_hyphen_is_logged_masked(text: str, masked: str):
    assert logged(text) == masked

"""A card written right after another number (an order number): the card is masked, the number kept."""

from __future__ import annotations

import pytest

from supportbot.privacy import redact


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("order 12345 4111 1111 1111 1111", "order 12345 [card]"),
        ("order #987654 5500-0000-0000-0004 was charged twice", "order #987654 [card] was charged twice"),
        ("qty 3 4111 1111 1111 1111 declined", "qty 3 [card] declined"),
        ("ref 123 4111.1111.1111.1111", "ref 123 [card]"),
        ("order 12345\t4111 1111 1111 1111", "order 12345\t[card]"),
        ("order 12345 3782 822463 10005", "order 12345 [card]"),
    ],
)
def test_a_card_after_a_number_that_is_no_group_of_four_is_masked(text: str, masked: str):
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "order 12345 4111 1111 1111 1112",  # fails the Luhn check
        "USPS 0307 4111 1111 1111 1111",  # a row of five groups of four: a tracking number
        "order 12345-4111-1111-1111-1111",  # one reference, dashes throughout
        "order 12345 4111 1111 1111 1111 2222",  # a longer row
        "order 12345 costs $49.90, 2 units, delivered 2026-11-28 at 12:30",
    ],
)
def test_rows_of_groups_and_numbers_before_them_are_left_alone(text: str):
    assert redact(text) == text

"""A card or phone number written against a comma ("Visa,4111111111111111", "card,expiry,cvv" pasted with no
spaces) is masked as it is with ", " between; a comma inside a number (1,234,567; 0,5) still keeps the
number readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import logged, stored

from supportbot.privacy import redact

CARDS_AGAINST_A_COMMA = [
    ("Visa,4111111111111111", "Visa,[card]"),
    ("4111111111111111,12/27,123", "[card],12/27,[card]"),  # an unnamed code after the expiry date goes, as with ", "
    ("4111111111111111,4012888888881881", "[card],[card]"),
    ("my card,4111 1111 1111 1111", "my card,[card]"),
    ("exp,12/27,4111111111111111", "exp,12/27,[card]"),
    ("cvv 123,4111111111111111", "cvv [card],[card]"),
    ("4111 1111 1111 1111,12/2027,cvv 123", "[card],12/2027,cvv [card]"),
    ("order 12345,4111111111111111", "order 12345,[card]"),
]
PHONES_AGAINST_A_COMMA = [
    ("call me,+1 415 555 0100", "call me,[phone]"),
    ("+14155550100,+14155550101", "[phone],[phone]"),
    ("call me,13812345678", "call me,[phone]"),
    ("13812345678,13912345678", "[phone],[phone]"),
    ("tel,020 7946 0958,555-123-4567", "tel,[phone],[phone]"),
]


@pytest.mark.parametrize(("text", "masked"), CARDS_AGAINST_A_COMMA + PHONES_AGAINST_A_COMMA)
def test_a_card_or_phone_number_against_a_comma_is_stored_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(("text", "masked"), CARDS_AGAINST_A_COMMA + PHONES_AGAINST_A_COMMA)
def test_a_card_or_phone_number_against_a_comma_is_logged_masked(text: str, masked: str):
    assert logged(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("4111111111111111,4012888888881881", "4111111111111111, 4012888888881881"),
        ("Visa,4111111111111111,12/27", "Visa, 4111111111111111, 12/27"),
        ("+14155550100,+14155550101", "+14155550100, +14155550101"),
        ("13812345678,13912345678", "13812345678, 13912345678"),
    ],
)
def test_a_comma_without_a_space_masks_as_one_with_a_space(text: str, masked: str):
    assert redact(text) == redact(masked).replace(", ", ",")


@pytest.mark.parametrize(
    "text",
    [
        "$4,111,111,111,111,111 and 1,234,567,890,123,456,789 units",  # thousands separators
        "0,4111111111111111 and 0,4012888888881881",  # decimal commas: the digits after one are no card
        "1.234,5555555555555556 or 9,999,4111111111111111",  # (after "3," or "999," they are: test_privacy_csv_rows)
        "ratio 0,13812345678; row 12,13812345678",  # nor a mobile number
        "+1 234 567,89 € and 1,555-123-4567",  # an amount, and no phone number inside a number
        "48.8566,2.3522 and 12,50 €",  # coordinates, a price
    ],
)
def test_a_comma_inside_a_number_keeps_the_number_readable(text: str):
    assert redact(text) == text

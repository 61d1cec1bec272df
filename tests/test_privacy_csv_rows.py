"""A card in a CSV row after a short column ("1,4111111111111111") is masked: no one writes thirteen decimals after a
whole number. After 0 ("0,4111111111111111") or a number with a separator already ("1.234,5555555555555556") the
digits still read as a decimal part and stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import logged, stored

ROWS = [
    ("1,4111111111111111", "1,[card]"),
    ("2,Jane,4111111111111111,12/27,123", "2,Jane,[card],12/27,[card]"),
    ("id,card\n1,4111111111111111\n2,5500 0000 0000 0004", "id,card\n1,[card]\n2,[card]"),
    ("999,4111111111111111, but 0,4111111111111111 is a decimal", "999,[card], but 0,4111111111111111 is a decimal"),
    ("row 3,4111111111111111 and 1.234,5555555555555556", "row 3,[card] and 1.234,5555555555555556"),
]


@pytest.mark.parametrize(("text", "masked"), ROWS)
def test_a_card_after_a_short_column_of_a_csv_row_is_stored_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(("text", "masked"), ROWS)
def test_a_card_after_a_short_column_of_a_csv_row_is_logged_masked(text: str, masked: str):
    assert logged(text) == masked

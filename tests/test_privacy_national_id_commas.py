"""A national ID number written against a comma ("ssn,123-45-6789", "身份证,11010519491231002X") is masked as a card
or phone number against a comma is; a comma inside a number (12,123-45-6789) still keeps it readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import logged, stored

from supportbot.privacy import redact

IDS_AGAINST_A_COMMA = [
    ("ssn,123-45-6789", "ssn,[national-id]"),
    ("SSN,078 05 1120,thanks", "SSN,[national-id],thanks"),
    ("4111111111111111,123-45-6789", "[card],[national-id]"),
    ("身份证,11010519491231002X", "身份证,[national-id]"),
    ("ID,510107198506150011,ok", "ID,[national-id],ok"),
    ("name,id,Zhang San,44030419900307123x", "name,id,Zhang San,[national-id]"),
    ("13812345678,310115 20011231 4565", "[phone],[national-id]"),
]


@pytest.mark.parametrize(("text", "masked"), IDS_AGAINST_A_COMMA)
def test_a_national_id_against_a_comma_is_stored_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(("text", "masked"), IDS_AGAINST_A_COMMA)
def test_a_national_id_against_a_comma_is_logged_masked(text: str, masked: str):
    assert logged(text) == masked


@pytest.mark.parametrize("text", ["total 12,123-45-6789", "12,11010519491231002X"])
def test_digits_after_a_comma_inside_a_number_stay_readable(text: str):
    assert redact(text) == text

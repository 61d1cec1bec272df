"""Two national ID numbers without a shape of their own are masked where they are named, the name kept: a US Social
Security number as nine digits in a row ("SSN 123456789") and a first-generation mainland-China resident ID, 15
digits with no check digit ("身份证号110105491231002"). The same digits unnamed, named an order or a transaction's,
or with no birth date in them, stay readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import logged, stored

SSNS = [
    ("ssn 123456789", "ssn [national-id]"),
    ("My SSN is 078051120.", "My SSN is [national-id]."),
    ("social security number: 123456789, order 123456789", "social security number: [national-id], order 123456789"),
    ("SSN#078051120, thanks", "SSN#[national-id], thanks"),
    ("ssn 912345678 is an ITIN; ssn 123456789 is mine", "ssn 912345678 is an ITIN; ssn [national-id] is mine"),
]
OLD_CHINA_IDS = [
    ("身份证号110105491231002", "身份证号[national-id]"),
    ("身份证号码：110105 491231 002，谢谢", "身份证号码：[national-id]，谢谢"),
    ("my ID card no. 440304900307123", "my ID card no. [national-id]"),
    ("身份证号110105491231002，订单号110105491231002", "身份证号[national-id]，订单号110105491231002"),
    ("ID number 110105491231002, transaction ID 110105491231002", "ID number [national-id], transaction ID 110105491231002"),
    ("身份证110105490230002 (no 30 February); 身份证110105491231002", "身份证110105490230002 (no 30 February); 身份证[national-id]"),
]


@pytest.mark.parametrize(("text", "masked"), SSNS + OLD_CHINA_IDS)
def test_a_named_ssn_without_dashes_or_old_china_id_is_stored_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(("text", "masked"), SSNS + OLD_CHINA_IDS)
def test_a_named_ssn_without_dashes_or_old_china_id_is_logged_masked(text: str, masked: str):
    assert logged(text) == masked

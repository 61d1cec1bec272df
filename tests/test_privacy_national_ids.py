"""National ID numbers (US Social Security, UK National Insurance, mainland-China resident ID) are masked
as [national-id] where written as issued; numbers of the same shape that no state issues, and part
numbers, SKUs and order numbers named as such, stay readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import stored

from supportbot.privacy import redact
from supportbot.store import ConversationStore


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("my SSN is 123-45-6789.", "my SSN is [national-id]."),
        ("ssn 078 05 1120, thanks", "ssn [national-id], thanks"),
        ("SSN：123–45–6789", "SSN：[national-id]"),
    ],
)
def test_a_us_social_security_number_is_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("NI number AB 12 34 56 C", "NI number [national-id]"),
        ("my NINO is jg103759a, ok?", "my NINO is [national-id], ok?"),
        ("NI: AB123456 D", "NI: [national-id]"),
    ],
)
def test_a_uk_national_insurance_number_is_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("身份证号11010519491231002X，谢谢", "身份证号[national-id]，谢谢"),
        ("ID 44030419900307123x", "ID [national-id]"),
        ("身份证 310115 20011231 4565", "身份证 [national-id]"),
        ("ID 510107198506150011 and card 4111 1111 1111 1111", "ID [national-id] and card [card]"),
    ],
)
def test_a_mainland_china_resident_id_is_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567 and 123-45-0000 are never issued",
        "123-45-67890, 1123-45-6789, 123-45-6789-2 and 123.45.6789 are other numbers",
        "part 123-45-6789 fits; SKU AB123456C; item JG 10 37 59 A",
        "QQ 12 34 56 C is HMRC's example; GB 12 34 56 A, AB 12 34 56 E are not numbers",
        "110105194912310021 fails its check; 110105194913310024 has no 13th month",
        "订单号11010519491231002X; order 4111 1111 1111 1112",
        "Order #10023456 was charged $1,299.99 on 2024-01-15 at 12:30, 3 units",
    ],
)
def test_numbers_no_state_issues_and_named_part_numbers_are_left_alone(text: str):
    assert redact(text) == text


def test_a_stored_answer_masks_an_id_number_only_once_the_customer_gave_one(tmp_path: Path):
    store = ConversationStore(f"sqlite:///{tmp_path / 'conversations.sqlite3'}", redact=redact)
    try:
        answer = "Our example: 123-45-6789."
        store.add_message("web", "a", "user", "what does an SSN look like?")
        store.add_message("web", "a", "assistant", answer)
        store.add_message("web", "b", "user", "mine is 078-05-1120")
        store.add_message("web", "b", "assistant", answer)
        assert store.messages("web", "a")[1].content == answer
        assert store.messages("web", "b")[1].content == "Our example: [national-id]."
        assert store.messages("web", "b")[0].content == "mine is [national-id]"
    finally:
        store.close()

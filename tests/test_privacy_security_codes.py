"""A card's security code is payment data no log or store may keep once a payment is authorised (PCI DSS):
named, it is masked, beside a card or on its own; a bare "code" and other numbers are not."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import logged

from supportbot.privacy import redact
from supportbot.store import ConversationStore


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("my cvc 123", "my cvc [card]"),
        ("CVV: 4821 please", "CVV: [card] please"),
        ("the security code 123 is on the back", "the security code [card] is on the back"),
        ("card security code: 0491", "card security code: [card]"),
        ("CVV2=987, CVC2 #456", "CVV2=[card], CVC2 #[card]"),
        ("cvv is 123", "cvv is [card]"),
        ("cvv code 123 and cvv no. 456", "cvv code [card] and cvv no. [card]"),
        ("amex CID 1234", "amex CID [card]"),
        ("卡背面的安全码123，CVV码：456", "卡背面的安全码[card]，CVV码：[card]"),
    ],
)
def test_a_named_security_code_is_masked_in_the_log(text: str, masked: str):
    assert logged(text) == masked


def test_a_card_its_expiry_date_and_its_named_code_are_stored_without_the_code(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'conversations.sqlite3'}"
    store = ConversationStore(url, redact=redact)
    store.add_message("web", "c", "user", "card 4111 1111 1111 1111 exp 09/27 cvv 123, charge it again")
    store.close()
    reopened = ConversationStore(url)
    try:
        assert reopened.messages("web", "c")[0].content == "card [card] exp 09/27 cvv [card], charge it again"
    finally:
        reopened.close()


def test_a_named_code_before_a_number_that_is_no_card_is_masked_and_the_number_kept():
    assert redact("cvv 123 4111 1111 1111 1112") == "cvv [card] 4111 1111 1111 1112"  # fails the Luhn check


@pytest.mark.parametrize(
    "text",
    [
        "discount code 1234, error code 404, zip code 12345, promo code 250",
        "code 123 did not work",
        "cvv 12345 is too long for a code; cvv 12 too short",
        "acid 123 and cvv 123/456 are not codes as written",
        "security code sent to 2 devices",
        "Order #10023456 was charged $1,299.99 on 2024-01-15",
    ],
)
def test_other_codes_and_numbers_near_a_code_name_are_left_alone(text: str):
    assert redact(text) == text

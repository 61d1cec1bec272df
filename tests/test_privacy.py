"""Masking personal data: each kind is masked, ordinary numbers in support questions are not."""

from __future__ import annotations

import pytest

from supportbot.privacy import redact


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Mail me at jane.doe+shop@example.co.uk please", "Mail me at [email] please"),
        ("Call +44 20 7946 0958 today", "Call [phone] today"),
        ("or +1 (555) 123-4567, or +4915112345678.", "or [phone], or [phone]."),
        ("My number is (555) 123-4567", "My number is [phone]"),
        ("ring 555-123-4567 or 020 7946 0958", "ring [phone] or [phone]"),
        ("portable 06 12 34 56 78", "portable [phone]"),
        ("card 4111 1111 1111 1111 expires soon", "card [card] expires soon"),
        ("cards 4111-1111-1111-1111 and 5500005555555559", "cards [card] and [card]"),
        ("IBAN DE89 3704 0044 0532 0130 00, thanks", "IBAN [iban], thanks"),
        ("send it to GB82WEST12345698765432", "send it to [iban]"),
    ],
)
def test_each_kind_of_personal_data_is_masked(text: str, masked: str):
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Order #10023456 was charged $1,299.99 on 2024-01-15",
        "order 4417238190 for 12 500 000 units at €49.90 or 1 299,00 €",
        "Order 4111111111111112 is late",  # 16 digits, but not a card number: the Luhn check fails
        "invoice INV-2024-118734 costs 3.50; version 1.2.3 at 12:30; qty 2x 15",
        "tracking 1Z999AA10123456784, ref 12345678901234",
        "DE89 3704 0044 0532 0130 01 is not an IBAN: its check digits are wrong",
    ],
)
def test_order_numbers_prices_and_dates_are_left_alone(text: str):
    assert redact(text) == text

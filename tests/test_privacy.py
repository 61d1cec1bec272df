"""Masking personal data: each kind is masked, ordinary numbers in support questions are not."""

from __future__ import annotations

from pathlib import Path

import pytest
from masked_text import stored

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



@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的卡号4111111111111111被扣了两次", "我的卡号[card]被扣了两次"),
        ("card 4111 1111 1111 1111年", "card [card]年"),
        ("카드4111111111111111로 결제했어요", "카드[card]로 결제했어요"),
        ("电话020 7946 0958，谢谢", "电话[phone]，谢谢"),
        ("请发到jane@example.com谢谢", "请发到[email]谢谢"),
        ("账号DE89370400440532013000退款", "账号[iban]退款"),
    ],
)
def test_personal_data_written_against_chinese_japanese_or_korean_text_is_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize("text", ["ref X4111111111111111", "SKU 4111111111111111B", "ref A020 7946 0958", "ref 020 7946 0958B"])
def test_a_latin_letter_or_digit_against_a_number_still_makes_it_another_token(text: str):
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Refund to IBAN DE89 3704 0044 0532 0130 00 ASAP", "Refund to IBAN [iban] ASAP"),
        ("iban DE89370400440532013000 OK", "iban [iban] OK"),
        ("iban de89 3704 0044 0532 0130 00", "iban [iban]"),
        ("pay BE68 5390 0754 7034 ASAP please", "pay [iban] ASAP please"),
    ],
)
def test_an_iban_is_masked_and_the_word_after_it_kept(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("my mobile is 07700 900123", "my mobile is [phone]"),
        ("card 4242\u00a04242\u00a04242\u00a04242 was declined", "card [card] was declined"),
        ("I tried 4111111111111111 5500005555555559 and neither worked", "I tried [card] [card] and neither worked"),
        ("write to jane@bücher.de", "write to [email]"),
    ],
)
def test_a_uk_mobile_a_card_with_no_break_spaces_two_cards_and_an_idn_email_are_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Refunds take 5-7 business days; the lamp was $1,299.00 on 2026-11-28 (order 12345678)",
        "order 12345678 qty 3, delivered 28.11.2026, 1\u202f299,00\u00a0€ for 12\u00a0500\u00a0000 units",
        "订单12345678的退款要5-7个工作日，2026-11-28到账",
        "order 01234-567890 and part 07700900123",
    ],
)
def test_numbers_in_support_questions_are_stored_as_written(tmp_path: Path, text: str):
    assert stored(tmp_path, text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("cards 4111 1111 1111 1111 5500 0000 0000 0004", "cards [card] [card]"),
        ("new card 4111111111111111 5500 0000 0000 0004", "new card [card] [card]"),
        ("4111 1111 1111 1111 12/27 please", "[card] 12/27 please"),
        ("card 4111-1111-1111-1111 12/2027 cvc 123", "card [card] 12/2027 cvc [card]"),
        ("exp 12/27 4111 1111 1111 1111", "exp 12/27 [card]"),
        ("card 4111 1111 1111 1111 123 was declined", "card [card] was declined"),
        ("card 4111.1111.1111.1111 or 4111–1111–1111–1111", "card [card] or [card]"),
    ],
)
def test_cards_one_after_another_with_their_expiry_date_or_written_with_dots_are_masked(text: str, masked: str):
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("write to ivan@почта.рф", "write to [email]"),
        ("mail ivan@mail.рф, thanks", "mail [email], thanks"),
        ("user@例子.中国", "[email]"),
        ("user@example.xn--p1ai", "[email]"),
        ("sean.o'brien@example.ie", "[email]"),
        ("メール：jane＠example.com です", "メール：[email] です"),
        ("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "[email]"),
    ],
)
def test_an_email_address_in_another_script_with_an_apostrophe_or_a_full_width_at_is_masked(text: str, masked: str):
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call 1-800-555-0199 or 1 (555) 123-4567", "call [phone] or [phone]"),
        ("0044 20 7946 0958 or (+44) 20 7946 0958", "[phone] or [phone]"),
        ("+33 (0)6 12 34 56 78", "[phone]"),
        ("8 (495) 123-45-67 or 8 916 123-45-67", "[phone] or [phone]"),
        ("celular (11) 91234-5678", "celular [phone]"),
        ("mobile 0412 345 678", "mobile [phone]"),
        ("móvil 612 34 56 78", "móvil [phone]"),
        ("Handy 0532 123 45 67", "Handy [phone]"),
        ("Tel. 030 12345678 oder 06 12345678", "Tel. [phone] oder [phone]"),
        ("ring 555–123–4567", "ring [phone]"),
        ("[+44 20 7946 0958](tel:+442079460958)", "[[phone]](tel:[phone])"),
    ],
)
def test_phone_numbers_as_written_around_the_world_are_masked(text: str, masked: str):
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话090ー1234ー5678", "电话[phone]"),
        ("電話０９０－１２３４－５６７８です", "電話[phone]です"),
        ("卡号４１１１　１１１１　１１１１　１１１１", "卡号[card]"),
    ],
)
def test_numbers_typed_with_a_japanese_or_chinese_keyboard_are_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "FedEx tracking 7946 1234 5678",
        "serial 1234-5678-9012, invoice 2024 0001 2345",
        "order 0001 2345 6789",
        "订单号：2024011500012344",  # passes the Luhn check, but no card starts with 20
        "order 1234567890123452",  # nor with 1
    ],
)
def test_tracking_serial_and_dated_order_numbers_are_left_alone(text: str):
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("exp 09/27 cvv 123 4111 1111 1111 1111", "exp 09/27 cvv [card] [card]"),
        ("exp 09/27 cvv 123 card 4111 1111 1111 1111", "exp 09/27 cvv [card] card [card]"),
        ("09/27 123 4111-1111-1111-1111 please", "09/27 [card] [card] please"),
        ("CVV: 123 4111 1111 1111 1111 exp 09/27", "CVV: [card] [card] exp 09/27"),
        ("exp 09/27 CID 1234 3782 822463 10005", "exp 09/27 CID [card] [card]"),
    ],
)
def test_a_card_after_its_expiry_date_and_security_code_is_masked(text: str, masked: str):
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("amex 3782 822463 10005 1234 was declined", "amex [card] was declined"),
        ("amex 3782-822463-10005-1234", "amex [card]"),
        ("amex 3782 822463 10005 CID 1234", "amex [card] CID [card]"),
    ],
)
def test_an_american_express_card_and_its_four_digit_code_are_masked(text: str, masked: str):
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("card 4111  1111  1111  1111 was declined", "card [card] was declined"),
        ("card\t4111\t1111\t1111\t1111\tthanks", "card\t[card]\tthanks"),
        ("amex 3782  822463  10005", "amex [card]"),
        ("exp 12/27  4111  1111  1111  1111", "exp 12/27  [card]"),
    ],
)
def test_a_card_with_its_groups_two_spaces_or_a_tab_apart_is_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的手机13812345678，谢谢", "我的手机[phone]，谢谢"),
        ("call 13812345678 or 138 1234 5678", "call [phone] or [phone]"),
        ("+86 138-1234-5678 or 19912345678.", "[phone] or [phone]."),
    ],
)
def test_a_mainland_china_mobile_number_is_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("write to jane dot doe at example dot com", "write to [email]"),
        ("mail jane(at)example.com please", "mail [email] please"),
        ("jane [at] example [dot] com, thanks", "[email], thanks"),
        ("JANE AT EXAMPLE DOT CO DOT UK", "[email]"),
    ],
)
def test_an_email_address_spelled_out_is_masked(tmp_path: Path, text: str, masked: str):
    assert stored(tmp_path, text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "order 4111  1111  1111  1112 and FedEx tracking 7946  1234  5678",  # the order number fails the Luhn check
        "amex 3782 822463 10006 1234",  # nor does this card, with or without its last group
        "code 123 4111 1111 1111 1112",  # a bare "code" may be any code; the number fails the Luhn check
        "order 12345678901, tracking 138123456789, order #13812345678",  # 12-prefixed, 12 digits, a '#' reference
        "look at the dot product; I worked at a dot com; sign in at support.example.com",
    ],
)
def test_numbers_and_words_near_the_new_kinds_are_left_alone(text: str):
    assert redact(text) == text

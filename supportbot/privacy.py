"""Masking of personal data: email addresses, phone numbers, card numbers and IBANs.

Logs are always masked; stored conversations are when `privacy.redact_stored` is set. Each kind is
checked the way it is issued, so ordinary numbers in support questions (order numbers, prices,
dates, quantities) stay readable: a card number must be grouped as cards are and pass the Luhn check, an IBAN its mod-97 check,
and a phone number must look like one as written (a leading +, an area code in parentheses, or
separated groups as in 555-123-4567, 020 7946 0958, 07700 900123 or 06 12 34 56 78). A bare run
of digits is left alone unless it is a valid card number.

A letter or digit touching a number or an address makes it part of a longer token (an order
reference, a product code), except a letter of a script written without spaces: "卡号4111111111111111"
holds a card number.
"""

from __future__ import annotations

import re
from collections.abc import Collection

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
CARD_MASK = "[card]"
IBAN_MASK = "[iban]"
MASKS = (EMAIL_MASK, PHONE_MASK, CARD_MASK, IBAN_MASK)

# Chinese, Japanese, Thai, Lao, Khmer and Burmese are written without spaces between words, and Korean
# puts its particles straight after a number; letters of these scripts do not join what they touch.
_SPACELESS = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Burmese, Khmer
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"  # kana and CJK ideographs
    "\uac00-\ud7af"  # Hangul
)
_JOINED = rf"[^\W{_SPACELESS}]"  # a word character that makes what it touches one token with it
_SPACES = " \u00a0\u2007\u202f"  # between groups of digits, also as the no-break spaces word processors put there
_SPACE = f"[{_SPACES}]"
_CARD_GAP = f"[{_SPACES}-]"
_PHONE_GAP = f"[{_SPACES}.-]"

EMAIL = re.compile(
    rf"(?<!{_JOINED})(?<![.+-])(?:{_JOINED}|[.+-])+"  # the local part
    r"@(?:[^\W_]|-)+(?:\.(?:[^\W_]|-)+)*"  # the domain, with its letters as written (bücher.de)
    rf"\.[A-Za-z]{{2,}}(?!{_JOINED})"
)
# 13-19 digits written as card numbers are: one run, groups of four (16, or 19 with a last group of
# three), or 4-6-5 / 4-6-4 (Amex, Diners). A run stands alone (two runs a space apart are two cards);
# groups are never part of a longer row of groups.
CARD = re.compile(
    rf"(?<!{_JOINED})(?<![.,+])(?<!\d-)\d{{13,19}}(?!{_JOINED}|[.,-]\d)"
    rf"|(?<!{_JOINED})(?<![.,+])(?<!\d{_CARD_GAP})"
    rf"(?:\d{{4}}(?:{_CARD_GAP}\d{{4}}){{3}}(?:{_CARD_GAP}\d{{3}})?|\d{{4}}{_CARD_GAP}\d{{6}}{_CARD_GAP}\d{{4,5}})"
    rf"(?!{_JOINED}|[.,]\d|{_CARD_GAP}\d)"
)
# Country code, check digits, then the account in groups of four (spaces optional), in either case. A
# word of four letters after the last group looks like one more: `_mask_iban` gives it back.
IBAN = re.compile(
    rf"(?<!{_JOINED})[A-Za-z]{{2}}\d{{2}}(?:{_SPACE}?[A-Za-z0-9]{{4}}){{2,7}}(?:{_SPACE}?[A-Za-z0-9]{{1,4}})?(?!{_JOINED})"
)
PHONE = re.compile(
    rf"(?<!{_JOINED})(?<![+#.,/-])(?<!\d{_PHONE_GAP})(?:"
    rf"\+\d{{1,3}}(?:{_PHONE_GAP}?\(?\d{{1,4}}\)?){{2,5}}"  # +44 20 7946 0958, +1 (555) 123-4567, +4915112345678
    rf"|\(\d{{2,5}}\){_PHONE_GAP}?\d{{3,4}}{_PHONE_GAP}?\d{{3,5}}"  # (555) 123-4567, (030) 1234 5678
    rf"|\d{{2,5}}{_PHONE_GAP}\d{{3,4}}{_PHONE_GAP}\d{{4,5}}"  # 555-123-4567, 020 7946 0958
    rf"|0\d{{4}}{_SPACE}\d{{6}}"  # 07700 900123, 01632 960123 (a UK number as the UK writes it)
    rf"|0\d(?:{_PHONE_GAP}\d{{2}}){{4}}"  # 06 12 34 56 78
    rf")(?!{_JOINED}|[.,]\d|{_PHONE_GAP}\d)"
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """The ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    compact = re.sub(_SPACE, "", iban)
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _mask_card(match: re.Match[str]) -> str:
    return CARD_MASK if luhn_valid(_digits(match.group())) else match.group()


def _mask_iban(match: re.Match[str]) -> str:
    """The longest valid IBAN the match starts with, masked; the words after it ("... 7034 ASAP") are kept."""
    text = match.group()
    ends = sorted({len(text), *(space.start() for space in re.finditer(_SPACE, text))}, reverse=True)
    for end in ends:
        if iban_valid(text[:end]):
            return IBAN_MASK + text[end:]
    return text


def _mask_phone(match: re.Match[str]) -> str:
    return PHONE_MASK if 7 <= len(_digits(match.group())) <= 15 else match.group()


# In this order: an IBAN's digits are no phone number, an email address's no card number.
_MASKERS = (
    (IBAN_MASK, IBAN, _mask_iban),
    (EMAIL_MASK, EMAIL, EMAIL_MASK),
    (CARD_MASK, CARD, _mask_card),
    (PHONE_MASK, PHONE, _mask_phone),
)


def redact(text: str, kinds: Collection[str] = MASKS) -> str:
    """`text` with every email address, phone number, card number and IBAN replaced by a [kind] mark;
    `kinds` (marks) limits it to some of them."""
    if not text:
        return text
    for mask, pattern, replacement in _MASKERS:
        if mask in kinds:
            text = pattern.sub(replacement, text)
    return text


def marks_in(text: str) -> set[str]:
    """The [kind] marks `text` holds: which kinds of personal data were masked in it."""
    return {mask for mask in MASKS if mask in text}

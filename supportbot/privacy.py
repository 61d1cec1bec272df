"""Masking of personal data: email addresses, phone numbers, card numbers and IBANs.

Logs are always masked; stored conversations are when `privacy.redact_stored` is set. Each kind is
checked the way it is issued, so ordinary numbers in support questions (order numbers, prices,
dates, quantities) stay readable: a card number must be grouped as cards are and pass the Luhn check, an IBAN its mod-97 check,
and a phone number must look like one as written (a leading +, an area code in parentheses, or
separated groups as in 555-123-4567, 020 7946 0958 or 06 12 34 56 78). A bare run
of digits is left alone unless it is a valid card number.
"""

from __future__ import annotations

import re

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
CARD_MASK = "[card]"
IBAN_MASK = "[iban]"

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# 13-19 digits written as card numbers are: one run, groups of four (16, or 19 with a last group of
# three), or 4-6-5 / 4-6-4 (Amex, Diners); never part of a longer run of digits or groups.
CARD = re.compile(
    r"(?<![\w.,+])(?<!\d[ -])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{3})?|\d{4}[ -]\d{6}[ -]\d{4,5})(?!\w|[.,]\d|[ -]\d)"
)
# Country code, check digits, then the account in groups of four (spaces optional).
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
PHONE = re.compile(
    r"(?<![\w+#.,/-])(?<!\d[ .-])(?:"
    r"\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}"  # +44 20 7946 0958, +1 (555) 123-4567, +4915112345678
    r"|\(\d{2,5}\)[ .-]?\d{3,4}[ .-]?\d{3,5}"  # (555) 123-4567, (030) 1234 5678
    r"|\d{2,5}[ .-]\d{3,4}[ .-]\d{4,5}"  # 555-123-4567, 020 7946 0958
    r"|0\d(?:[ .-]\d{2}){4}"  # 06 12 34 56 78
    r")(?!\w|[.,]\d|[ .-]\d)"
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
    compact = iban.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _mask_card(match: re.Match[str]) -> str:
    return CARD_MASK if luhn_valid(_digits(match.group())) else match.group()


def _mask_iban(match: re.Match[str]) -> str:
    return IBAN_MASK if iban_valid(match.group()) else match.group()


def _mask_phone(match: re.Match[str]) -> str:
    return PHONE_MASK if 7 <= len(_digits(match.group())) <= 15 else match.group()


def redact(text: str) -> str:
    """`text` with every email address, phone number, card number and IBAN replaced by a [kind] mark."""
    if not text:
        return text
    text = IBAN.sub(_mask_iban, text)
    text = EMAIL.sub(EMAIL_MASK, text)
    text = CARD.sub(_mask_card, text)
    return PHONE.sub(_mask_phone, text)

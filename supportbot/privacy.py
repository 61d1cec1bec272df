"""Masking of personal data: email addresses, phone numbers, card numbers and IBANs.

Logs are always masked; stored conversations are when `privacy.redact_stored` is set. Each kind is
checked the way it is issued, so ordinary numbers in support questions (order and tracking numbers,
prices, dates, quantities) stay readable: a card number must be grouped as cards are (a space, two
spaces, a tab, a dot or a dash apart), start as cards do (not with 0, 1, 20 or 21, as dated order
numbers do) and pass the Luhn check, an IBAN its mod-97 check, and a phone number must look like one
as written (a leading + or 00, an area code in parentheses, or separated groups as in 555-123-4567,
020 7946 0958, 07700 900123, 0412 345 678, 612 34 56 78 or 06 12 34 56 78; four digits then two
groups of four, as in a FedEx number, is not one unless it starts with 0). A bare run of digits is
left alone unless it is a valid card number or, as a mainland-China mobile number is written, 11
digits starting with 13 to 19. An email address spelled out to get past spam filters is one too
("jane(at)example.com", "jane dot doe at example dot com").

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
# Between groups of digits: also the no-break spaces word processors put there, the ideographic space,
# and the dashes that get typed for a hyphen (‐ – — − －, and ー from a Japanese keyboard).
_SPACES = " \u00a0\u2007\u202f\u3000"
_SPACE = f"[{_SPACES}]"
_DASHES = "\\-\u2010-\u2015\u2212\uff0d\u30fc"
_GAP = f"[{_SPACES}.{_DASHES}]"
_SEP = f"[{_SPACES}{_DASHES}]"  # a gap other than a dot
_CARD_GAP = f"(?:[.{_DASHES}]|[\t{_SPACES}]{{1,2}})"  # between cards, and their expiry dates and codes

_LOCAL = rf"(?:{_JOINED}|[.+%-])"  # a character of an address's local part; an apostrophe only inside one (o'brien)
_AT = "[@\uff20]"  # or the full-width ＠ of a Chinese or Japanese keyboard
_DOT = "[.\uff0e]"
EMAIL = re.compile(
    rf"(?<!{_LOCAL})(?<!{_LOCAL}'){_LOCAL}(?:{_LOCAL}|')*"  # the local part
    rf"{_AT}(?:[^\W_]|-)+(?:{_DOT}(?:[^\W_]|-)+)*"  # the domain, with its letters as written (bücher.de)
    # The top-level domain: punycode, Latin letters, letters of another script (.рф), or Chinese,
    # Japanese or Korean ones (.中国), which take the letters written after them along.
    rf"{_DOT}(?:xn--[A-Za-z0-9-]+|[A-Za-z]{{2,}}|[^\W\d_A-Za-z{_SPACELESS}]{{2,}}|[{_SPACELESS}]{{2,}})(?!{_JOINED})"
)
# Written out to get past spam filters: "jane(at)example.com", "jane [at] example [dot] com", "jane dot doe
# at example dot com". A bare "at" is an address's only with a spelled-out dot before a common top-level
# domain, and not before "a" or "the" ("worked at a dot com", "look at the dot product": no address).
_BRACKETED = r"{space}{{0,2}}[(\[{{<]{space}?(?i:{word}){space}?[)\]}}>]{space}{{0,2}}"  # (at) [dot] {at} <dot>
_BRACKETED_AT = _BRACKETED.format(space=_SPACE, word="at")
_SPELLED_DOT = f"(?:{_BRACKETED.format(space=_SPACE, word='dot')}|{_SPACE}{{1,2}}(?i:dot){_SPACE}{{1,2}})"
_WORD_AT = rf"{_SPACE}{{1,2}}(?i:at){_SPACE}{{1,2}}(?!(?i:an?|the|this|that|my|our|your|its|their){_SPACE})"
_LABEL = r"(?:[^\W_]|-)++"  # possessive: a long run of letters is read once, whatever follows it
_COMMON_TLD = "(?i:com|net|org|edu|gov|info|biz|io|uk|ca|au|de|fr|nl|cn|jp|ru|br)"
SPELLED_EMAIL = re.compile(
    rf"(?<!{_LOCAL})(?<!{_LOCAL}'){_LOCAL}(?:{_LOCAL}|')*+(?:{_SPELLED_DOT}{_LOCAL}++){{0,3}}+(?:"
    rf"{_BRACKETED_AT}(?:{_LABEL}(?:{_SPELLED_DOT}|{_DOT})){{1,4}}[A-Za-z]{{2,}}+"
    rf"|(?:{_WORD_AT}|{_AT})(?:{_LABEL}(?:{_SPELLED_DOT}|{_DOT})){{0,3}}{_LABEL}{_SPELLED_DOT}{_COMMON_TLD}"
    rf")(?!{_JOINED})"
)
# 13-19 digits written as card numbers are: one run, groups of four (16, or 19 with a last group of
# three, which is also how a card and its security code are written), or 4-6-5 / 4-6-4 (Amex, Diners;
# an Amex's four-digit code may follow as a last group). No card starts with 0, 1, 20 or 21; many order
# numbers do (20240115...).
_CARD_START = "(?![01]|2[01])"


def _grouped_card(gap: str) -> str:
    """A card's groups (and a security code after them), all `gap` apart."""
    return rf"\d{{4}}(?:{gap}\d{{4}}){{3}}(?:{gap}\d{{3}})?|\d{{4}}{gap}\d{{6}}{gap}(?:\d{{5}}(?:{gap}\d{{4}})?|\d{{4}})"


# Groups are also typed two spaces apart, or a tab apart but then all of them: a tab after a card's
# last group, as between a table's columns, is no gap before a security code.
_GROUPED_CARD = "|".join(_grouped_card(gap) for gap in (f"(?:{_GAP}|{_SPACE}{{2}})", "\t"))
_CARD = rf"{_CARD_START}(?:\d{{13,19}}|{_GROUPED_CARD})(?!\d)"
_EXPIRY = r"(?:0?[1-9]|1[0-2])/(?:20)?\d\d(?!\d)"  # 12/27, 12/2027
_AFTER_EXPIRY = rf"(?<=/\d\d{_GAP})|(?<=/\d{{4}}{_GAP})"
# A security code before the card: named (cvv 123, CID: 1234), or after the expiry date (09/27 123).
_CODE_BEFORE = (
    rf"(?P<code>(?:(?i:cvv2?|cvc2?|cvn|cid|csc|code)[:：#]?{_SPACE}?|{_EXPIRY}{_CARD_GAP})\d{{3,4}}{_CARD_GAP})"
)
# Cards a gap apart are each a card, and one may come before or after its expiry date or after its
# security code; otherwise groups are never part of a longer row of groups (a tracking number), one
# gap (not a tab, as between a table's columns) away. A run may also stand beside other numbers.
CARD = re.compile(
    rf"(?<!{_JOINED})(?<![.,+])(?:(?<!\d{_GAP})|{_AFTER_EXPIRY}|{_CODE_BEFORE})"
    rf"{_CARD}(?:{_CARD_GAP}{_CARD})*(?:{_CARD_GAP}{_EXPIRY}|(?!{_JOINED}|,\d|{_GAP}\d))"
    rf"|(?<!{_JOINED})(?<![.,+])(?<!\d[{_DASHES}]){_CARD_START}\d{{13,19}}(?!{_JOINED}|[.,{_DASHES}]\d)"
)
_ONE_CARD = re.compile(_CARD)
# Country code, check digits, then the account in groups of four (spaces optional), in either case. A
# word of four letters after the last group looks like one more: `_mask_iban` gives it back.
IBAN = re.compile(
    rf"(?<!{_JOINED})[A-Za-z]{{2}}\d{{2}}(?:{_SPACE}?[A-Za-z0-9]{{4}}){{2,7}}(?:{_SPACE}?[A-Za-z0-9]{{1,4}})?(?!{_JOINED})"
)
_GROUP = r"(?:\(\d{1,4}\)|\d++)"  # after a country code: digits, or an area code in parentheses; never a lone bracket
PHONE = re.compile(
    rf"(?<!{_JOINED})(?<![+#.,/{_DASHES}])(?<!\d{_GAP})(?:"
    # +44 20 7946 0958, +1 (555) 123-4567, +4915112345678, (+44) 20 7946 0958
    rf"(?:\+\d{{1,3}}|\(\+\d{{1,3}}\))(?:{_GAP}?{_GROUP}){{1,6}}"
    rf"|00[1-9]\d{{0,2}}(?={_GAP})(?:{_GAP}?{_GROUP}){{2,6}}"  # 0044 20 7946 0958 (a bare 00123456 is a reference)
    rf"|(?:[18]{_GAP})?(?:"  # 1-800-555-0199, 8 (495) 123-45-67: the trunk prefix of North America and Russia
    # (555) 123-4567, (030) 1234 5678, (11) 91234-5678, (495) 123-45-67
    rf"\(\d{{2,5}}\){_GAP}?(?:\d{{3,5}}{_GAP}?\d{{3,5}}|\d{{3}}{_GAP}\d{{2}}{_GAP}\d{{2}})"
    # 555-123-4567, 020 7946 0958, 0151 1234 5678 (but four digits first only after a 0: not FedEx's 7946 1234 5678)
    rf"|(?:(?!00)\d{{2,3}}|0[1-9]\d{{2,3}}){_GAP}\d{{3,4}}{_GAP}\d{{4,5}}"
    rf"|0[1-9]\d{{2}}{_GAP}\d{{3}}{_GAP}\d{{3}}"  # 0412 345 678
    # 612 34 56 78; 079 123 45 67, 0532 123 45 67, 8 916 123 45 67 (not 100 200 30 40, a list, or an IP address)
    rf"|(?:[6-9]\d{{2}}{_SEP}\d{{2}}|0[1-9]\d{{1,2}}{_SEP}\d{{2,3}}|8{_SEP}\d{{3}}{_SEP}\d{{3}})(?:{_SEP}\d{{2}}){{2}}"
    rf"|0[1-9]\d{{0,3}}{_SPACE}\d{{6,8}}"  # 07700 900123, 030 12345678 (as the UK and Germany write them)
    rf"|0\d(?:{_GAP}\d{{2}}){{4}}"  # 06 12 34 56 78
    rf"))(?!{_JOINED}|,\d|{_GAP}\d)"
)

# A mainland-China mobile number as one run: 11 digits, 13x to 19x (grouped or after +86 it is a PHONE).
CN_MOBILE = re.compile(rf"(?<!{_JOINED})(?<![+#.,/{_DASHES}])1[3-9]\d{{9}}(?!{_JOINED}|[.,{_DASHES}]\d)")


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


_LAST_GROUP = re.compile(r"\d+$")


def _mask_one_card(match: re.Match[str]) -> str:
    card = match.group()
    digits = _digits(card)
    # 19 digits in groups: a 19-digit card, or a 16-digit one and its 3-digit security code (four groups
    # of four, then three), or a 15-digit Amex and its 4-digit one (4-6-5, then four).
    code = _LAST_GROUP.search(card).group()
    with_code = len(digits) == 19 and not card.isdigit() and luhn_valid(digits[: -len(code)])
    return CARD_MASK if luhn_valid(digits) or with_code else card


def _mask_card(match: re.Match[str]) -> str:
    """Each valid card of a row of cards masked; an expiry date after them, or a security code written
    before them, kept."""
    code = match.group("code") or ""
    return code + _ONE_CARD.sub(_mask_one_card, match.group()[len(code) :])


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
    (EMAIL_MASK, SPELLED_EMAIL, EMAIL_MASK),
    (CARD_MASK, CARD, _mask_card),
    (PHONE_MASK, PHONE, _mask_phone),
    (PHONE_MASK, CN_MOBILE, PHONE_MASK),
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

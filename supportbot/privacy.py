"""Masking of personal data: email addresses, phone numbers, card numbers (and security codes), IBANs and
national ID numbers (US Social Security, UK National Insurance, mainland-China resident ID numbers).

Logs are always masked; stored conversations are when `privacy.redact_stored` is set. Each kind is
checked the way it is issued, so ordinary numbers in support questions (order and tracking numbers,
prices, dates, quantities) stay readable: a card number must be grouped as cards are (a space, two
spaces, a tab, a dot or a dash apart), start as cards do (not with 0, 1, 20 or 21, as dated order
numbers do) and pass the Luhn check, an IBAN its mod-97 check, and a phone number must look like one
as written (a leading + or 00, an area code in parentheses, or separated groups as in 555-123-4567,
020 7946 0958, 07700 900123, 0412 345 678, 612 34 56 78 or 06 12 34 56 78; four digits then two
groups of four, as in a FedEx number, is not one unless it starts with 0). A bare run of digits is
left alone unless it is a valid card number or, as a mainland-China mobile number is written, 11
digits starting with 13 to 19; phone numbers a space apart are each masked. An email address spelled out
to get past spam filters is one too ("jane(at)example.com", "jane dot doe at example dot com", and "jane at
example.com" where it reads as one). A security code is masked where it is named ("cvc 123", "cvv-123") and,
unnamed, right after a card's expiry date ("4111 1111 1111 1111 09/27 123"). A national ID number is masked
where it is written as issued and passes its checks (`privacy_checks`); one without a shape of its own (a US
Social Security number as nine digits in a row, an old 15-digit mainland-China ID) only where it is named.

A letter or digit touching a number or an address makes it part of a longer token (an order
reference, a product code), except a letter of a script written without spaces: "卡号4111111111111111"
holds a card number. A comma touching a number makes it part of a longer number only where it stands
between digits as in 1,234,567 or 0,5 (at most three digits before it), though a card number after a whole
number other than 0 is the next field of a row ("1,4111111111111111"); elsewhere it separates, as ", " does:
"Visa,4111111111111111", "4111111111111111,12/27,123" and "+14155550100,+14155550101" are masked.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Collection

from supportbot.privacy_checks import cn_id_valid, iban_valid, luhn_valid, nino_valid, old_cn_id_valid, ssn_valid

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
CARD_MASK = "[card]"
IBAN_MASK = "[iban]"
NATIONAL_ID_MASK = "[national-id]"
MASKS = (EMAIL_MASK, PHONE_MASK, CARD_MASK, IBAN_MASK, NATIONAL_ID_MASK)

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
_CARD_GAP = f"(?:[.,{_DASHES}]|[\t{_SPACES}]{{1,2}})"  # between cards, and their expiry dates and codes
# A comma between digits is a thousands separator or a decimal comma (1,234,567; 0,5555; 12,50) where the
# digits before it are at most three, so no card or phone number starts or ends at one. After a longer run
# (4111111111111111,4012888888881881) or a date (12/27,4111111111111111) it separates, as ", " does.
_COMMA_IN_NUMBER_BEFORE = r"(?<=\d,)(?<!\d{4},)(?<!/\d,)(?<!/\d\d,)\d"  # checked where a number starts
_COMMA_IN_NUMBER_AFTER = r"(?<=\d)(?<!\d{4}),\d"  # checked where a number ends
# No one writes thirteen decimals or more after a whole number, though: a card after "1," or "999," is the next
# field of a row ("1,4111111111111111", a CSV line). Its digits read as a decimal part only after 0
# ("0,4111111111111111") or after a number that has a separator already ("1.234,5555555555555556").
_DECIMAL_PART_BEFORE = (
    r"(?<=\d,)(?<!\d{4},)(?<!/\d,)(?<!/\d\d,)"
    r"(?:(?<=0,)(?<![\d.,]0,)|(?<=\d[.,]\d,)|(?<=\d[.,]\d\d,)|(?<=\d[.,]\d\d\d,))\d"
)

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
# "jane at example.com": the word "at" with the dots written. Just as often a website's name after a verb
# ("start a return at larkspurgoods.com"), so `_mask_word_at_email` masks it only where it reads as an
# address: named one just before ("my email is ...", "email: ..."), shaped as one (jane.doe, jsmith84), or
# alone on its line, as the answer to "what's your email?".
WORD_AT_EMAIL = re.compile(
    rf"(?P<indent>(?m:^)[ \t]*+)?(?<!{_LOCAL})(?<!{_LOCAL}')(?P<local>{_LOCAL}(?:{_LOCAL}|')*+){_WORD_AT}"
    rf"(?:{_LABEL}{_DOT}){{1,3}}{_COMMON_TLD}(?!{_JOINED}|{_DOT}[^\W_])(?P<line_end>(?=[ \t\r.!。]*+(?m:$)))?"
)
_ADDRESS_NAMED = re.compile(
    rf"(?<![^\W_])(?:(?i:e-?mail|mail)(?:{_SPACE}(?i:address|id))?(?:{_SPACE}?[:：]|{_SPACE}(?i:is|was))?"
    rf"|(?i:write|send|reply|forward)(?:{_SPACE}(?i:it|this|them))?{_SPACE}(?i:to)){_SPACE}{{1,2}}$"
)
_ADDRESS_SHAPED = re.compile(r"[^\W_]+(?:[._+][^\W_]+)+|[A-Za-z]{2,}\d+")
_PRONOUNS = {"us", "me", "you", "him", "her", "them", "it"}  # "email us at larkspurgoods.com": a website
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
# CVV, CVC and CVN are also joined to their code by a hyphen (cvv-123, CVV-2-123); "CID-1234" and "CSC-123"
# read as references (a ticket key's shape), as "code-123" does.
_CVV = rf"(?i:cvv|cvc|cvn)(?:2|[{_DASHES}]2(?!\d))?"
# A security code before the card: named (cvv 123, cvv-123, CID: 1234), or after the expiry date (09/27 123).
_CODE_BEFORE = (
    rf"(?P<code>(?:(?P<code_name>{_CVV}[{_DASHES}]|(?:{_CVV}|(?i:cid|csc|code))[:：#]?{_SPACE}?)|{_EXPIRY}{_CARD_GAP})"
    rf"(?P<code_digits>\d{{3,4}}){_CARD_GAP})"
)
# and after it, right after the expiry date that follows the card (4111 1111 1111 1111 09/27 123), unless
# more digits follow that are no card
_CODE_AFTER = (
    rf"{_CARD_GAP}(?P<code_after>\d{{3,4}})(?!{_JOINED}|{_COMMA_IN_NUMBER_AFTER}|/\d|{_GAP}(?!{_CARD})\d)"
)
# A number a space apart that is not a group of four ("order 12345 4111 1111 1111 1111") is no group
# of the card's: only a row of groups of four can't be told from a card (a tracking number).
_AFTER_NUMBER = rf"(?<=\d[\t{_SPACES}])(?<!(?<!\d)\d{{4}}[\t{_SPACES}])"
# Cards a gap apart are each a card, and one may come before or after its expiry date or after its
# security code; otherwise groups are never part of a longer row of groups (a tracking number), one
# gap (not a tab, as between a table's columns) away. A run may also stand beside other numbers.
CARD = re.compile(  # each branch starts with a digit or a code's name (all start with c): others are skipped fast
    rf"(?=[\dCc])(?<!{_JOINED})(?<![.+])(?!{_DECIMAL_PART_BEFORE})"
    rf"(?:(?<!\d{_GAP})|{_AFTER_EXPIRY}|{_AFTER_NUMBER}|{_CODE_BEFORE})"
    rf"{_CARD}(?:{_CARD_GAP}{_CARD})*(?:{_CARD_GAP}{_EXPIRY}(?:{_CODE_AFTER})?|(?!{_JOINED}|{_COMMA_IN_NUMBER_AFTER}|{_GAP}\d))"
    rf"|(?=\d)(?<!{_JOINED})(?<![.+])(?!{_DECIMAL_PART_BEFORE})(?<!\d[{_DASHES}]){_CARD_START}\d{{13,19}}"
    rf"(?!{_JOINED}|[.{_DASHES}]\d|{_COMMA_IN_NUMBER_AFTER})"
)
_ONE_CARD = re.compile(_CARD)
# A security code is payment data no log may keep once a payment is authorised (PCI DSS), so one is
# masked wherever it is named (cvc 123, CVV: 4821, security code 123, CID 1234, 安全码 123), beside a card
# or not; the name stays. A bare "code 123" is too often a discount, error or postal code.
_CODE_NAME = (
    rf"(?:{_CVV}|(?i:csc|cid|(?:card{_SPACE})?security{_SPACE}code|card{_SPACE}verification{_SPACE}(?:code|value|number)))"
    rf"(?:{_SPACE}?(?i:code|number|no\.?)|码)?|安全[码碼]"
)
SECURITY_CODE = re.compile(
    rf"(?<!{_JOINED})(?P<name>(?:{_CODE_NAME})(?:{_SPACE}{{0,2}}[:：#=]|{_SPACE}(?i:is))?{_SPACE}{{0,2}}|{_CVV}[{_DASHES}])"
    rf"\d{{3,4}}(?!{_JOINED}|[.,/{_DASHES}]\d)"
)
# Country code, check digits, then the account in groups of four (spaces optional), in either case. A
# word of four letters after the last group looks like one more: `_mask_iban` gives it back.
IBAN = re.compile(
    rf"(?<!{_JOINED})[A-Za-z]{{2}}\d{{2}}(?:{_SPACE}?[A-Za-z0-9]{{4}}){{2,7}}(?:{_SPACE}?[A-Za-z0-9]{{1,4}})?(?!{_JOINED})"
)
_GROUP = r"(?:\(\d{1,4}\)|\d++)"  # after a country code: digits, or an area code in parentheses; never a lone bracket
_ONE_PHONE = (
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
    rf")"
)
# No phone number begins or ends a longer row of digit groups ...
_NOT_IN_A_ROW_BEFORE = rf"(?<!{_JOINED})(?<![+#./{_DASHES}])(?!{_COMMA_IN_NUMBER_BEFORE})(?<!\d{_GAP})"
_NOT_IN_A_ROW_AFTER = rf"(?!{_JOINED}|{_COMMA_IN_NUMBER_AFTER}|{_GAP}\d)"
PHONE = re.compile(rf"{_NOT_IN_A_ROW_BEFORE}(?:{_ONE_PHONE}){_NOT_IN_A_ROW_AFTER}")
# ... but phone numbers a space apart are each masked ("+14155550100 +14155550101", "555-123-4567 020 7946 0958"):
# once PHONE has masked those it can, a row of numbers written as phone numbers (a mainland-China mobile as one
# run too), or masked already, is split by `_mask_phone_row`.
_PHONE_APART = f"{_SPACE}{{1,2}}"
_IN_A_ROW = rf"{_ONE_PHONE}|1[3-9]\d{{9}}(?!\d)|{re.escape(PHONE_MASK)}"
PHONE_ROW = re.compile(
    rf"{_NOT_IN_A_ROW_BEFORE}(?:{_IN_A_ROW})(?:{_PHONE_APART}(?:{_IN_A_ROW}))+{_NOT_IN_A_ROW_AFTER}"
)
_PHONE_IN_A_ROW = re.compile(_IN_A_ROW)
_PHONE_BEFORE_GAP = re.compile(rf"(?:{_IN_A_ROW})(?={_PHONE_APART}|\Z)")
_PHONE_GAP = re.compile(_PHONE_APART)
_LONGEST_PHONE = 40  # characters, as written: 15 digits (the most ITU-T E.164 allows) and their separators

# A mainland-China mobile number as one run: 11 digits, 13x to 19x (grouped or after +86 it is a PHONE).
CN_MOBILE = re.compile(
    rf"(?<!{_JOINED})(?<![+#./{_DASHES}])(?!{_COMMA_IN_NUMBER_BEFORE})1[3-9]\d{{9}}"
    rf"(?!{_JOINED}|[.{_DASHES}]\d|{_COMMA_IN_NUMBER_AFTER})"
)

# National ID numbers as written, each then checked by its issuing rules (`privacy_checks`): a US Social
# Security number with dashes or spaces (123-45-6789; nine digits in a row are as often an order number),
# a UK National Insurance number (AB 12 34 56 C), a mainland-China resident ID (18 characters: region,
# date of birth, sequence, a check digit that may be X; or grouped 6-8-4).
SSN = re.compile(
    rf"(?<!{_JOINED})(?<![+#./{_DASHES}])(?!{_COMMA_IN_NUMBER_BEFORE})(?<!\d{_GAP})(?P<area>\d{{3}})(?P<sep>{_SEP})"
    rf"(?P<group>\d{{2}})(?P=sep)(?P<serial>\d{{4}})(?!{_JOINED}|{_COMMA_IN_NUMBER_AFTER}|{_GAP}\d)"
)
NINO = re.compile(rf"(?<!{_JOINED})[A-Za-z]{{2}}(?:{_SPACE}?\d{{2}}){{3}}{_SPACE}?[A-Da-d](?!{_JOINED})")
_CN_REGION = "(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3])"  # a province's code, first of six region digits
CN_ID = re.compile(
    rf"(?<!{_JOINED})(?<![+#./{_DASHES}])(?!{_COMMA_IN_NUMBER_BEFORE}){_CN_REGION}\d{{4}}(?P<gap>{_SPACE}?)"
    rf"(?:18|19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?P=gap)\d{{3}}[\dXx]"
    rf"(?!{_JOINED}|[.{_DASHES}]\d|{_COMMA_IN_NUMBER_AFTER})"
)
# Two more have no shape of their own (nine or fifteen digits in a row are as often an order number), so they
# are masked where named, the name kept: a US Social Security number ("SSN 123456789", "social security
# number: 123456789"), and a first-generation mainland-China resident ID, issued until 2004 (15 digits:
# region, YYMMDD birth date, sequence; no check digit): "身份证号110105491231002", "ID card no. 110105 491231 002".
# A bare "ID" is too often a user's, a session's or a transaction's.
_ID_JOINER = rf"(?:{_SPACE}{{0,2}}[:：#={_DASHES}]|{_SPACE}(?i:is)|是)?{_SPACE}{{0,2}}"
_ID_END = rf"(?!{_JOINED}|{_COMMA_IN_NUMBER_AFTER}|/\d|{_GAP}\d)"
NAMED_SSN = re.compile(
    rf"(?<!{_JOINED})(?P<name>(?i:ssn|social{_SPACE}security)(?:{_SPACE}?(?i:number|no\.?))?{_ID_JOINER})"
    rf"(?P<area>\d{{3}})(?P<group>\d{{2}})(?P<serial>\d{{4}}){_ID_END}"
)
_CN_ID_NAME = (
    rf"(?:居民)?身份证(?:号码?)?|证件号码?|(?i:id{_SPACE}?(?:number|no\.?))"
    rf"|(?i:(?:(?:resident|national){_SPACE})?id{_SPACE}?card|identity{_SPACE}card|(?:resident|national){_SPACE}id)"
    rf"(?:{_SPACE}?(?i:number|no\.?))?"
)
OLD_CN_ID = re.compile(
    rf"(?<!{_JOINED})(?P<name>(?:{_CN_ID_NAME}){_ID_JOINER})"
    rf"(?P<id>{_CN_REGION}\d{{4}}(?P<gap>{_SPACE}?)\d{{6}}(?P=gap)\d{{3}}){_ID_END}"
)
# Their shapes are also those of some part numbers and SKUs: one named as such just before is kept.
_NAMED_REFERENCE = re.compile(
    rf"(?<![^\W_])(?i:order|part|sku|item|model|product|article|ref|reference|invoice|serial|tracking|ticket|case)"
    rf"(?:{_SPACE}(?i:no|number|id)\.?)?{_SPACE}?[:：#]?{_SPACE}{{0,2}}$|(?:订单|运单|快递单|单)号?码?[:：]?{_SPACE}?$"
)


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
    """Each valid card of a row of cards masked, and an unnamed security code beside their expiry date; the
    date, and a named code before them (masked by SECURITY_CODE where its name is a code's), kept."""
    text, start = match.group(), match.start()
    before = match["code"] or ""
    end = match.start("code_after") - start if match["code_after"] else len(text)
    cards = _ONE_CARD.sub(_mask_one_card, text[len(before) : end])
    if CARD_MASK not in cards:  # no card, so no card's code
        return text
    if match["code_digits"] and match["code_name"] is None:  # 09/27 123 4111 1111 1111 1111
        before = before[: match.start("code_digits") - start] + CARD_MASK + before[match.end("code_digits") - start :]
    return before + cards + (CARD_MASK if match["code_after"] else "")


def _mask_iban(match: re.Match[str]) -> str:
    """The longest valid IBAN the match starts with, masked; the words after it ("... 7034 ASAP") are kept."""
    text = match.group()
    ends = sorted({len(text), *(space.start() for space in re.finditer(_SPACE, text))}, reverse=True)
    for end in ends:
        if iban_valid(text[:end]):
            return IBAN_MASK + text[end:]
    return text


def _mask_word_at_email(match: re.Match[str]) -> str:
    local, indent = match["local"], match["indent"]
    if local.lower() in _PRONOUNS or local.endswith("."):  # "e.g. at example.com": no address ends with a dot
        return match.group()
    alone = indent is not None and match["line_end"] is not None
    named = _ADDRESS_NAMED.search(match.string, max(0, match.start("local") - 40), match.start("local"))
    shaped = len(local) >= 5 and _ADDRESS_SHAPED.fullmatch(local)
    return (indent or "") + EMAIL_MASK if alone or named or shaped else match.group()


def _national_id_masker(valid: Callable[[re.Match[str]], bool]) -> Callable[[re.Match[str]], str]:
    """Masks a match that passes `valid` and is not named a part number, SKU or order number; the name of an
    ID number the match starts with ("SSN ", "身份证号") is kept."""

    def mask(match: re.Match[str]) -> str:
        named = _NAMED_REFERENCE.search(match.string, max(0, match.start() - 30), match.start())
        name = match.groupdict().get("name") or ""
        return name + NATIONAL_ID_MASK if valid(match) and not named else match.group()

    return mask


def _mask_phone(match: re.Match[str]) -> str:
    return PHONE_MASK if 7 <= len(_digits(match.group())) <= 15 else match.group()


def _phones_in(row: str) -> list[tuple[int, int]]:
    """Where the phone numbers of a row of numbers written as phone numbers, a space apart, start and end: the row
    split so that the most digits are in phone numbers of 7 to 15 digits (with fewer, longer numbers on a tie), its
    other numbers kept as written ("+1 2  555-123-4567"); none where the row can't be split into such numbers."""
    phones, start = [], 0  # the usual row first: each number as the pattern reads it, if none has over 15 digits
    while (number := _PHONE_BEFORE_GAP.match(row, start)) and (digits := len(_digits(number.group()))) <= 15:
        phones += [number.span()] if digits >= 7 else []  # else too short to be one ("+1 2"), or masked already
        if number.end() == len(row):
            return phones
        start = _PHONE_GAP.match(row, number.end()).end()
    gaps = [(gap.start(), gap.end()) for gap in _PHONE_GAP.finditer(row)]
    ends = [start for start, _ in gaps] + [len(row)]  # where a number may end, in order
    after = {start: end for start, end in gaps}
    # a start -> (digits in phone numbers from it on, -numbers from it on, its number's end, whether that is a phone)
    best: dict[int, tuple[int, int, int, bool]] = {len(row): (0, 0, len(row), False)}
    for start in reversed([0] + [end for _, end in gaps]):
        first, last = bisect_right(ends, start), bisect_right(ends, start + _LONGEST_PHONE)
        for end in ends[first:last]:
            if (rest := best.get(after.get(end, end))) is None or not _PHONE_IN_A_ROW.fullmatch(row, start, end):
                continue
            digits = len(_digits(row[start:end]))
            digits = digits if 7 <= digits <= 15 else 0  # in a phone number
            best[start] = max(best.get(start, (-1, 0, 0, False)), (rest[0] + digits, rest[1] - 1, end, bool(digits)))
    phones, start = [], 0
    while start < len(row) and start in best:
        _, _, end, phone = best[start]
        phones += [(start, end)] if phone else []
        start = after.get(end, len(row))
    return phones if start == len(row) else []


def _mask_phone_row(match: re.Match[str]) -> str:
    row = match.group()
    masked, last = [], 0
    for start, end in _phones_in(row):
        masked += [row[last:start], PHONE_MASK]
        last = end
    return "".join(masked) + row[last:]


# In this order: an IBAN's digits are no phone number, an email address's or an ID number's no card number,
# and a security code written before a card is found with the card first.
_MASKERS = (
    (IBAN_MASK, IBAN, _mask_iban),
    (EMAIL_MASK, EMAIL, EMAIL_MASK),
    (EMAIL_MASK, SPELLED_EMAIL, EMAIL_MASK),
    (EMAIL_MASK, WORD_AT_EMAIL, _mask_word_at_email),
    (NATIONAL_ID_MASK, CN_ID, _national_id_masker(lambda match: cn_id_valid(match.group()))),
    (NATIONAL_ID_MASK, OLD_CN_ID, _national_id_masker(lambda match: old_cn_id_valid(match["id"]))),
    (NATIONAL_ID_MASK, NAMED_SSN, _national_id_masker(lambda match: ssn_valid(match["area"], match["group"], match["serial"]))),
    (NATIONAL_ID_MASK, SSN, _national_id_masker(lambda match: ssn_valid(match["area"], match["group"], match["serial"]))),
    (NATIONAL_ID_MASK, NINO, _national_id_masker(lambda match: nino_valid(match.group()))),
    (CARD_MASK, CARD, _mask_card),
    (CARD_MASK, SECURITY_CODE, rf"\g<name>{CARD_MASK}"),
    (PHONE_MASK, PHONE, _mask_phone),
    (PHONE_MASK, PHONE_ROW, _mask_phone_row),
    (PHONE_MASK, CN_MOBILE, PHONE_MASK),
)


def redact(text: str, kinds: Collection[str] = MASKS) -> str:
    """`text` with every email address, phone number, card number (and security code), IBAN and national ID
    number replaced by a [kind] mark; `kinds` (marks) limits it to some of them."""
    if not text:
        return text
    for mask, pattern, replacement in _MASKERS:
        if mask in kinds:
            text = pattern.sub(replacement, text)
    return text


def marks_in(text: str) -> set[str]:
    """The [kind] marks `text` holds: which kinds of personal data were masked in it."""
    return {mask for mask in MASKS if mask in text}

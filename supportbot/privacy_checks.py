"""Whether a number found in text could have been issued: the check digits and allocation rules of card
numbers, IBANs and national ID numbers, so that an order number of the same shape is left readable."""

from __future__ import annotations

import re
from datetime import date

_NOT_ALNUM = re.compile(r"[\W_]")


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
    compact = "".join(char for char in iban if not char.isspace())
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """A US Social Security number as issued: no area 000, 666 or 9xx (ITINs and ads use those), no group
    00, no serial 0000."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


# UK National Insurance numbers: these first letters, second letters and prefixes are never allocated.
_NINO_NOT_FIRST = set("DFIQUV")
_NINO_NOT_SECOND = set("DFIOQUV")
_NINO_NOT_PREFIX = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_valid(nino: str) -> bool:
    """A UK National Insurance number as allocated: two letters (not every pair is), six digits, A to D."""
    compact = _NOT_ALNUM.sub("", nino).upper()
    prefix = compact[:2]
    return (
        len(compact) == 9
        and prefix[0] not in _NINO_NOT_FIRST
        and prefix[1] not in _NINO_NOT_SECOND
        and prefix not in _NINO_NOT_PREFIX
        and compact[-1] in "ABCD"
    )


_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def cn_id_valid(id_number: str) -> bool:
    """A mainland-China resident ID (18 characters): its last is the ISO 7064 MOD 11-2 check of the other 17."""
    compact = _NOT_ALNUM.sub("", id_number).upper()
    if len(compact) != 18 or not compact[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(compact[:17], _CN_ID_WEIGHTS))
    return compact[17] == "10X98765432"[total % 11]


def old_cn_id_valid(id_number: str) -> bool:
    """A first-generation mainland-China resident ID (15 digits, issued until 2004): region, a birth date
    YYMMDD (19YY) that the calendar has, sequence. It has no check digit."""
    compact = _NOT_ALNUM.sub("", id_number)
    if len(compact) != 15 or not compact.isdigit():
        return False
    try:
        date(1900 + int(compact[6:8]), int(compact[8:10]), int(compact[10:12]))
    except ValueError:
        return False
    return True

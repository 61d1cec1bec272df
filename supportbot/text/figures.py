"""The figures a sentence states (amounts, durations, counts, percentages, dates, times, codes), normalised.

A support answer hurts most when a figure is wrong, so grounding compares figures, not strings.
Normalising first means "5-7", "5–7", "5 to 7" and "five to seven" are one range; "$25", "25 USD"
and "25.00" one amount; "30-day" and "30 days" one number; "1 pm" and "1:00 PM" one time; and
"December 14, 2026" and "Dec 14" one date (a date without a year matches the same day in any year).
A duration keeps its unit: "30 weeks" is not "30 days", "5-7 business days" is "5-7 days"; units of fixed length
convert ("a week" is "7 days", "1 hour" is "60 minutes", "a year" is "12 months"), but a business day is no
calendar day ("a week" is not "7 business days") and a month has no fixed number of days.
A number that is part of a name or code ("LG-482913", "SKU 4471", "1-800-555-0142") is kept as a
code: it matches only the same code, never a quantity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}  # fmt: skip
MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
# Words before a number that make it part of a name: "Model 3", "SKU 4471", "order #1234".
CODE_WORDS = frozenset({"model", "sku", "item", "order", "no", "number", "version", "v", "room", "suite", "apt", "unit", "gate", "flight"})

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORD_NUMBER = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DASH = r"\s*(?:-|–|—|to|through)\s*"
_CURRENCY = r"[$£€]"
_PATTERNS = [
    # Codes first, so their digits are not read again as quantities.
    ("code", rf"\b(?:[A-Z]{{1,5}}-\d{{2,}}|\d+(?:-\d+){{2,}}|(?:{'|'.join(CODE_WORDS)})\.?\s*#?\s*\d+|#\d+)\b"),
    ("date", rf"\b(?:{_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b"),
    ("date", rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})\b\.?(?:,?\s+(\d{{4}}))?"),
    ("isodate", r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    ("slashdate", r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b"),
    ("time", r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\b\.?"),
    ("range", rf"\bbetween\s+{_CURRENCY}?({_NUMBER}|{_WORD_NUMBER})\s*%?\s+and\s+{_CURRENCY}?({_NUMBER}|{_WORD_NUMBER})\b"),
    ("range", rf"{_CURRENCY}?({_NUMBER})\s*%?{_DASH}{_CURRENCY}?({_NUMBER})(?!\.\d)"),
    ("range", rf"\b({_WORD_NUMBER}){_DASH}({_WORD_NUMBER})\b"),
    ("amount", rf"{_CURRENCY}\s?({_NUMBER})|\b({_NUMBER})\s?(?:usd|dollars|eur|euros|gbp)\b"),
    ("number", rf"({_NUMBER})"),
    ("number", rf"\b({_WORD_NUMBER})\b"),
]
_COMPILED = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _PATTERNS]
_UNITS = "minute|hour|day|week|month|year"  # the units a duration is counted in, singular
# "a" or "an" as the number of a duration: "within a week", "expire after an hour", "for a year". Only after the
# words that introduce a length of time, so a rate ("24 hours a day", "$5 a month", "twice a week") states none.
_ONE_UNIT = re.compile(
    r"\b(?:within|in|for|after|over|under|about|around|than|least|most|to|only|just|nearly|almost|roughly|"
    rf"approximately|takes?|took|lasts?)\s+(an?\s+(?:(business|working)\s+)?({_UNITS})\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    """One figure as stated (`text`) and as compared (`kind`, `value`)."""

    kind: str  # number, amount, range, date, time or code
    value: tuple
    text: str
    unit: str = ""  # a duration's unit, singular ("day" for "5-7 business days", "a 30-day window"), or what an amount
    # is per ("per month" for "$8 a month")


def _number(text: str) -> float:
    word = text.lower()
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word])
    return float(text.replace(",", ""))


def _month_of(text: str) -> int:
    return MONTHS[re.search(_MONTH, text, re.IGNORECASE).group(0).lower()]


def _figure(kind: str, match: re.Match, groups: tuple) -> Figure | None:
    text = match.group(0).strip()
    if kind == "code":
        return Figure("code", (re.sub(r"[^0-9a-z]", "", text.lower()),), text)
    if kind == "date":
        day, year = (groups[0], groups[1])
        return Figure("date", (_month_of(text), int(day), int(year) if year else None), text)
    if kind == "isodate":
        return Figure("date", (int(groups[1]), int(groups[2]), int(groups[0])), text)
    if kind == "slashdate":
        year = int(groups[2]) + (2000 if len(groups[2]) == 2 else 0)
        return Figure("date", (int(groups[0]), int(groups[1]), year), text)
    if kind == "time":
        hour = int(groups[0]) % 12 + (12 if groups[2].lower() == "p" else 0)
        return Figure("time", (hour, int(groups[1] or 0)), text)
    if kind == "range":
        low, high = _number(groups[0]), _number(groups[1])
        if high <= low:  # "1 and 2" in a list, "2026 - 2025": not a range, two numbers
            return None
        return Figure("range", (low, high), text)
    if kind == "amount":
        return Figure("amount", (_number(groups[0] or groups[1]),), text)
    return Figure("number", (_number(groups[0]),), text)


_PRONOUN_ONE_BEFORE = re.compile(r"\b(?:the|this|that|which|each|every|any|no|a|another|new|right|only)\s+$", re.IGNORECASE)
_PRONOUN_ONE_AFTER = re.compile(r"^\s+(?:of|another)\b", re.IGNORECASE)


# A duration's unit right after its number: "30 days", "30-day", "5-7 business days", "24 hours".
_UNIT = re.compile(rf"\s*-?\s*(?:(business|working|calendar)\s+)?({_UNITS})s?\b", re.IGNORECASE)
# Each unit's length in the smallest unit it converts to exactly. A business day is in none: it converts to nothing.
_LENGTH = {"minute": ("minute", 1), "hour": ("minute", 60), "day": ("minute", 1440), "week": ("minute", 10080),
           "month": ("month", 1), "year": ("month", 12)}  # fmt: skip


def _unit_name(business: str | None, unit: str) -> str:
    return f"business {unit.lower()}" if business and business.lower() in ("business", "working") else unit.lower()


def _unit_at(pattern: re.Pattern, text: str, end: int) -> str:
    """The unit `pattern` reads right after a figure ending at `end` (its two groups: a qualifier, the unit), or ""."""
    match = pattern.match(text, end)
    return _unit_name(match.group(1), match.group(2)) if match else ""


# What an amount is charged or paid per: "$8 a month", "$8 for each calendar day", "$15/month". "$8 a month" is not
# "$8 a day"; an amount stated without one matches either.
_PER = re.compile(
    rf"\s*(?:(?:for\s+)?(?:a|an|per|each|every)\s+|/\s*)(?:(business|working|calendar)\s+)?({_UNITS})\b",
    re.IGNORECASE,
)



# What a duration is counted from: "30 days of the delivery date", "14 days from purchase", "2-3 days after the
# warehouse receives it". The two words after the determiner; the caller keeps the content words among them.
_COUNTED_FROM = re.compile(
    rf"(?:{_NUMBER}|\b(?:{_WORD_NUMBER}))(?:{_DASH}(?:{_NUMBER}|{_WORD_NUMBER}))?\s*-?\s*(?:(?:business|working|calendar)\s+)?"
    rf"(?:{_UNITS})s?\s+(?:of|from|after|since|following)\s+(?:(?:the|your|our|their|its|a|an)\s+)?"
    r"([A-Za-z][\w'’-]*(?:\s+[A-Za-z][\w'’-]*)?)",
    re.IGNORECASE,
)


def counted_from(text: str) -> list[str]:
    """What the durations in `text` are counted from, as written ("delivery date" for "within 30 days of the delivery
    date"): "30 days of purchase" is another window than "30 days of the delivery date", with the same figure."""
    return [match.group(1) for match in _COUNTED_FROM.finditer(text)]


def _is_pronoun_one(text: str, match: re.Match) -> bool:
    """'one' as a pronoun ("this one", "one of our team") states no quantity."""
    if match.group(0).lower() != "one":
        return False
    return bool(_PRONOUN_ONE_BEFORE.search(text[: match.start()]) or _PRONOUN_ONE_AFTER.match(text[match.end() :]))


def extract_figures(text: str) -> list[Figure]:
    """Every figure stated in `text`, in order of appearance.

    Patterns run from the most specific (codes, dates) to the least (a bare number); each match is
    blanked out before the next pattern runs, so "Dec 14, 2026" is one date, not a date and a year.
    """
    found: list[tuple[int, Figure]] = []
    for match in _ONE_UNIT.finditer(text):
        found.append((match.start(1), Figure("number", (1.0,), match.group(1), _unit_name(match.group(2), match.group(3)))))
    remaining = _ONE_UNIT.sub(lambda match: match.group(0)[: match.start(1) - match.start()] + " " * len(match.group(1)), text)
    for kind, pattern in _COMPILED:
        for match in pattern.finditer(remaining):
            if _is_pronoun_one(text, match):
                continue
            figure = _figure(kind, match, match.groups())
            if figure is None:  # not what it looked like: its numbers are read by the later patterns
                continue
            if figure.kind in ("number", "range"):
                figure = replace(figure, unit=_unit_at(_UNIT, text, match.end()))
            elif figure.kind == "amount" and (per := _unit_at(_PER, text, match.end())):
                figure = replace(figure, unit=f"per {per}")
            found.append((match.start(), figure))
            remaining = remaining[: match.start()] + " " * (match.end() - match.start()) + remaining[match.end() :]
    return [figure for _, figure in sorted(found, key=lambda item: item[0])]


def _same_length(figure: Figure, other: Figure) -> bool:
    """Whether two durations in different units are as long: "a week" and "7 days", "1 hour" and "60 minutes"."""
    if figure.kind not in ("number", "range") or figure.kind != other.kind or figure.unit not in _LENGTH or other.unit not in _LENGTH:
        return False
    (base, size), (other_base, other_size) = _LENGTH[figure.unit], _LENGTH[other.unit]
    return base == other_base and all(a * size == b * other_size for a, b in zip(figure.value, other.value, strict=True))


def _units_differ(figure: Figure, other: Figure) -> bool:
    """Both figures have a unit and the units name different things ("5-7 business days" and "5-7 days" do not)."""
    return bool(figure.unit and other.unit and figure.unit.removeprefix("business ") != other.unit.removeprefix("business "))


def figures_match(figure: Figure, known: list[Figure]) -> bool:
    """Whether `known` states `figure`. Strict on purpose: "up to 7 days" is not "5-7 days", "$5" is not "5 days",
    "30 weeks" is not "30 days", "a month" is not "30 days" (a duration without its unit, as in a table's "5-7" under
    "Business days", matches either)."""
    for other in known:
        if _units_differ(figure, other):
            if _same_length(figure, other):
                return True
            continue
        if figure.kind == "date" and other.kind == "date":
            if figure.value == other.value or figure.value[:2] == other.value[:2] and None in (figure.value[2], other.value[2]):
                return True
        elif figure.kind == other.kind and figure.value == other.value:
            return True
        elif figure.kind == "number" and other.kind == "amount" and figure.value == other.value:
            return True  # "costs 24.95" against "$24.95"
    return False


def unsupported_figures(text: str, *evidence: str) -> list[Figure]:
    """The figures of `text` that no `evidence` text states (sources, and what the customer wrote)."""
    known = [figure for item in evidence for figure in extract_figures(item)]
    return [figure for figure in extract_figures(text) if not figures_match(figure, known)]

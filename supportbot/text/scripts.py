"""Which writing system (script) a text is mostly in, and which scripts a language is written in.

A script is the first word of its letters' Unicode names (LATIN, CYRILLIC, ARABIC...), after NFKC
folds full-width letters to plain ones. CJK text is told apart by its characters: with kana it is
Japanese (kanji included), with Hangul Korean (hanja included), else Han (Chinese). A CJK character
carries about what a word does, so each counts as one word, and the script with most words wins.
Links, e-mail addresses and Slack mentions are not words of any language.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from supportbot.text.analyzers import HAN, KANA

HAN_SCRIPT, JAPANESE_SCRIPT, HANGUL_SCRIPT, LATIN_SCRIPT = "Han", "Japanese", "HANGUL", "LATIN"
HANGUL = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"

# Languages written in another script than Latin (ISO 639-1); every other language is written in Latin letters.
_SCRIPT_LANGUAGES = {
    HAN_SCRIPT: "zh ja",  # kanji are Han characters
    JAPANESE_SCRIPT: "ja",
    HANGUL_SCRIPT: "ko",
    "CYRILLIC": "ru uk be bg mk sr kk ky mn tg",
    "ARABIC": "ar fa ur ps ug",
    "HEBREW": "he yi",
    "GREEK": "el",
    "ARMENIAN": "hy",
    "GEORGIAN": "ka",
    "DEVANAGARI": "hi mr ne sa",
    "BENGALI": "bn as",
    "GURMUKHI": "pa",
    "GUJARATI": "gu",
    "TAMIL": "ta",
    "TELUGU": "te",
    "KANNADA": "kn",
    "MALAYALAM": "ml",
    "SINHALA": "si",
    "THAI": "th",
    "LAO": "lo",
    "KHMER": "km",
    "MYANMAR": "my",
    "ETHIOPIC": "am ti",
}
_LATIN_TOO = {"sr"}  # Serbian is written in both
_HAN = re.compile(f"[{HAN}]")
_KANA = re.compile(f"[{KANA}]")
_HANGUL = re.compile(f"[{HANGUL}]")
_CJK = re.compile(f"[{HAN}{KANA}{HANGUL}]")
_NOT_WORDS = re.compile(r"https?://\S+|\S+@\S+\.\S+|<[@#!][^>]*>")  # links, e-mail addresses, Slack mentions
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def scripts_of_language(code: str) -> set[str]:
    """The scripts a language is written in ("zh-Hant" is "zh")."""
    base = code.split("-")[0]
    scripts = {script for script, codes in _SCRIPT_LANGUAGES.items() if base in codes.split()}
    return scripts | {LATIN_SCRIPT} if not scripts or base in _LATIN_TOO else scripts


def without_links(text: str) -> str:
    return _NOT_WORDS.sub(" ", text)


def without_cjk(text: str) -> str:
    return _CJK.sub(" ", text)


def script_of(text: str) -> str | None:
    """The script most of the text's words are in; None for text without letters (emoji, numbers, a link)."""
    text = without_links(unicodedata.normalize("NFKC", text))
    han, kana, hangul = len(_HAN.findall(text)), len(_KANA.findall(text)), len(_HANGUL.findall(text))
    counts: Counter[str] = Counter()
    if kana:
        counts[JAPANESE_SCRIPT] = kana + han
    elif hangul:
        counts[HANGUL_SCRIPT] = hangul + han
    elif han:
        counts[HAN_SCRIPT] = han
    for run in _LETTER_RUN.findall(without_cjk(text)):
        counts[unicodedata.name(run[0], "").split(" ")[0]] += 1
    if not counts:
        return None
    return counts.most_common(1)[0][0]  # on a tie the CJK script, counted first, wins

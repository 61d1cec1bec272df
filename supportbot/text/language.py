"""Which language a message is in, so the bot answers in it and says its own messages in it.

The script decides first, since it is certain: a message mostly in Han characters is Chinese
(Traditional when OpenCC would change it to Simplified, "zh-Hant"), with kana Japanese, in Hangul
Korean. Other text goes to lingua (n-gram models shipped in its wheel), restricted to
`bot.languages`: on the project's 180 short questions (benchmarks/language_detection.py) the 14
default languages give 96.7% right and no wrong answer (the rest: no clear language), where all 75
give 93.3% with wrong ones and take 1.1 GB instead of ~0.27 GB. A message with no
clear language (emoji, a number, a product name alone) gets None, and the caller decides: the
conversation's earlier language, else `bot.language`.

Codes are ISO 639-1 ("en", "zh", "es"), plus "zh-Hant" for Traditional Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from supportbot.errors import ConfigError
from supportbot.text.analyzers import HAN, KANA, to_simplified

TRADITIONAL_CHINESE = "zh-Hant"
# Lingua's top language must beat the second by this much, or the message has no clear language:
# 0.1 turns "Klarna?" and "ok" into None instead of Polish and Turkish (benchmarks/README.md).
MINIMUM_RELATIVE_DISTANCE = 0.1

_HAN = re.compile(f"[{HAN}]")
_KANA = re.compile(f"[{KANA}]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_NOT_WORDS = re.compile(r"https?://\S+|\S+@\S+\.\S+|<[@#!][^>]*>")  # links, e-mail addresses, Slack mentions
_LETTER_WORD = re.compile(r"[^\W\d_]+")
_NAMES = {"zh": "Simplified Chinese", TRADITIONAL_CHINESE: "Traditional Chinese"}


def language_name(code: str) -> str:
    """The language's English name, for the instruction to the model ("Answer in Spanish.")."""
    if code in _NAMES:
        return _NAMES[code]
    from lingua import IsoCode639_1, Language

    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())).name.title()
    except AttributeError:
        return code


def base_language(code: str) -> str:
    """"zh-Hant" -> "zh": the language a variant falls back to."""
    return code.split("-")[0]


class LanguageDetector:
    """Detects a message's language among `languages`; lingua's models load at warm_up or the first Latin-script message."""

    def __init__(self, languages: Sequence[str]) -> None:
        from lingua import IsoCode639_1

        unknown = [code for code in languages if not hasattr(IsoCode639_1, base_language(code).upper())]
        if unknown:
            raise ConfigError(f"bot.languages: {', '.join(map(repr, unknown))} is not an ISO 639-1 language code (like 'en', 'zh', 'es')")
        self.languages = list(dict.fromkeys(base_language(code) for code in languages))
        self._detector = None

    def warm_up(self) -> None:
        self._lingua()

    def _lingua(self):
        if self._detector is None and len(self.languages) > 1:  # lingua needs two languages to choose from
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, code.upper()) for code in self.languages]
            builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_minimum_relative_distance(MINIMUM_RELATIVE_DISTANCE)
            self._detector = builder.with_preloaded_language_models().build()
        return self._detector

    def detect(self, text: str) -> str | None:
        """The language code of `text`, or None when it has no clear language (or detection is off: `languages` empty)."""
        if not self.languages:
            return None
        text = _NOT_WORDS.sub(" ", text)
        han, kana, hangul = len(_HAN.findall(text)), len(_KANA.findall(text)), len(_HANGUL.findall(text))
        rest = _HANGUL.sub(" ", _KANA.sub(" ", _HAN.sub(" ", text)))
        words = len(_LETTER_WORD.findall(rest))
        # A CJK character carries about what a word does: the script with more of them wins.
        if kana and kana + han >= words:
            return "ja"
        if hangul and hangul >= words:  # a Korean syllable block is a few letters; counted as a word too
            return "ko"
        if han and han >= words:
            return TRADITIONAL_CHINESE if to_simplified(text) != text else "zh"
        if not words:
            return None
        if len(self.languages) == 1:
            return self.languages[0]
        language = self._lingua().detect_language_of(rest)
        return language.iso_code_639_1.name.lower() if language is not None else None


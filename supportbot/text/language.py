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

from collections.abc import Sequence

from supportbot.errors import ConfigError
from supportbot.text.analyzers import to_simplified
from supportbot.text.scripts import (
    HAN_SCRIPT,
    HANGUL_SCRIPT,
    JAPANESE_SCRIPT,
    script_of,
    scripts_of_language,
    without_cjk,
    without_links,
)

TRADITIONAL_CHINESE = "zh-Hant"
ALL_LANGUAGES = "all"  # what a multilingual model reads
# Lingua's top language must beat the second by this much, or the message has no clear language:
# 0.1 turns "Klarna?" and "ok" into None instead of Polish and Turkish (benchmarks/README.md).
MINIMUM_RELATIVE_DISTANCE = 0.1

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


def check_language_codes(codes: Sequence[str], setting: str) -> None:
    """A ConfigError naming `setting` unless every code is ISO 639-1 (a variant such as "zh-Hant" by its base)."""
    from lingua import IsoCode639_1

    unknown = [code for code in codes if not hasattr(IsoCode639_1, base_language(code).upper())]
    if unknown:
        raise ConfigError(f"{setting}: {', '.join(map(repr, unknown))} is not an ISO 639-1 language code (like 'en', 'zh', 'es')")


class LanguageDetector:
    """Detects a message's language among `languages`; lingua's models load at warm_up or the first Latin-script message."""

    def __init__(self, languages: Sequence[str]) -> None:
        check_language_codes(languages, "bot.languages")
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
        script = script_of(text)
        if script == JAPANESE_SCRIPT:
            return "ja"
        if script == HANGUL_SCRIPT:
            return "ko"
        if script == HAN_SCRIPT:
            return TRADITIONAL_CHINESE if to_simplified(text) != text else "zh"
        if script is None:
            return None
        if len(self.languages) == 1:
            return self.languages[0]
        language = self._lingua().detect_language_of(without_cjk(without_links(text)))
        return language.iso_code_639_1.name.lower() if language is not None else None


class ModelLanguages:
    """The languages a model reads (ISO 639-1 codes; "all" or none: every language), and whether it reads a text.

    Decided by the text's script, not by detecting its language: the script is certain and costs
    microseconds, so an English question is never taken for another language. A model gives text in a
    script it was never trained on vectors whose cosines say nothing (all-MiniLM-L6-v2 puts every
    Chinese question at 0.6-0.85 from every Chinese chunk, answerable or not), while a Latin-script
    language it was not trained on (Spanish with an English model) shares most of its subwords with
    English and is still read.
    """

    def __init__(self, languages: Sequence[str], setting: str = "retrieval.embedding_languages") -> None:
        """`setting` is named in the error for a bad code."""
        codes = list(languages)
        if ALL_LANGUAGES in codes and len(codes) > 1:
            raise ConfigError(f'{setting}: "{ALL_LANGUAGES}" stands alone (the model reads every language), got {codes}')
        check_language_codes([code for code in codes if code != ALL_LANGUAGES], setting)
        self.languages = codes
        every = not codes or codes == [ALL_LANGUAGES]
        self.scripts = None if every else set().union(*(scripts_of_language(code) for code in codes))

    def reads(self, text: str) -> bool:
        """False only for text mostly in a script none of the languages is written in; text without letters is read."""
        if self.scripts is None:
            return True
        script = script_of(text)
        return script is None or script in self.scripts

"""The words of a question written in another script than the rest of it: "refund" in "请问 refund 要多久".

A question the embedder does not read is matched to the sources by its words alone. When the word that names its
subject is in another script than the help center's text ("refund" in a Chinese help center that says 退款), no
source holds it, and the question's remaining words ("要多久", how long) find any subject they fit: the customer got
the shipping rates. Such a word has to be found in the sources for them to answer the question (bot/dialogue.py).
"""

from __future__ import annotations

import re

from supportbot.text.analyzers import HAN, KANA
from supportbot.text.scripts import HANGUL, script_of

_CJK = f"{HAN}{KANA}{HANGUL}"
_LETTER_RUN = re.compile(f"[{_CJK}]+|[^\\W\\d_{_CJK}]+")  # CJK and other letters apart: "Klarna", "可以分期吗"


def other_script_words(question: str) -> list[str]:
    """The question's words (letter runs) in another script than most of it: "refund" in "请问 refund 要多久", and
    "Klarna" in "Klarna可以分期吗" (which the sources name)."""
    main = script_of(question)
    if main is None:
        return []
    return [word for word in _LETTER_RUN.findall(question) if script_of(word) not in (None, main)]

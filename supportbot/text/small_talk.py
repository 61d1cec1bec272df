"""Greetings and thanks: messages with nothing to look up, which get a friendly word instead of the fallback.

Only a message made entirely of these English words counts ("Hi", "hello there", "thanks so much!",
"good morning"); anything else, a request for a person included ("Can I talk to someone?"), is a
question and goes to retrieval. Other languages are never taken for small talk.
"""

from __future__ import annotations

import re
from typing import Literal

SmallTalk = Literal["greeting", "thanks"]

GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "howdy", "morning", "afternoon", "evening", "good", "greetings"})
THANKS = frozenset({"thanks", "thank", "thx", "ty", "cheers", "appreciate", "appreciated", "great", "perfect", "awesome", "ok", "okay"})
FILLERS = frozenset({"you", "so", "much", "very", "there", "again", "all", "for", "your", "the", "it", "a", "lot", "that", "help", "i", "oh", "and"})
_WORD = re.compile(r"[a-z']+")
_ONLY_LATIN_WORDS = re.compile(r"[A-Za-z'’\s!?.,:;)(-]+")


def small_talk(message: str) -> SmallTalk | None:
    """Whether `message` only greets or thanks, and which; None for anything to answer."""
    if not _ONLY_LATIN_WORDS.fullmatch(message.strip()):
        return None
    words = set(_WORD.findall(message.lower().replace("’", "'")))
    if not words or not words <= GREETINGS | THANKS | FILLERS or not words & (GREETINGS | THANKS):
        return None
    return "thanks" if words & THANKS else "greeting"

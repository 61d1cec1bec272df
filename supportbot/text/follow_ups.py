"""Words by which an English question points back at the conversation: "it", "that link", "the new one",
"And if I ...", "What if ...".

A question without them ("can I get a refund in cash?") names its own subject, so the bot reads it
with the question before only when the sources that reading finds answer it on their own terms
(bot/dialogue.py); one whose subject is nothing but such a word ("do they expire?") is about nothing
alone, however well its words match. English cues; other languages have none here.
"""

from __future__ import annotations

import re

_REFERS_BACK = re.compile(
    r"\b(?:it|its|it's|they|them|their|theirs|those|these|that|this|mine|too|instead|either|still)\b"
    r"|\b(?:the|each|this|that|which|new|other|another|different|same|old)\s+ones?\b"
    r"|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?! (?:is|are|was|were|a|an|any|some)\b)(?!'s\b)"
    r"|^\W*(?:and|or|but|so|also|what if|what about|how about)\b",
    re.IGNORECASE,
)


def refers_back(question: str) -> bool:
    """Whether an English question points back at something said before it ("how long does it take to get
    there?", "Is the new one shipped for free?"); "Is there a student discount?" does not."""
    return bool(_REFERS_BACK.search(question.replace("’", "'")))


_PRONOUN_SUBJECT = re.compile(
    r"^\W*(?:and\s+)?(?:do|does|did|are|is|was|were|can|could|will|would|should|how (?:long|much|fast|often) (?:do|does|will|would))"
    r"\s+(?:they|it|these|those|that|this)\b(?!\s+(?:possible|ok|okay|safe|true|necessary|worth|normal|allowed)\b)",
    re.IGNORECASE,
)


def subject_is_a_pronoun(question: str) -> bool:
    """Whether an English question's subject is only a pronoun ("do they expire?", "is it free?", "how long does it
    take?"): alone it is about nothing, whatever the sources it finds; "Is it possible to pay with PayPal?" is not."""
    return bool(_PRONOUN_SUBJECT.search(question.replace("’", "'")))


def names_its_subject(question: str) -> bool:
    """Whether an English question is about something it names, pointing back at nothing ("Can I pay with Klarna?"),
    rather than "how long does it take?" or "and for gift cards?"."""
    return not refers_back(question) and not subject_is_a_pronoun(question)

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
    return not refers_back(question) and not without_a_subject(question)


# Words that ask, point or connect, and name nothing: what is left of "how long is it?" or "and how much?" once they go.
ASKING_WORDS = frozenset(
    {
        "how", "what", "when", "where", "why", "who", "which", "whose", "long", "much", "many", "often", "fast",
        "soon", "far", "is", "are", "was", "were", "be", "do", "does", "did", "can", "could", "will", "would",
        "should", "shall", "may", "might", "has", "have", "had", "it", "its", "it's", "they", "them", "their",
        "that", "this", "these", "those", "there", "and", "or", "but", "so", "also", "then", "though", "still",
        "exactly", "again", "about", "the", "a", "an", "for", "cost", "costs", "take", "takes", "last", "lasts"
    }
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def names_nothing(question: str) -> bool:
    """Whether an English question holds nothing but words that ask, point or connect ("how much?", "how long is it?",
    "and when?"): alone it asks about nothing, so it asks about what was asked before."""
    words = [word.lower().replace("’", "'") for word in _WORD.findall(question)]
    return bool(words) and all(word in ASKING_WORDS for word in words)


def without_a_subject(question: str) -> bool:
    """Whether an English question names no subject of its own: its subject is a pronoun ("do they expire?") or it
    names nothing at all ("how much?")."""
    return subject_is_a_pronoun(question) or names_nothing(question)


# "and exchanges?", "what about shipping?", "and to the UK?", "how about for gift cards?": a connective, then only a
# noun phrase (no word that asks, points or makes a clause of its own: "And if I paid with a gift card?" is not one).
_NEW_SUBJECT = re.compile(
    r"^\W*(?:(?:and|or|also)\s+(?:(?:what|how)\s+about\s+)?|(?:what|how)\s+about\s+)"
    r"(?:(?P<preposition>for|to|in|with|on|from|of|at)\s+)?(?P<phrase>[^\W\d_][\w'’ .&-]{0,60}?)"
    r"(?:\s+(?:too|as well|then|instead))?\W*$",
    re.IGNORECASE,
)
_NOT_IN_A_NOUN_PHRASE = ASKING_WORDS - {"the", "a", "an"} | {"i", "i'm", "me", "my", "we", "you", "your", "if", "not", "no", "yes", "please", "thanks"}
MAX_PHRASE_WORDS = 4  # "Apple Pay", "the gift card balance": longer is a clause, not a subject named in passing


def new_subject(question: str) -> tuple[str, str] | None:
    """The subject an English follow-up moves to, as (preposition or '', noun phrase): "and exchanges?" ->
    ('', 'exchanges'), "and to the UK?" -> ('to', 'the UK'). The customer asks the previous question again about
    it; None for any other question."""
    match = _NEW_SUBJECT.match(question.strip())
    if match is None:
        return None
    phrase = match["phrase"].strip(" .")
    words = [word.lower().replace("’", "'") for word in _WORD.findall(phrase)]
    if not words or len(words) > MAX_PHRASE_WORDS or any(word in _NOT_IN_A_NOUN_PHRASE for word in words):
        return None
    return (match["preposition"] or "").lower(), phrase


def asks_nothing_alone(question: str) -> bool:
    """Whether an English question, read alone, asks nothing: it names no subject ("do they expire?", "how much?"),
    or only the subject the question before it is asked again about ("and exchanges?"); however well its words match
    a source, what it asks is the question before it."""
    return without_a_subject(question) or new_subject(question) is not None

"""Where an answer's opening "Yes" or "No" answers the customer, and where it answers another question.

An FAQ entry's answer opens with "Yes" or "No" to the entry's question; so does the answer under a page heading
that asks a question: a Markdown FAQ page of "Q: ..." / "A: ..." pairs is read with each question a heading over
its answer (retrieval/markdown_reading.py), and pages are written "## Do gift cards expire?" over "No. ...". The
word answers the customer when the customer asked a yes/no question that is not negated where the source's is not
(`answers_the_customer`); elsewhere it is left out (`without_yes_or_no`), as quoted on its own it says yes or no
to a question the customer did not ask.
"""

from __future__ import annotations

import re

from supportbot.retrieval.documents import Chunk
from supportbot.text.analyzers import has_cjk
from supportbot.text.opposites import negated_differently

# An English yes/no question: it, or a clause of it ("I opened the pillow, can I send it back"), opens with an auxiliary.
_YES_OR_NO_QUESTION = re.compile(
    r"(?:^|[,;.!?]\s*|\b(?:but|and|so)\s+)"
    r"(?:can|could|do|does|did|is|are|was|were|will|would|should|shall|may|might|must|have|has|am)(?:n't|n’t)?\b",
    re.IGNORECASE,
)


def asks_yes_or_no(question: str) -> bool:
    """Whether a question can be answered "Yes" or "No" ("Do gift cards expire?"); a Chinese or Japanese one is taken to,
    since these cues read only English. "how do I cancel?" and "the cancel button is gone" cannot."""
    return has_cjk(question) or bool(_YES_OR_NO_QUESTION.search(question.strip()))


def answers_the_customer(question: str, asked: str) -> bool:
    """Whether an answer's opening "Yes" or "No" to the source's question `asked` answers the customer's `question`
    too: the customer asked a yes/no question, not one negated where the source's is not ("No, guest checkout is
    available." for "can I order without an account?"; text/opposites.py)."""
    return asks_yes_or_no(question) and not negated_differently(question, asked)


CLOSING_MARKS = "*_\"'”’) "  # bold, quotes and brackets after a sentence's last mark


def is_question(text: str) -> bool:
    """Whether a source sentence or heading asks ("Forgot your password?", "Didn't get the email?")."""
    return text.rstrip(CLOSING_MARKS).endswith(("?", "？"))


def section_question(chunk: Chunk) -> str:
    """The question a page chunk's section heading asks ("Can I share my account with a colleague?", from a "Q:" line
    or a heading written so), or "": an FAQ entry's question is its own field, and a heading that names a topic
    ("Refunds") asks nothing its answer says yes or no to."""
    if chunk.question or not chunk.headings:
        return ""
    heading = chunk.headings[-1]
    return heading if is_question(heading) else ""


# "No" must be set off by a mark to be an answer: before a word it is that word's determiner ("No refunds are given
# after 30 days.", which without it said the opposite); "Yes" before a word is still an answer ("Yes you can").
_YES_OR_NO = re.compile(r"(?:yes\b[,.!;:]?|no[,.!;:])\s+(?=\S)", re.IGNORECASE)
_BARE_YES_OR_NO = re.compile(r"(?:\*\*|__)?(?:yes|no)[.!]?(?:\*\*|__)?", re.IGNORECASE)


def is_bare_yes_or_no(sentence: str) -> bool:
    """Whether a sentence is only "Yes." or "No." ("A: Yes. You can ..."): it answers with the sentence after it."""
    return bool(_BARE_YES_OR_NO.fullmatch(sentence.strip()))


def without_yes_or_no(text: str) -> str:
    """`text` without an opening "Yes" or "No" where more follows ("Yes, exchanges ... are free" -> "Exchanges ...").

    A sentence quoted on its own, or a source that is not the answer, says yes or no to its own FAQ question, not to
    the customer's: "Can I do that more than once?" (after asking about exchanges) got "Yes, exchanges for the same
    item ... are free, and each item can be exchanged once."
    """
    opening = _YES_OR_NO.match(text)
    if opening is None:
        return text
    rest = text[opening.end() :]
    return rest[:1].upper() + rest[1:]

"""What an English follow-up is read with: the question it continues, its subject carried along the conversation.

Read with only the question before it, a follow-up lost its subject along a chain ("How long do refunds take?",
"what about shipping?", "how long does that take?", "and how much does it cost?": the last was read with "how long
does that take?" alone and found nothing), and one that moves to a new subject ("and exchanges?") was read with the
old subject's words, which outweighed its own: it got the refund answer again. The rules, as a person reads them:

- A question that names its own subject is about that subject (text/follow_ups.py `names_its_subject`).
- One that moves to a new subject ("and exchanges?", "and to the UK?") asks the question before it again about that
  subject: the words there closest in meaning to it give way to it ("How long do exchanges take?"); one with a
  preposition the question before lacks adds to it ("and for gift cards?": "How long do refunds take for gift cards?"),
  or, when that finds nothing about its subject, is a new subject of the kind the question before named, and takes
  its place as above ("and for exchanges?": "How long do exchanges take?"; `FollowUpReading.instead`, which the
  dialogue manager tries, since only the sources tell refunds for gift cards from exchanges).
- One without a subject of its own ("how much?", "how long does that take?") is about the most recent subject: it is
  read with the last question that named one, in that question's own words (it asks its own thing about the
  subject, not what was asked of it before), passing over questions that had no subject either. After "Is there X?"
  or "Do you offer X?", X stands in for its pronoun ("how long is it?": "how long is the warranty on the blender?"):
  the yes or no answered there names nothing else.
- Any other follow-up ("Is there a minimum order for it?") is read with the question before it as that one was read.

The embedder reads the result; it need not be good English, only about the right subject.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from supportbot.text.follow_ups import ASKING_WORDS, names_its_subject, new_subject, without_a_subject

# How similar each phrase is to a text (embedding similarity): `phrases`, `text` -> one number per phrase.
Closeness = Callable[[Sequence[str], str], Sequence[float]]

MAX_CHAIN = 4  # questions a follow-up is read back through: a conversation's subject is its last few questions'

_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_PRONOUN = re.compile(r"\b(?:it|they|them|that|this|these|those)\b", re.IGNORECASE)
_OFFERED = re.compile(
    r"^\W*(?:(?:is|are)\s+there|do\s+you\s+(?:have|offer|sell|carry))\s+(?:(?:a|an|any|some)\s+)?(?P<offered>[^?.!\n]+)",
    re.IGNORECASE,
)
# Who asks, and the prepositions between names: no part of what a question names.
_NOT_NAMING = frozenset({"i", "i'm", "me", "my", "we", "you", "your", "if", "not", "no", "yes", "please", "to", "in", "on", "with", "from", "of", "at", "by"})


@dataclass(frozen=True)
class FollowUpReading:
    continues: str  # what the follow-up continues: the question(s) whose subject it keeps
    text: str  # what the sources are asked
    # "and for X?" after a question without "for": that question asked about X in place of its words closest to X
    # ("How long do exchanges take?"), asked instead of `text` when what `text` finds says nothing of `about` (X)
    instead: str = ""
    about: str = ""


def follow_up_reading(question: str, earlier: Sequence[str], closeness: Closeness) -> FollowUpReading:
    """How an English `question` is read after the customer's `earlier` questions (oldest first, at least one)."""
    chain = list(earlier[-(MAX_CHAIN - 1):])
    moved = new_subject(question)
    if moved is not None:
        previous = _as_read(chain, closeness, whole=True)
        preposition, phrase = moved
        if preposition and _after(previous, preposition) is None:
            instead = ask_again_about(previous, "", phrase, closeness)
            return FollowUpReading(previous, ask_again_about(previous, *moved, closeness), instead, phrase)
        return FollowUpReading(previous, ask_again_about(previous, *moved, closeness))
    if without_a_subject(question):
        subject = _last_subject(chain)
        return FollowUpReading(subject, _about(subject, question))
    previous = _as_read(chain, closeness)
    return FollowUpReading(previous, f"{previous}\n{question}")


def _as_read(questions: Sequence[str], closeness: Closeness, whole: bool = False) -> str:
    """The last of `questions` as it was read: asked again about the subject it moved to, or, with no subject of its
    own, with the last question that named one; any other as asked, or, `whole`, with the one before it as read.

    `whole` is for a question that asks this one again about a new subject: it needs all that was asked ("what about
    overnight?" after "and how fast is expedited?" after "How much is standard shipping?"). Any other follow-up
    is read with this one as asked, as before chains were read (the dialogue manager decided then whether it
    followed up on the one before)."""
    *before, question = questions
    if not before or names_its_subject(question):
        return question
    moved = new_subject(question)
    if moved is not None:
        return ask_again_about(_as_read(before, closeness, whole=True), *moved, closeness)
    if without_a_subject(question):
        return _about(_last_subject(before), question)
    return f"{_as_read(before, closeness, whole)}\n{question}" if whole else question


def _last_subject(questions: Sequence[str]) -> str:
    """The last of `questions` that named a subject, in its own words ("what about shipping?", not "how long does
    that take?"): a question without one asks its own thing about that subject, not what was asked of it before."""
    return next((question for question in reversed(questions) if not without_a_subject(question)), questions[-1])


def _about(subject: str, question: str) -> str:
    """A question without a subject of its own, read with the question that named the subject."""
    offered = _OFFERED.match(subject)
    if offered is not None:  # "Is there a warranty on the blender?": yes or no, and nothing else named
        return stand_in(question, offered["offered"].strip())
    return f"{subject}\n{question}"


def stand_in(question: str, offered: str) -> str:
    """`question` with `offered` (what "Is there ...?" asked about) in its pronoun's place, or after it when it has
    none: "how long is it?" -> "how long is the warranty on the blender?", "how much?" -> "how much is the ...?"."""
    named = f"the {_ARTICLE.sub('', offered)}"
    if _PRONOUN.search(question):
        return _PRONOUN.sub(named, question, count=1)
    return f"{question.rstrip(' ?!.')} is {named}?"


def ask_again_about(previous: str, preposition: str, phrase: str, closeness: Closeness) -> str:
    """`previous` asked again about `phrase`: after `preposition` where `previous` has it ("Do you ship to Canada?",
    'to', 'the UK': "Do you ship to the UK?"), else in place of its words closest in meaning to the phrase ("How long
    do refunds take?", '', 'exchanges': "How long do exchanges take?"); added to it when neither is there."""
    if preposition:
        after = _after(previous, preposition)
        if after is None:
            return f"{previous.rstrip(' ?!.')} {preposition} {phrase}?"
        return f"{previous[: after.start()]}{preposition} {phrase}{previous[after.end():]}"
    spans = _naming_spans(previous)
    if not spans:
        return f"{previous}\n{phrase}"
    similarity = closeness([previous[start:end] for start, end in spans], phrase)
    start, end = spans[max(range(len(spans)), key=lambda i: (similarity[i], -i))]
    return f"{previous[:start]}{_ARTICLE.sub('', phrase)}{previous[end:]}"


def _after(text: str, preposition: str) -> re.Match | None:
    """What follows `preposition` in `text`, up to the end of its clause."""
    return re.search(rf"\b{preposition}\s+([^?.!,;\n]+)", text, re.IGNORECASE)


def _naming_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` names something: its words that do not ask, point or connect, alone and two side by side."""
    words = [m for m in _WORD.finditer(text) if m[0].lower().replace("’", "'") not in ASKING_WORDS | _NOT_NAMING]
    spans = [(m.start(), m.end()) for m in words]
    pairs = [(a.start(), b.end()) for a, b in itertools.pairwise(words) if re.fullmatch(r"[ \t]+", text[a.end() : b.start()])]
    return spans + pairs

"""What a question's words say its answer must state, and which source sentences state it (English cues).

Ranking by similarity finds the sentences about a question's subject; it cannot tell one that answers from one
that only shares the subject. Two kinds of question name what their answer must state:

- whether the customer can do something ("Can I return a gift card?", "Can gift cards be returned?"). A sentence
  saying that the thing can or can't be done answers it ("Final sale items, including ... gift cards, ..., can't
  be returned."); one that takes it as done ("If you return an item you paid for with a gift card, the refund goes
  back to the same gift card.") ranked first and was quoted, though it says nothing about whether.
- a length of time ("What's the return window?", "How long do refunds take?"). A sentence stating one
  (text/figures.py) answers it; "Unused", an item of the same list as "Returned within 30 days of the delivery
  date", ranked first and was quoted without the 30 days.

`giving_what_is_asked` gives the ranked sentences that state what the question asks for, to be ranked over the
others, when the answer the ranking would quote does not state it.

A third kind asks what a term means ("What does E101 mean?", `asked_term`): where a section is headed by that term
(a glossary, a definition list), its first sentence is the definition, and extractive.py ranks it as the section's best.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from supportbot.text.figures import extract_figures


class Analyzer(Protocol):
    """The grounding checker's word analysis (bot/grounding.py): words reduced as the ranking matches them."""

    def analyze(self, text: str) -> list[str]: ...

    def content_terms(self, text: str) -> set[str]: ...


@dataclass(frozen=True)
class AskedAction:
    """What a "can I ...?" question asks to do: its verb ("return") and what it is done to ("a gift card")."""

    verb: str
    thing: str


_CAN = r"(?:can|could|may)"
_THING = r"(?P<thing>[^,;:?!.]+?)"
# "Can I return a gift card?", "can we still change the address", "Could you ship it to Canada?"
_ASKS_TO_DO = re.compile(
    rf"\b{_CAN}\s+(?:i|we|you)\s+(?:still\s+|also\s+|just\s+)?(?P<verb>[a-z]+)\s+{_THING}\s*(?:[,;:?!.]|$)",
    re.IGNORECASE,
)
# "Can gift cards be returned?"
_ASKS_TO_BE_DONE = re.compile(rf"\b{_CAN}\s+{_THING}\s+be\s+(?P<verb>[a-z]+)\b", re.IGNORECASE)
# What a sentence says can or can't be done: "can't be returned or exchanged", "you can return", "may not be used".
_SAYS_CAN = re.compile(
    r"\b(?:can(?:not|'t|’t)?|could(?:n't|n’t)?|may)(?:\s+not)?(?:\s+(?:also|only|still|always|never))?\s+"
    r"(?P<passive>be\s+)?(?P<verbs>[a-z]+(?:(?:,\s*|\s+(?:or|and)\s+)[a-z]+)*)",
    re.IGNORECASE,
)


def asked_action(question: str, analyzer: Analyzer) -> AskedAction | None:
    """What a question asks whether it can be done ("Can I return a gift card?": return, "a gift card"); None when
    it asks no such thing, or names what to do only by a pronoun ("Can I return it?": nothing to match)."""
    match = _ASKS_TO_BE_DONE.search(question) or _ASKS_TO_DO.search(question)
    if match is None or not analyzer.content_terms(match["thing"]) or not analyzer.analyze(match["verb"]):
        return None
    return AskedAction(match["verb"], match["thing"])


def _modal_clauses(action: AskedAction, text: str, analyzer: Analyzer) -> list[re.Match]:
    """Where `text` says the asked verb can or can't be done ("can't be returned or exchanged", "you can return")."""
    verb = set(analyzer.analyze(action.verb))
    return [match for match in _SAYS_CAN.finditer(text) if verb <= set(analyzer.analyze(match["verbs"]))]


def speaks_to_whether(action: AskedAction, text: str, analyzer: Analyzer) -> bool:
    """Whether an answer already tells whether the asked thing can be done: it says the verb can or can't be done and
    names the thing anywhere ("Once an order has shipped, we can't change the address." for "Can I change my shipping
    address after ordering?": what the question adds to the thing, "after ordering", is often said as a condition)."""
    return bool(_modal_clauses(action, text, analyzer)) and analyzer.content_terms(action.thing) <= set(
        analyzer.analyze(text)
    )


def says_whether(action: AskedAction, sentence: str, analyzer: Analyzer) -> bool:
    """Whether a sentence says that the asked thing can or can't be done: the question's verb after "can", "can't",
    "may (not)" ..., with everything the question names the thing by as its subject ("Gift cards can't be
    returned.", or in the list a lead-in introduces: "... cannot be returned: clearance items, gift cards, ...")
    or its object ("You can return most items ...")."""
    thing = analyzer.content_terms(action.thing)
    for match in _modal_clauses(action, sentence, analyzer):
        after = sentence[match.end("verbs") :]
        introduced = after.partition(":")[2]  # "... cannot be returned: clearance items, gift cards, ..."
        side = sentence[: match.start()] + " " + introduced if match["passive"] else after
        if thing <= set(analyzer.analyze(side)):
            return True
    return False


# "how long ...", "how many days ...", "how much time ...", a span named ("the return window", "the trial period").
_ASKS_HOW_LONG = re.compile(
    r"\bhow\s+(?:long|much\s+time|many\s+(?:(?:business|working|calendar)\s+)?(?:minutes|hours|days|weeks|months|years))\b"
    r"|\b(?:window|period|time\s*frame|time\s+limit)\b",
    re.IGNORECASE,
)


def asks_how_long(question: str) -> bool:
    """Whether a question asks for a length of time ("What's the return window?", "How long do refunds take?")."""
    return bool(_ASKS_HOW_LONG.search(question))


_DIGITS_BESIDE_WORDS = re.compile(r"\s*\(\d+\)")  # "one (1) year", as contracts write a number twice


def states_a_duration(sentence: str) -> bool:
    """Whether a sentence states a length of time: a number of minutes, hours, days, weeks, months or years."""
    figures = extract_figures(_DIGITS_BESIDE_WORDS.sub("", sentence))
    return any(figure.kind in ("number", "range") and figure.unit for figure in figures)


# "What does E101 mean?", "what does error E204 stand for", "What's a backorder?", "what is meant by final sale",
# "define net 30", "meaning of E309": the term asked about.
_ASKS_WHAT_IT_MEANS = re.compile(
    r"\s*(?:what\s+(?:does|do)\s+(?P<means>.+?)\s+(?:mean|stand\s+for)"
    r"|what(?:'s|’s|\s+is|\s+are)\s+(?:meant\s+by\s+)?(?P<is>.+?)"
    r"|(?:define|(?:the\s+)?(?:definition|meaning)\s+of)\s+(?P<define>.+?))[\s?.!]*",
    re.IGNORECASE,
)


def asked_term(question: str) -> str:
    """The term a question asks the meaning of ("What does error E204 mean?": "error E204"; "What's a backorder?":
    "a backorder"), or "" when it asks no such thing. Whether the term is one a section of the sources is headed by is
    for the ranking to tell (extractive.py): "What is the thread count of your sheets?" asks for a figure."""
    match = _ASKS_WHAT_IT_MEANS.fullmatch(question.strip())
    if match is None:
        return ""
    return (match["means"] or match["is"] or match["define"]).strip(" \"'“”‘’")


def giving_what_is_asked(
    question: str, sentences: Sequence[str], quoted: Callable[[], str], section: Collection[int], analyzer: Analyzer
) -> list[int]:
    """The sentences that state what the question asks for, when the answer the ranking would quote (`quoted()`, worked
    out only for such a question) does not. For a "can I ...?" question, those saying whether the thing can be done
    (`says_whether`), unless the answer already speaks to it (`speaks_to_whether`, a looser test: fewer answers
    move). For a question asking how long, those of `section` (the best-ranked sentence's chunk) stating a length of
    time and sharing a word with the question: a figure is a weaker cue than a statement of whether, so it is looked
    for only where the ranking found the place; elsewhere a sentence with a number of days and a shared word is as
    often about another span ("10 to 40 days before your minimum term ends" for "What's the contract period?").
    [] otherwise: the ranking stands."""
    action = asked_action(question, analyzer)
    if action is not None:
        if speaks_to_whether(action, quoted(), analyzer):
            return []
        return [i for i, text in enumerate(sentences) if says_whether(action, text, analyzer)]
    if asks_how_long(question) and not states_a_duration(quoted()):
        asked = analyzer.content_terms(question)
        return [i for i in section if states_a_duration(sentences[i]) and asked & set(analyzer.analyze(sentences[i]))]
    return []

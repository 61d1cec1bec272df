"""Faithfulness of an answer to the sources it was made from: the measures `eval answers` reports.

- unsupported number: the answer states a figure (digits or number words; see text/figures.py)
  that none of its sources states and the customer did not write;
- supported sentences: the answer's sentences the grounding checker accepts (bot/grounding.py),
  the same check that decides what a grounded answer shows.
Both read the answer without its citation markers ("[1]" is not a figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from supportbot.bot.grounding import GroundingChecker, strip_citations
from supportbot.bot.reply import Reply
from supportbot.text.figures import unsupported_figures
from supportbot.text.sentences import split_sentences


@dataclass(frozen=True)
class Faithfulness:
    unsupported_numbers: list[str]
    sentences: int
    supported_sentences: int
    unsupported: list[str]  # the sentences the checker rejected, for the details file


def measure_faithfulness(answer: str, reply: Reply, customer_messages: Sequence[str], checker: GroundingChecker) -> Faithfulness:
    """Against the sources the answer was made from (`reply.sources`: each with the text the answer was made from)."""
    plain = strip_citations(answer)
    numbers = unsupported_figures(plain, *(source.text for source in reply.sources), *customer_messages)
    evidence = checker.evidence(reply.sources, customer_messages)
    checks = [checker.check(sentence, evidence) for sentence in split_sentences(plain)]
    return Faithfulness(
        [figure.text for figure in numbers],
        len(checks),
        sum(check.supported for check in checks),
        [check.text for check in checks if not check.supported],
    )

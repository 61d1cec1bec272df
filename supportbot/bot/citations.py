"""Sentence-level citation markers: "[1]" after the sentences a source supports.

Markers are written by the bot (from the grounding check or the extractive pick), never copied
from the model, so each one names the source the sentence was checked against. A run of
consecutive sentences from one source carries one marker, after its last sentence. Channels turn
the markers into links with `citation_spans`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from supportbot.text.sentences import is_table_row

MARKER = re.compile(r"\[(\d+)\]")
SENTENCE_ENDS = (".", "!", "?", "。", "！", "？", ":")


@dataclass(frozen=True)
class CitedSentence:
    """A sentence of an answer and the number of the source it came from (None: the bot's own words)."""

    text: str
    number: int | None
    list_item: bool = False  # set as a list item even when it ends like a sentence (an item under its lead-in)
    goes_on_item: bool = False  # a later sentence of the list item before it: set on that item's line


def is_full_sentence(text: str) -> bool:
    """Ends like a sentence (a list item, a table row or a heading does not)."""
    return text.rstrip("*_\"'”’)").endswith(SENTENCE_ENDS)


def marker(number: int) -> str:
    return f"[{number}]"


class CitationWriter:
    """Joins answer sentences into text as they come, with one marker per run of sentences from one source.

    `add` returns the text to show now; the marker of a run is only known to be due when the next
    sentence comes from elsewhere or the answer ends (`finish`), so it is written then.
    """

    def __init__(self) -> None:
        self._open_run: int | None = None
        self._started = False
        self._last_was_item = False

    def add(self, sentence: CitedSentence) -> str:
        if sentence.goes_on_item and self._last_was_item and sentence.number == self._open_run:
            return " " + sentence.text
        text = ""
        if self._open_run is not None and sentence.number != self._open_run:
            text += " " + marker(self._open_run)
        # A list item or table row (no full stop) is set as a list item on a line of its own, so that the text
        # reads as the source does and splits back into the same sentences.
        item = sentence.list_item or not is_full_sentence(sentence.text)
        if self._started:
            text += ("\n" if item else "\n\n") if self._last_was_item else ("\n" if item else " ")
        text += f"- {sentence.text}" if item and not is_table_row(sentence.text) else sentence.text  # a row has its cells
        self._started, self._last_was_item, self._open_run = True, item, sentence.number
        return text

    def finish(self) -> str:
        run, self._open_run = self._open_run, None
        return " " + marker(run) if run is not None else ""


def write_cited(sentences: list[CitedSentence]) -> str:
    """The whole answer text for sentences known in advance (extractive answers)."""
    writer = CitationWriter()
    return "".join(writer.add(sentence) for sentence in sentences) + writer.finish()


def cited_numbers(text: str) -> list[int]:
    """The source numbers an answer's markers name, in order of first mention."""
    return list(dict.fromkeys(int(number) for number in MARKER.findall(text)))


def citation_spans(text: str) -> Iterator[tuple[str, int | None]]:
    """The text cut into plain pieces and markers: ("Refunds take 5-7 days. ", None), ("[1]", 1), ..."""
    position = 0
    for match in MARKER.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], None
        yield match.group(0), int(match.group(1))
        position = match.end()
    if position < len(text):
        yield text[position:], None

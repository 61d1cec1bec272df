"""Sentence-level citation markers: "[1]" after the sentences a source supports.

Markers are written by the bot (from the grounding check or the extractive pick), never copied
from the model, so each one names the source the sentence was checked against. A run of
consecutive sentences from one source carries one marker, after its last sentence. Channels turn
the markers into links with `citation_spans`.

Quoted table rows are written as a Markdown table (GFM) that any Markdown reader shows as one: under
their header row, even when the header was not what ranked (a row's cells mean something only under
their columns' names), with the delimiter row, a blank line around the table, and a row's marker
inside its last cell (after the closing pipe a Markdown reader drops it as a cell too many). A
sentence that a text page wraps over lines is joined into one line: its line breaks are the page's
layout, and a chat shows every line break. A fenced code block keeps its lines, stands apart from
the sentences around it, and is closed where its chunk cut it off; its marker goes on the line after
its closing fence (on that line it would be read as code). A backtick a sentence holds alone
("Type ` to open the console.") is written as code of itself ("`` ` ``"): it paired with the next
sentence's code, and the words between, a marker with them, were shown as code.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace

from supportbot.text.markup import WORD_JOINER, with_bold_paired, with_lone_backticks_as_code
from supportbot.text.sentences import (
    closed_code_block,
    code_spans,
    delimiter_row,
    fenced_lines,
    is_code_block,
    is_table_row,
)

MARKER = re.compile(r"\[(\d+)\]")
_WRAP = re.compile(r"[ \t]*\n\s*")
SENTENCE_ENDS = (".", "!", "?", "。", "！", "？", ":")


@dataclass(frozen=True)
class CitedSentence:
    """A sentence of an answer and the number of the source it came from (None: the bot's own words)."""

    text: str
    number: int | None
    list_item: bool = False  # set as a list item even when it ends like a sentence (an item under its lead-in)
    goes_on_item: bool = False  # a later sentence of the list item before it: set on that item's line
    table_header: str = ""  # a table row's header row (its own text for the header row itself)


def is_full_sentence(text: str) -> bool:
    """Ends like a sentence (a list item, a table row or a heading does not)."""
    return text.rstrip("*_\"'”’)").endswith(SENTENCE_ENDS)


def marker(number: int) -> str:
    return f"[{number}]"


class CitationWriter:
    """Joins answer sentences into text as they come, with one marker per run of sentences from one source.

    `add` returns the text to show now; the marker of a run is only known to be due when the next
    sentence comes from elsewhere or the answer ends (`finish`), so it is written then. For the same
    reason a table row's closing pipe waits (the marker may go before it), and a header row waits
    for the first row of its table (alone, it is shown as a line, not as a table of no rows).
    """

    def __init__(self) -> None:
        self._open_run: int | None = None
        self._started = False
        self._last_was_item = False
        self._table = ""  # the header row of the table being written ("" outside a table)
        self._row_open = False  # a table row was written without its closing pipe
        self._pending_header: CitedSentence | None = None
        self._after_code = False  # the last thing written was a code block

    def add(self, sentence: CitedSentence) -> str:
        code = is_code_block(sentence.text)
        sentence = replace(sentence, text=closed_code_block(sentence.text) if code else quoted(sentence.text))
        if sentence.goes_on_item and not code and self._last_was_item and sentence.number == self._open_run and not self._table:
            return " " + sentence.text
        header = self._pending_header
        if header is not None:
            self._pending_header = None
            if sentence.table_header == header.text and header.number == sentence.number and sentence.text != header.text:
                return self._write(sentence, header.text)
            return self._write(header) + self.add(sentence)
        if sentence.table_header and sentence.text == sentence.table_header and is_table_row(sentence.text):
            self._pending_header = sentence  # shown when the next sentence shows whether a row of its table follows
            return ""
        return self._write(sentence, sentence.table_header if is_table_row(sentence.text) else "")

    def _write(self, sentence: CitedSentence, header: str = "") -> str:
        """The text for one sentence; `header` is the header row of the table the sentence is a row of."""
        text = self._close_run() if self._open_run is not None and sentence.number != self._open_run else self._close_row()
        row = is_table_row(sentence.text)
        new_table = row and bool(header) and header != self._table and header != sentence.text
        # A list item or table row (no full stop) is set as a list item on a line of its own, so that the text
        # reads as the source does and splits back into the same sentences.
        code = is_code_block(sentence.text)
        item = not code and (sentence.list_item or not is_full_sentence(sentence.text))
        if self._started:
            if new_table or (self._table and not (row and header == self._table)) or code or self._after_code:
                text += "\n\n"  # a blank line around a table (Markdown readers end a table only so) or code
            else:
                text += ("\n" if item else "\n\n") if self._last_was_item else ("\n" if item else " ")
        if new_table:
            text += f"{header}\n{delimiter_row(header)}\n"
        self._table = header if row and header and header != sentence.text else ""
        if row and sentence.text.endswith("|"):
            text += sentence.text[:-1].rstrip()  # the closing pipe waits for the marker (`_close_row`)
            self._row_open = True
        else:
            text += f"- {sentence.text}" if item and not row else sentence.text  # a row has its cells
        self._started, self._last_was_item, self._open_run, self._after_code = True, item, sentence.number, code
        return text

    def _close_row(self) -> str:
        closing, self._row_open = (" |" if self._row_open else ""), False
        return closing

    def _close_run(self) -> str:
        run, self._open_run = self._open_run, None
        return (("\n" if self._after_code else " ") + marker(run) if run is not None else "") + self._close_row()

    def finish(self) -> str:
        header, self._pending_header = self._pending_header, None
        return (self._write(header) if header is not None else "") + self._close_run()




def quoted(text: str) -> str:
    """A source's sentence as an answer shows it: on one line, with no lone bold mark or backtick to pair with another
    sentence's (a backtick hid the words between, the marker too, as code), and no "[2]" of its own read as a marker."""
    return not_a_marker(with_bold_paired(with_lone_backticks_as_code(unwrapped(text))))


def not_a_marker(text: str) -> str:
    """A quoted sentence's own "[2]" ("Press [2] on the keypad") with an invisible word joiner inside, so that no channel
    or client takes it for the bot's citation marker and links it to source 2 (code and link addresses as they are)."""
    if "[" not in text:
        return text
    spans = _not_markers(text)
    return MARKER.sub(lambda match: match[0] if _inside(spans, match.start()) else f"[{match[1]}{WORD_JOINER}]", text)


def unwrapped(text: str) -> str:
    """A sentence on one line: the line breaks a text page wraps it over (with their indentation) become spaces."""
    return _WRAP.sub(" ", text) if "\n" in text else text


def cited_whole(text: str, number: int) -> str:
    """A text quoted whole (an FAQ answer) with its source's marker where a Markdown reader shows it as a marker: inside
    the last cell of a table it ends with, on the line after a code block it ends with (closed first where its chunk
    cut it off), else after a space. A bracketed number of the text's own is no marker (`not_a_marker`), nor is a lone
    backtick code's opening (`with_lone_backticks_as_code`)."""
    lines = not_a_marker(with_lone_backticks_as_code(text)).rstrip().split("\n")
    owners = fenced_lines(lines)
    if owners[-1] >= 0:
        start = owners.index(owners[-1])
        return "\n".join([*lines[:start], closed_code_block("\n".join(lines[start:]))]) + "\n" + marker(number)
    if is_table_row(lines[-1]) and lines[-1].endswith("|"):
        return "\n".join([*lines[:-1], f"{lines[-1][:-1].rstrip()} {marker(number)} |"])
    return "\n".join(lines) + f" {marker(number)}"


def write_cited(sentences: list[CitedSentence]) -> str:
    """The whole answer text for sentences known in advance (extractive answers)."""
    writer = CitationWriter()
    return "".join(writer.add(sentence) for sentence in sentences) + writer.finish()


_LINK_TARGET = re.compile(r"\]\([^()\s]*\)")


def _not_markers(text: str) -> list[tuple[int, int]]:
    """Where a "[1]" is never the bot's marker, in order, overlaps merged: code ("`args[1]`") and a link's address
    ("?tags[1]=a"; one inside code, "handlers[0](event)[1]", is code)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted([*code_spans(text), *(match.span() for match in _LINK_TARGET.finditer(text))]):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside(spans: list[tuple[int, int]], position: int) -> bool:
    at = bisect_right(spans, (position, float("inf"))) - 1  # the last span starting at or before it
    return at >= 0 and spans[at][0] <= position < spans[at][1]


def _markers(text: str) -> list[re.Match]:
    """The citation markers in the text: not a "[1]" in code or a link's address, which the bot never writes one into."""
    if "[" not in text:
        return []
    spans = _not_markers(text)
    return [match for match in MARKER.finditer(text) if not _inside(spans, match.start())]


def cited_numbers(text: str) -> list[int]:
    """The source numbers an answer's markers name, in order of first mention."""
    return list(dict.fromkeys(int(match.group(1)) for match in _markers(text)))


def citation_spans(text: str) -> Iterator[tuple[str, int | None]]:
    """The text cut into plain pieces and markers: ("Refunds take 5-7 days. ", None), ("[1]", 1), ..."""
    position = 0
    for match in _markers(text):
        if match.start() > position:
            yield text[position : match.start()], None
        yield match.group(0), int(match.group(1))
        position = match.end()
    if position < len(text):
        yield text[position:], None

"""A Markdown page's headings, FAQ pairs and footnotes written as the rest of the reading expects them.

LangChain's header splitter knows one kind of heading, "## Title", read up to the line's end. Pages
written otherwise were read wrong:

- a setext heading (its text on one line, "===" or "---" under it) was a line of text with a line of
  marks under it, in the chunk and quoted: the page had no title ("Giftcards", from the file name) and
  its sections no headings (a page's "Plans" was read as part of its opening section, its questions
  as lines of text). Written "# " (=) or "## " (-) here;
- an ATX heading's optional closing hashes ("## How do I change my plan? ##") were kept in the heading;
- a footnote's marker ("not refundable.[^1]") hid the sentence's end, and its definition ("[^1]: Except
  where ...") was read as a sentence of the section it stood in. The marker is left out and the
  definition written as a note ("Note: Except where ...") right after the paragraph that points at it,
  in the same section and chunk;
- an FAQ page of "Q: ..." / "A: ..." pairs read as one section whose answers each opened with "A:"
  ("A: No." quoted for a question whose answer is yes). Each question becomes a heading over its answer.

Code (fenced, and lines four spaces in where a heading or definition would start) is left as it is.
"""

from __future__ import annotations

import re

from supportbot.text.markup import outside_code
from supportbot.text.sentences import fenced_lines, is_code_block, is_table_row

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*")
_CLOSING_HASHES = re.compile(r"[ \t]+#+$")
_SETEXT_UNDERLINE = re.compile(r" {0,3}(=+|-+)[ \t]*")
# A line that opens a block of its own, so no setext heading's text: a list item, a quote, an HTML block, an
# admonition ("!!! note"), a table row, a footnote or link definition.
_OPENS_OTHER_BLOCK = re.compile(r"\s*(?:[-*+•][ \t]|\d{1,9}[.)](?:[ \t]|$)|>|<|!!!|\?\?\?|\[[^\]]*\]:)")


def _heading_level(line: str) -> int:
    """An ATX heading's level (1-6), else 0."""
    match = _ATX.fullmatch(line)
    return len(match[1]) if match else 0


def _without_closing_hashes(line: str) -> str:
    """An ATX heading without its closing sequence ("## Plans ##" -> "## Plans"; "## C#" keeps its "#", "## ##" is a
    heading of nothing, as written); the rest of the line as written."""
    closing = _CLOSING_HASHES.search(line.rstrip(" \t"))
    kept = line.rstrip(" \t")[: closing.start()] if closing else line
    return kept if closing and _heading_level(kept) and kept.strip(" #") else line


def _heading_text(line: str, above: str) -> bool:
    """Whether a line can be a setext heading's text: a paragraph's only line (what is above it is no paragraph text)."""
    stands_alone = not above.strip() or _heading_level(above) > 0 or _SETEXT_UNDERLINE.fullmatch(above) is not None or is_code_block(above)
    return stands_alone and bool(line.strip()) and len(line) - len(line.lstrip(" ")) <= 3 and not (
        "\t" in line[: len(line) - len(line.lstrip())] or _OPENS_OTHER_BLOCK.match(line) or is_table_row(line) or _heading_level(line)
    )


def with_atx_headings(markdown: str) -> str:
    """The page with its setext headings written as ATX ones ("Plans" over "-----" -> "## Plans") and its ATX
    headings without closing hashes. An underline counts under a paragraph's only line: "---" after a blank line
    is a rule, under a list item or table row it is none of the item's or row's, and a paragraph of several lines
    over it is left as written (a rule its writer set too close, as often as a heading of several lines)."""
    lines = markdown.split("\n")
    owners = fenced_lines(lines)
    written: list[str] = []
    for number, line in enumerate(lines):
        if owners[number] >= 0:
            written.append(line)
            continue
        underline = _SETEXT_UNDERLINE.fullmatch(line)
        if underline and number and owners[number - 1] < 0 and _heading_text(lines[number - 1], lines[number - 2] if number > 1 else ""):
            written[-1] = f"{'#' if underline[1][0] == '=' else '##'} {lines[number - 1].strip()}"
            continue
        written.append(_without_closing_hashes(line) if _heading_level(line) else line)
    return "\n".join(written)


_QUESTION = re.compile(r" {0,3}(?:\*\*Q:\*\*|\*\*Q\*\*:|__Q:__|Q:)[ \t]+(\S.*)|(?: {0,3})(?:\*\*Q:[ \t]*(\S.*?)\*\*|__Q:[ \t]*(\S.*?)__)[ \t]*")
_ANSWER = re.compile(r" {0,3}(?:\*\*A:\*\*|\*\*A\*\*:|__A:__|A:|(\*\*|__)A:)[ \t]*")
MIN_FAQ_PAIRS = 2
DEEPEST_SPLIT_LEVEL = 4  # the deepest heading retrieval/splitter.py cuts at (its HEADING_LEVELS)


def _question(line: str) -> str:
    match = _QUESTION.fullmatch(line.rstrip())
    return next((group.strip() for group in match.groups() if group), "") if match else ""


def _answer(line: str) -> str:
    """An "A:" line's answer ("**A: Yes, ...**", bold whole, without its bold)."""
    opening = _ANSWER.match(line)
    answer = line[opening.end() :]
    return answer.rstrip().removesuffix(opening[1]) if opening[1] else answer


def with_faq_pairs_as_headings(markdown: str) -> str:
    """A page of "Q: ..." lines each with an "A: ..." line (bold "**Q:**" too) with each question a heading over its
    answer, the "A:" left out, the heading a level below the section the pairs stand in ("## ..." under the page's
    title). Only a page that is such pairs: at least MIN_FAQ_PAIRS, and every "Q:" line with its "A:" line next."""
    lines = markdown.split("\n")
    owners = fenced_lines(lines)
    asked = [n for n, line in enumerate(lines) if owners[n] < 0 and _question(line)]
    answers: dict[int, int] = {}
    for n in asked:
        after = next((m for m in range(n + 1, len(lines)) if lines[m].strip()), None)
        if after is None or owners[after] >= 0 or not _ANSWER.match(lines[after]):
            return markdown
        answers[n] = after
    if len(asked) < MIN_FAQ_PAIRS:
        return markdown
    written: list[str] = []
    section = 1
    for number, line in enumerate(lines):
        if number in answers:
            written.append(f"{'#' * min(max(section + 1, 2), DEEPEST_SPLIT_LEVEL)} {_question(line)}")
        elif number in answers.values():
            answer = _answer(line)
            if answer.strip():
                written.append(answer)
        else:
            if owners[number] < 0 and (level := _heading_level(line)):
                section = level
            written.append(line)
    return "\n".join(written)


_FOOTNOTE = re.compile(r" {0,3}\[\^([^\]\s]+)\]:[ \t]*(.*)")
_MARKER = re.compile(r"[ \t]*\[\^([^\]\s]+)\]")
NOTE_PREFIX = "Note: "


def _footnotes(lines: list[str], owners: list[int]) -> list[tuple[str, int, int, list[str]]]:
    """Each footnote definition: its label (lower case), its first line, the line after it, and its text as a note's
    lines. A definition runs on over the lines right under it, and over paragraphs after it four spaces in."""
    found: list[tuple[str, int, int, list[str]]] = []
    number = 0
    while number < len(lines):
        definition = _FOOTNOTE.fullmatch(lines[number]) if owners[number] < 0 else None
        if definition is None:
            number += 1
            continue
        first = definition[2].strip()
        start, text, number = number, [first if first.lower().startswith(NOTE_PREFIX.lower()) else NOTE_PREFIX + first], number + 1
        while number < len(lines) and owners[number] < 0:
            line = lines[number]
            if line.strip() and (_FOOTNOTE.fullmatch(line) or _heading_level(line)):
                break
            if not line.strip():
                following = next((m for m in range(number, len(lines)) if lines[m].strip()), len(lines))
                if following == len(lines) or not lines[following].startswith(("    ", "\t")):
                    break
            elif not lines[number - 1].strip() and not line.startswith(("    ", "\t")):
                break
            text.append(line[4:] if line.startswith("    ") else line.strip())
            number += 1
        found.append((definition[1].lower(), start, number, text))
    return found


def _block_ends(lines: list[str], owners: list[int], number: int) -> int:
    """The line after the block (paragraph, list, table) line `number` stands in."""
    end = number + 1
    while end < len(lines) and lines[end].strip() and owners[end] < 0 and not _heading_level(lines[end]) and not _FOOTNOTE.fullmatch(lines[end]):
        end += 1
    return end


def _markers(line: str) -> list[str]:
    """The labels of the footnote markers in a line outside its code, lower case."""
    found: list[str] = []

    def collect(text: str) -> str:
        found.extend(marker[1].lower() for marker in _MARKER.finditer(text))
        return text

    outside_code(line, collect)
    return found


def _without_markers(line: str, labels: set[str]) -> str:
    """The line without the markers of the footnotes `labels` names, outside its code ("refundable.[^1]" -> "refundable.")."""
    return outside_code(line, lambda text: _MARKER.sub(lambda marker: "" if marker[1].lower() in labels else marker[0], text))


class _NotesWriter:
    """Lines written out, each note a paragraph of its own: a blank line before it and after it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._parted = False  # a note was written last: what follows starts a paragraph

    def line(self, line: str) -> None:
        if self._parted and line.strip():
            self.lines.append("")
        self._parted = False
        self.lines.append(line)

    def note(self, note: list[str]) -> None:
        if self.lines and self.lines[-1].strip():
            self.lines.append("")
        self.lines.extend(note)
        self._parted = True


def with_footnotes_as_notes(markdown: str) -> str:
    """The page with its footnote markers ("refundable.[^1]") left out and each definition ("[^1]: Except where ...")
    written as a note ("Note: Except where ...") after the paragraph that first points at it, a paragraph of its own;
    one nothing points at (or a label's second definition) stays where it is, as a note. A marker with no definition
    is text, as Markdown shows it."""
    if "[^" not in markdown:
        return markdown
    lines = markdown.split("\n")
    owners = fenced_lines(lines)
    definitions = _footnotes(lines, owners)
    if not definitions:
        return markdown
    labels = {label for label, *_ in definitions}
    notes: dict[str, list[str]] = {}  # by label, its first definition: the one markers point at
    first_lines: dict[str, int] = {}
    for label, start, _, text in definitions:
        if label not in notes:
            notes[label], first_lines[label] = [_without_markers(line, labels) for line in text], start
    inside = {n for _, start, end, _ in definitions for n in range(start, end)}
    pointed_at = {label for n, line in enumerate(lines) if owners[n] < 0 and n not in inside and "[^" in line for label in _markers(line)}
    moved = {first_lines[label] for label in pointed_at if label in first_lines}  # written after their paragraphs
    written = _NotesWriter()
    placed: set[str] = set()
    due: list[str] = []  # labels first pointed at in the block being read, placed when it ends
    block_end, number = -1, 0
    definition_at = {start: (end, text) for _, start, end, text in definitions}
    while number < len(lines):
        if number == block_end:
            for label in due:
                written.note(notes[label])
            due.clear()
        if number in definition_at:
            end, text = definition_at[number]
            if number not in moved:
                written.note([_without_markers(line, labels) for line in text])
            elif (not written.lines or not written.lines[-1].strip()) and end < len(lines) and not lines[end].strip():
                end += 1  # its blank line too: the definition left no gap of two
            number = end
            continue
        line = lines[number]
        if owners[number] < 0 and "[^" in line:
            for label in _markers(line):
                if label in labels and label not in placed:
                    placed.add(label)
                    due.append(label)
                    block_end = max(block_end, _block_ends(lines, owners, number))
            line = _without_markers(line, labels)
        written.line(line)
        number += 1
    for label in due:
        written.note(notes[label])
    return "\n".join(written.lines)


def page_as_read(markdown: str) -> str:
    """A Markdown page's body (front matter taken off) with its headings, FAQ pairs and footnotes as read (module
    docstring); each step leaves a page without what it reads as it was."""
    return with_footnotes_as_notes(with_faq_pairs_as_headings(with_atx_headings(markdown)))

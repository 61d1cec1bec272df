"""Text carried through LangChain's Markdown header splitter as it was written.

The splitter strips every line, drops every character `str.isprintable` rejects (tabs, no-break
spaces, the joiners of Persian words and emoji, zero-width spaces) and reads any line opening with
"#" as a heading, code's comments too (langchain-ai/langchain#20823, #40071): "Hub&nbsp;7" became
"Hub7", "Name<tab>Price" "NamePrice", code lost its indentation and blank lines, and "# install" in a
block it did not see as one (fenced with four backticks, or indented) became a heading over the
rest of the page. A `HeaderGuard` writes what it would lose as printable symbols the page does not
hold (Braille cells), and writes them back after:

- outside code, a space of another kind (no-break, thin) or a tab is a plain space: it parts words;
  an invisible format character (a joiner, a zero-width space) is kept; a "#" four spaces in opens
  no heading (CommonMark);
- in a list, the indentation of an item in an item, and of an item's paragraph (`list_indents`): "- Plans"
  over "  - Basic: $10" read as two items of one list, the plan no longer under "Plans";
- in code, a line's indentation, its "#", a blank line and every character the splitter drops.
"""

from __future__ import annotations

import re
import unicodedata

_LEADING_SPACES = re.compile(r"^ +")
_INDENTED_HASH = re.compile(r"^((?: {4,}|\t)[ \t]*)#")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•]|\d{1,9}[.)])[ \t]+(?=\S)")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
TAB_STOP = 4  # CommonMark's


def _column(text: str) -> int:
    """The column a line's text starts at past `text`, its opening (a tab to the next tab stop)."""
    return len(text.expandtabs(TAB_STOP))


def list_indents(lines: list[str], code_lines: list[int]) -> list[int]:
    """For each line, the spaces it keeps in front: a list item that stands under another item, and a paragraph of an
    item (after a blank line), keep how far in they stand from the list's outermost item; every other line none.

    A line stands under an item when it is at least as far in as the item's text (CommonMark): " - Handles" under
    " - Cracks" is its sibling, a PDF's stray space. A line that goes on with the paragraph above it keeps nothing
    (its indentation says nothing of where it stands), nor does code (`code_lines`, guarded as code)."""
    kept: list[int] = []
    columns: list[int] = []  # where the text of each item the next line may stand under starts, outermost first
    base = after_blank = 0
    for line, owner in zip(lines, code_lines, strict=True):
        if owner >= 0 or not line.strip():
            kept.append(0)
            after_blank = after_blank if owner >= 0 else not line.strip()
            continue
        indent, item = _column(line[: len(line) - len(line.lstrip(" \t"))]), _LIST_ITEM.match(line)
        if _HEADING.match(line):
            columns.clear()
        elif item or after_blank:
            while columns and indent < columns[-1]:
                columns.pop()  # not under that item: a sibling of it, or a paragraph further left
            if not columns:
                base = indent
        kept.append(indent - base if columns and (item or after_blank) else 0)
        if item:
            columns.append(_column(item[0]))
        after_blank = False
    return kept


class HeaderGuard:
    """The symbols one text is guarded with: four Braille cells it does not hold itself."""

    def __init__(self, text: str) -> None:
        free = (char for char in map(chr, range(0x2800, 0x2900)) if char not in text)
        self.space, self.hash, self.blank, self.escape = next(free), next(free), next(free), next(free)
        self._escaped = re.compile(f"{self.escape}([0-9a-f]+){self.escape}")

    def _escape(self, char: str) -> str:
        return f"{self.escape}{ord(char):x}{self.escape}"

    def _code_line(self, line: str) -> str:
        if not line.strip():
            return self.blank
        comment = line.lstrip().startswith("#")
        line = _LEADING_SPACES.sub(lambda spaces: self.space * len(spaces[0]), line)
        line = "".join(char if char.isprintable() else self._escape(char) for char in line)
        return line.replace("#", self.hash, 1) if comment else line  # its indentation holds no "#": the first is the comment's

    def _prose_line(self, line: str) -> str:
        if not line.isprintable():
            line = "".join(
                " " if char == "\t" or (char != " " and unicodedata.category(char) == "Zs")
                else self._escape(char) if unicodedata.category(char) == "Cf"  # a joiner, a zero-width space: kept
                else char
                for char in line
            )
        return _INDENTED_HASH.sub(lambda indented: indented[1] + self.hash, line)

    def _indented_line(self, line: str, indent: int) -> str:
        return self.space * indent + self._prose_line(line.lstrip(" \t"))

    def guarded(self, text: str, code_lines: list[int]) -> str:
        """The text as it can pass LangChain's header splitter (module docstring); `code_lines` says for each line
        whether it is code (its block's number) or not (-1), as `text.sentences.fenced_lines` does."""
        lines = text.split("\n")
        indents = list_indents(lines, code_lines)
        return "\n".join(
            self._code_line(line) if owner >= 0 else self._indented_line(line, indent) if indent else self._prose_line(line)
            for line, owner, indent in zip(lines, code_lines, indents, strict=True)
        )

    def unguarded(self, text: str) -> str:
        """What `guarded` wrote, written back."""
        text = self._escaped.sub(lambda escaped: chr(int(escaped[1], 16)), text)
        lines = ["" if line.strip(" ") == self.blank else line for line in text.split("\n")]
        return "\n".join(lines).replace(self.space, " ").replace(self.hash, "#")

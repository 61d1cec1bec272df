"""Bold, tables, code and links in answers, for each channel to show its own way.

Help-center pages are Markdown, and answers quote them ("available on orders from **$35 to $1,000**"),
so an answer's text carries Markdown's `**bold**`, links ("See [Start a return](https://...)"), code
blocks, and a quoted table row as a Markdown table (its header row, the delimiter row "| --- | --- |",
the row). The HTTP API and `--json` pass it on as Markdown; the web widget draws it. Slack's mrkdwn
writes bold with single asterisks (double ones it shows as they are), links as `<url|text>`, and code
blocks without a language; a terminal has no bold to give, so the console leaves the marks out, and
writes a link as "text (url)". Neither has tables: Slack shows the rows as lines of cells, without the
delimiter row; the console pads a table's cells into columns, a rule of dashes under the header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from supportbot.text.sentences import (
    code_spans,
    fenced_lines,
    is_code_block,
    is_delimiter_row,
    is_table_row,
    opens_table,
    table_cells,
)

BOLD_MARK = "**"
# Invisible, and joins nothing that was apart: put inside text a reader would take for markup ("[2]" a citation,
# "# of items" a heading), it keeps that text what it is.
WORD_JOINER = "\u2060"
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The text cut into prose and code (code blocks, inline code), in order: each piece and whether it is code."""
    if "`" not in text and "~~~" not in text:
        return [(text, False)]
    pieces, start = [], 0
    for code_start, code_end in code_spans(text):
        pieces += [(text[start:code_start], False), (text[code_start:code_end], True)]
        start = code_end
    return [*pieces, (text[start:], False)]


def outside_code(text: str, transform: Callable[[str], str]) -> str:
    """`transform` applied to the text outside its code (code blocks, inline code): "z = x**2" and "`**kwargs`" are code,
    not bold, and a code line of dashes is no table's delimiter row."""
    return "".join(piece if code else transform(piece) for piece, code in _pieces(text))


def as_code_span(code: str) -> str:
    """Code as Markdown's inline code: between runs of backticks longer than any it holds ("`` a`b ``"); blank code as
    it is."""
    if not code.strip():
        return code
    fence = "`" * (max((len(run) for run in re.findall(r"`+", code)), default=0) + 1)
    return f"{fence}{code}{fence}" if fence == "`" else f"{fence} {code} {fence}"


def with_lone_backticks_as_code(text: str) -> str:
    """The text with each backtick that opens or closes no code span in it written as code of itself ("`` ` ``"): set
    before a sentence holding code, a lone one ("Type ` to open the console.") paired with that code's first backtick,
    and every channel showed the words between, the citation marker with them, as code."""
    if "`" not in text:
        return text
    for lone in reversed(list(re.finditer(r"`+", _code_hidden(text)))):
        text = text[: lone.start()] + as_code_span(lone[0]) + text[lone.end() :]
    return text


def _names_nothing(row: str) -> bool:
    """A header row of empty cells ("|  |  |"), a table's that names no columns."""
    return is_table_row(row) and not any(table_cells(row))


def without_delimiter_rows(text: str) -> str:
    """The text without Markdown tables' delimiter rows ("| --- | --- |") and empty header rows, for channels that
    show no tables."""
    if "---" not in text:
        return text
    lines = text.split("\n")
    kept = [line for line, owner in zip(lines, fenced_lines(lines), strict=True) if owner >= 0 or not (is_delimiter_row(line) or _names_nothing(line))]
    return "\n".join(kept)


_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://[^\s()]+)\)")  # only web links: a page's relative ones lead nowhere here


def display_width(text: str) -> int:
    """Columns a terminal gives the text: two for a wide character (Chinese, Japanese, Korean), none for a combining mark."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 0 if unicodedata.combining(char) else 1 for char in text)


def _aligned(rows: list[str]) -> list[str]:
    """A table's header row and rows with each column padded to its widest cell, a rule under the header; a pipe
    a cell holds shown as itself ("a \\| b" -> "a | b")."""
    cells = [[cell.replace("\\|", "|") for cell in table_cells(row)] for row in rows]
    widths = [max(display_width(row[column]) for row in cells if column < len(row)) for column in range(max(map(len, cells)))]
    lines = ["| " + " | ".join(cell + " " * (widths[column] - display_width(cell)) for column, cell in enumerate(row)) + " |" for row in cells]
    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return [rule, *lines[1:]] if not any(cells[0]) else [lines[0], rule, *lines[1:]]  # no line of empty names


def as_aligned_tables(text: str) -> str:
    """Each Markdown table (a header row over a delimiter row, then rows) with its columns lined up, for a terminal."""
    if "---" not in text:
        return text
    lines, shown, number = text.split("\n"), [], 0
    code = fenced_lines(lines)
    while number < len(lines):
        if number + 1 < len(lines) and code[number] < 0 and opens_table(lines[number], lines[number + 1]):
            end = number + 2
            while end < len(lines) and is_table_row(lines[end]):
                end += 1
            shown += _aligned([lines[number], *lines[number + 2 : end]])
            number = end
        else:
            shown.append(lines[number])
            number += 1
    return "\n".join(shown)


def as_slack_links(text: str) -> str:
    """`[text](url)` as Slack mrkdwn's `<url|text>` (on text already escaped for mrkdwn); anything else unchanged."""
    return outside_code(text, lambda prose: _LINK.sub(lambda link: f"<{link[2]}|{link[1].replace('|', '/')}>", prose))


def as_plain_links(text: str) -> str:
    """`[text](url)` as "text (url)", for a terminal."""
    return outside_code(text, lambda prose: _LINK.sub(r"\1 (\2)", prose))


def as_slack_code(text: str) -> str:
    """Each code block's fences as mrkdwn's only kind, "```" without a language ("```bash" -> "```", "~~~" -> "```"):
    mrkdwn would show the word as code, and a "~~~" block as text."""
    if "```" not in text and "~~~" not in text:
        return text
    lines = text.split("\n")
    owners = fenced_lines(lines)
    for number, owner in enumerate(owners):
        opens = owner >= 0 and (number == 0 or owners[number - 1] != owner)
        closes = owner >= 0 and not opens and (number + 1 == len(lines) or owners[number + 1] != owner) and is_code_block(lines[number])
        if opens or closes:
            lines[number] = "```"
    return "\n".join(lines)


def _code_hidden(text: str) -> str:
    """The text with each character of its code (but line breaks) a symbol that is neither a space nor a mark: what is
    found in it lies outside code at the same places in the text."""
    hidden = list(text)
    for start, end in code_spans(text):
        hidden[start:end] = ("\n" if char == "\n" else "\ue000" for char in text[start:end])
    return "".join(hidden)


def as_slack_bold(text: str) -> str:
    """`**bold**` as Slack mrkdwn's `*bold*`, bold holding code too ("**Run `make`**", whose marks no stretch of prose
    held both of); code unchanged."""
    if BOLD_MARK not in text:
        return text
    marks = [at for bold in _BOLD.finditer(_code_hidden(text)) for at in (bold.start(), bold.end() - len(BOLD_MARK))]
    for at in reversed(marks):
        text = text[:at] + "*" + text[at + len(BOLD_MARK) :]
    return text


def with_bold_paired(text: str) -> str:
    """The text, or without its bold marks where one of a pair is not in it: a bold span over two sentences ("**We
    match any price. Clearance is excluded.** Ask us.") quoted in part left a lone "**" every channel shows."""
    marks = sum(piece.count(BOLD_MARK) for piece, code in _pieces(text) if not code)
    return text if marks % 2 == 0 else without_bold_marks(text)


def without_bold_marks(text: str) -> str:
    """The text with every `**` removed: a piece of a streamed answer may hold one mark of a pair, so none is kept."""
    return outside_code(text, lambda prose: prose.replace(BOLD_MARK, "")) if BOLD_MARK in text else text

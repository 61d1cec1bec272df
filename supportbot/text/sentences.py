"""Sentence splitting for citations, grounding checks and extractive answers, CJK included.

A rule-based splitter (no model): it ends a sentence at . ! ? followed by a space and a new
sentence, at the CJK full stops 。！？ (no space needed), and at line breaks that start a new block
(a blank line, a list item, a heading, a table row). Abbreviations, decimals ("1.5"), initials,
URLs and e-mail addresses do not end a sentence, nor does an initialism or a unit after an amount with the
sentence going on in lower case ("We do not ship to P.O. boxes", "a $5/mo. discount", "10 in. x 12 in. wide"),
nor a ! or ? inside quotes so followed ('Click "Forgot password?" on the sign-in page'). A table row is one
sentence whatever its cells hold ("| Flashing white | Starting up | Wait. This can take 5 minutes |"):
its cells say something only together. A fenced code block is one sentence too, whatever its lines
look like. A run of text with no boundary at all (one long line) is cut at whitespace near
`max_chars` so no "sentence" is unbounded (a code block is bounded by its fences and its chunk, a
table row by its line).

Every sentence returned is an exact substring of the input with its surrounding whitespace and
list/heading markers removed, so an extractive answer made of them quotes its source verbatim.
"""

from __future__ import annotations

import re
from bisect import bisect_right

MAX_SENTENCE_CHARS = 400
HEADING_CHARS = 60  # longer lines without closing punctuation are wrapped text, not headings
CLOSING_PUNCTUATION = ".!?,;:。！？，；："  # what ends a sentence or a clause, never a heading

# Words after which a full stop does not end a sentence (lowercased, without the dot).
ABBREVIATIONS = frozenset(
    {
        "e.g", "i.e", "etc", "vs", "approx", "incl", "excl", "min", "max", "mr", "mrs", "ms", "dr", "st", "no", "nos",
        "tel", "fig", "p", "pp", "ca", "cf", "al", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
        "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "u.s", "u.k", "a.m", "p.m", "p.o", "dept", "inc", "ltd",
        "co", "corp", "est",
    }
)

# Units written short, which end a sentence as often as not ("It costs $5/mo."), but not before a lower-case word
# when an amount comes before them ("$5/mo. discount", "10 in. x 12 in. wide", "per mo. for each user").
UNIT_ABBREVIATIONS = frozenset({"mo", "mos", "yr", "yrs", "wk", "wks", "hr", "hrs", "in", "ft", "yd", "oz", "lb", "lbs", "gal"})
_INITIALISM = re.compile(r"(?:[a-z]\.)+[a-z]")  # "p.o", "u.s.a": letters between dots, one word
_AMOUNT_BEFORE = re.compile(r"(?:\d|\bper)[ \t/]*$", re.IGNORECASE)  # "$5/", "10 ", "per "

_STEP_LABEL = re.compile(r"(?:^|\n)[ \t]*(?:\*\*|__)?[Ss]tep[ \t]+\d{1,2}$")  # a line opening "Step 1." (its dot next)

# A block marker at the start of a line: list bullets, numbered items, headings, quotes.
_BLOCK_MARKER = re.compile(r"^\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+|#{1,6}\s+|>\s*)", re.MULTILINE)
_CLOSERS = "\"'”’)]」』）"


def _word_start(text: str, dot: int) -> int:
    """Where the word the '.' at `dot` closes starts, its own dots included ("P.O.", "v2.1")."""
    start = dot
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    return start


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the '.' at `dot` closes an abbreviation, an initial or a number rather than a sentence."""
    start = _word_start(text, dot)
    word = text[start:dot].lower()
    if not word:
        return False
    if word in ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha() and text[start].isupper()  # an initial: "J. Smith"


def _is_short_form(text: str, dot: int) -> bool:
    """Whether the '.' at `dot` may close a word written short as well as a sentence: an initialism ("P.O.") or a
    unit after an amount ("$5/mo.", "10 in.", "10in.", "per mo."), which a lower-case word after it tells apart."""
    start = _word_start(text, dot)
    word = text[start:dot].lower()
    if _INITIALISM.fullmatch(word):
        return True
    if word[:1].isdigit():
        return word.lstrip("0123456789.,") in UNIT_ABBREVIATIONS
    return word in UNIT_ABBREVIATIONS and _AMOUNT_BEFORE.search(text, max(0, start - 20), start) is not None


def _ends_sentence(text: str, index: int, limit: int) -> int | None:
    """If the character at `index` ends a sentence, the index just past it (closing quotes and brackets included)."""
    char = text[index]
    if char not in ".!?。！？":
        return None
    end = index + 1
    while end < limit and text[end] in _CLOSERS + ".!?":
        end += 1
    if char in "。！？":
        while end < limit and text[end] in "*_":
            end += 1  # bold's closing marks: "**寄出退货。**运输时间…" opened the next sentence with them
        return end
    if end < limit and not text[end].isspace():
        # "1.5", "example.com" go on; a CJK character right after "." or "!" starts a new sentence.
        return end if _is_cjk(text[end]) else None
    if char == "." and _STEP_LABEL.search(text, max(0, index - 20), index):
        return None  # "Step 1. Open the app.": the label of a step written out, not a sentence
    if char == "." and (_is_abbreviation(text, index) or (_is_short_form(text, index) and _lowercase_word_follows(text, end, limit))):
        return None  # "P.O. Box", "P.O. boxes", "a $5/mo. discount"; but "It costs $5/mo. Annual plans save 20%."
    if char in "!?" and end > index + 1 and _lowercase_follows(text, end, limit):
        return None  # 'Click "Forgot password?" on the sign-in page': the mark ends the quoted words, not the sentence
    return end


def _lowercase_follows(text: str, index: int, limit: int) -> bool:
    """Whether the first word after `index` (past spaces, within `limit`) opens in lower case."""
    while index < limit and text[index].isspace():
        index += 1
    return index < limit and text[index].islower()


def _lowercase_word_follows(text: str, index: int, limit: int) -> bool:
    """Whether the first word after `index` (past spaces, within `limit`) is in lower case throughout: "boxes", not
    "Annual" or "iOS" (which may open a sentence)."""
    while index < limit and text[index].isspace():
        index += 1
    end = index
    while end < limit and text[end].isalnum():
        end += 1
    word = text[index:end]
    return word[:1].islower() and word.islower()


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF


def is_table_row(line: str) -> bool:
    """A Markdown table row, or a row of cells as HTML tables are read ("Standard | 5-7 days | $5.95")."""
    return line.lstrip().startswith("|") or line.count(" | ") >= 2


_DELIMITER_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*")


def is_delimiter_row(line: str) -> bool:
    """A Markdown table's delimiter row, under its header row ("|---|---|", "| :--- | ---: |")."""
    return "|" in line and _DELIMITER_ROW.fullmatch(line) is not None  # "---" alone is a rule, not a table


_CELL_BORDER = re.compile(r"(?<!\\)\|")  # a pipe a cell holds is escaped ("`a \| b`"), as GitHub's tables have it


def table_cells(row: str) -> list[str]:
    """A table row's cells, stripped ("| Plan | $35 |" -> ["Plan", "$35"]); its edge pipes are optional."""
    row = row.strip()
    row = row.removeprefix("|")
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [cell.strip() for cell in _CELL_BORDER.split(row)]


def delimiter_row(header: str) -> str:
    """Markdown's delimiter row for a header row ("| Plan | Price |" -> "| --- | --- |")."""
    row = " | ".join(["---"] * len(table_cells(header)))
    return f"| {row} |" if header.lstrip().startswith("|") else row


def opens_table(line: str, below: str) -> bool:
    """Whether a line is a Markdown table's header row: a row of cells right above a delimiter row."""
    return is_table_row(line) and is_delimiter_row(below)


def table_headers(lines: list[str]) -> list[str]:
    """For each line, the header row (stripped) of the Markdown table it is a body row of, else "": the row right above
    the delimiter row its rows run on from."""
    found, header = [], ""
    for number, line in enumerate(lines):
        below = lines[number + 1] if number + 1 < len(lines) else ""
        if opens_table(line, below) or (not is_table_row(line) and not is_delimiter_row(line)):
            header = ""
        found.append(header if not is_delimiter_row(line) else "")
        if opens_table(line, below):
            header = line.strip()
    return found


def row_headers(text: str) -> dict[str, str]:
    """Each row of the text's Markdown tables (stripped), the header row among them, with its table's header row. A
    header of empty cells ("|  |  |", a table that names no columns) is no sentence, so a row's header is found by
    where the row stands, not by the sentences before it."""
    headers: dict[str, str] = {}
    lines = text.split("\n")
    for number, (line, header) in enumerate(zip(lines, table_headers(lines), strict=True)):
        below = lines[number + 1] if number + 1 < len(lines) else ""
        if opens_table(line, below):
            header = line.strip()  # the header row is its own table's
        if header:
            headers.setdefault(line.strip(), header)
    return headers


def with_regular_tables(text: str) -> str:
    """The text with each row of its Markdown tables written one way: "| Code | Meaning |", its cells between pipes
    a space away (a delimiter row with its edge pipes as it is).

    GitHub's tables may leave out the edge pipes or the spaces ("Code | Meaning", "|Plan|Price|"), and such a row
    read as prose wherever rows are read one at a time (`is_table_row`). A table, as GitHub reads one: a header row
    of as many cells as the delimiter row under it, then the lines holding a pipe up to a blank line; code blocks
    are left as they are.
    """
    if "|" not in text or "-" not in text:
        return text
    lines = text.split("\n")
    fenced = fenced_lines(lines)
    in_table = False
    for number, line in enumerate(lines):
        below = lines[number + 1] if number + 1 < len(lines) else ""
        if fenced[number] >= 0 or not line.strip() or "|" not in line:
            in_table = False
        elif not in_table:
            in_table = fenced[min(number + 1, len(lines) - 1)] < 0 and is_delimiter_row(below) and len(table_cells(line)) == len(table_cells(below))
        if in_table and not (is_delimiter_row(line) and line.lstrip().startswith("|")):  # read as one however spaced
            lines[number] = "| " + " | ".join(table_cells(line)) + " |"
    return "\n".join(lines)


def names_a_topic(line: str) -> bool:
    """A short line without closing punctuation: a heading's shape ("Fixing rust", "How to make a claim")."""
    line = line.strip()
    return len(line) <= HEADING_CHARS and line[-1] not in CLOSING_PUNCTUATION


def is_heading_line(line: str, following: str) -> bool:
    """A short line without closing punctuation above a capitalised line is a plain-text heading ("Fixing rust")."""
    following = following.lstrip()
    return names_a_topic(line) and (following[0].isupper() or following[0].isdigit())


_FENCE = re.compile(r"([ \t]*)(`{3,}(?![^\n]*`)|~{3,})")  # CommonMark: a backtick fence's line holds no other backtick
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•]|\d{1,9}[.)])[ \t]+(?=\S)")
FENCE_INDENT = 3  # spaces a fence may stand in from where its block's text starts (CommonMark)


def indentation(line: str) -> int:
    """How far a line stands in: its leading spaces and tabs."""
    return len(line) - len(line.lstrip(" \t"))


def _fence(line: str, most_indent: int = FENCE_INDENT) -> str:
    """The fence a line opens or closes a code block with ("```", "~~~~"), or "" (indented more than `most_indent`)."""
    mark = _FENCE.match(line)
    return mark.group(2) if mark is not None and len(mark.group(1)) <= most_indent else ""


def is_code_block(text: str) -> bool:
    """A fenced code block ("```" ... "```"), as `split_sentences` gives one whole ("``` x ```" is inline code)."""
    return bool(_fence(text))


def _closes(line: str, fence: str, most_indent: int = FENCE_INDENT) -> bool:
    mark = _fence(line, most_indent)
    return bool(mark) and mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip().strip(mark[0])


def closed_code_block(text: str) -> str:
    """A code block as it stands alone in an answer: closed (a chunk may end inside one, and the rest of an answer is
    not code), and its lines moved left by as much as its closing fence stands in (a list item's code, "    ```")."""
    lines = text.rstrip().split("\n")
    fence = _fence(lines[0])
    if not fence:
        return text
    if len(lines) > 1 and _closes(lines[-1], fence, most_indent=len(lines[-1])):
        indent = indentation(lines[-1])
        return "\n".join([lines[0], *(line[min(indent, indentation(line)) :] for line in lines[1:])])
    return f"{text.rstrip()}\n{fence}"


def fenced_lines(lines: list[str]) -> list[int]:
    """For each line, the number of the fenced code block it belongs to (opening and closing fence included), or -1.
    In a list item a fence may stand in as far as the item's text does, plus FENCE_INDENT ("2. Run:" over "    ```"),
    an item of a list inside an item too ("    - Debian:" over "        ```")."""
    owners, fence, block, item_text, most_indent = [], "", -1, 0, FENCE_INDENT
    for line in lines:
        if fence:
            owners.append(block)
            if _closes(line, fence, most_indent):
                fence = ""
            continue
        if (item := _LIST_ITEM.match(line)) and (indentation(line) <= FENCE_INDENT or indentation(line) >= item_text > 0):
            item_text = item.end()  # an item, or one under the item before it ("    - Debian:" under "- Linux")
        elif line.strip() and indentation(line) < item_text:
            item_text = 0  # a paragraph further left: the list has ended
        if mark := _fence(line, item_text + FENCE_INDENT):
            fence, block, most_indent = mark, block + 1, item_text + FENCE_INDENT
            owners.append(block)
        else:
            owners.append(-1)
    return owners


def fenced_code(code: str) -> str:
    """Code as a fenced code block, its fence longer than any run of backticks in the code (which would close it)."""
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`{3,}", code))])
    return f"{fence}\n{code}\n{fence}"


_INDENTED_CODE = re.compile(r" {4}| {0,3}\t")  # an indented code block's line starts so (CommonMark); its code after
_ATX_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")


def with_indented_code_fenced(markdown: str) -> str:
    """Markdown with each indented code block (lines four spaces or a tab in, after a blank line or a heading) written as
    a fenced one, its lines moved left by those four spaces: read as a paragraph, its lines lost their indentation in
    LangChain's splitter, and every reader of a chunk (sentences, citations, channels) knows fenced code only.

    Lines standing in under a list item are the item's (its paragraphs, as MkDocs wants them four spaces in), not code,
    unless they stand four spaces further in than the item's text after a blank line: the item's own code, fenced as
    far in as its text, so that it stays in the item (CommonMark; a step's command was read as a line of prose)."""
    if "    " not in markdown and "\t" not in markdown:
        return markdown
    lines = markdown.split("\n")
    fenced = fenced_lines(lines)
    written: list[str] = []
    item_text = number = 0
    while number < len(lines):
        line, above = lines[number], lines[number - 1] if number else ""
        after_break = not above.strip() or (fenced[number - 1] < 0 and _ATX_HEADING.match(above) is not None)
        if fenced[number] < 0 and line.strip() and _is_code_line(line, item_text) and (after_break if not item_text else not above.strip()):
            end = number
            while end < len(lines) and fenced[end] < 0 and (not lines[end].strip() or _is_code_line(lines[end], item_text)):
                end += 1
            while not lines[end - 1].strip():
                end -= 1  # blank lines after the code part it from what follows; they are not code
            block = lines[number:end]
            if item_text:  # moved left as a whole: MkDocs stands an item's code 8 in, CommonMark 4 past the item's text
                left = min(indentation(code_line.expandtabs(4)) for code_line in block if code_line.strip())
                block = [code_line.expandtabs(4)[left:] for code_line in block]
            code = fenced_code("\n".join(block if item_text else map(_dedented, block)))
            written.append("\n".join(" " * item_text + code_line if code_line else "" for code_line in code.split("\n")))
            number = end
            continue
        if fenced[number] < 0 or number == 0 or fenced[number - 1] != fenced[number]:  # a fence's first line is its block's
            in_item = 0 < item_text <= indentation(line)  # as far in as the item's text: the item's own (a list too)
            if (item := _LIST_ITEM.match(line)) and indentation(line) <= FENCE_INDENT and not in_item:
                item_text = item.end()
            elif _ATX_HEADING.match(line) or (line.strip() and indentation(line) < item_text and not above.strip()):
                item_text = 0  # a heading, or a paragraph further left than the item's text: the list has ended
        written.append(line)
        number += 1
    return "\n".join(written)


def _is_code_line(line: str, item_text: int) -> bool:
    """A line of an indented code block: four spaces (or a tab) in, or, in a list item, four spaces in from where
    the item's text starts ("3. Check the version:" over "       larkspur --version"), as CommonMark reads it."""
    if not item_text:
        return _INDENTED_CODE.match(line) is not None
    return indentation(line.expandtabs(4)) >= item_text + 4 and not line[:item_text].strip()


def _dedented(line: str) -> str:
    """An indented code block's line without the indentation that made it code (a blank line: blank)."""
    start = _INDENTED_CODE.match(line)
    return line[start.end() :] if start else line.strip(" \t")


# Inline code: "`Authorization`", "``a`b``". A backtick standing alone between spaces opens none: it is the character
# ("Press ` to open the console"), which paired with the next sentence's "`make`" hid the words between as code.
_OPENS_CODE = r"(?!(?<!\S)`\s)(`+)"
_CODE_SPAN = re.compile(_OPENS_CODE + r"(?:[^`]|[^`][^\n]{0,2000}?[^`])\1(?!`)")
_CODE_OPENING = re.compile(_OPENS_CODE)


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where the text is code, in order: its fenced code blocks' lines (fences included) and its inline code spans."""
    spans, position = [], 0
    lines = text.split("\n")
    for line, owner in zip(lines, fenced_lines(lines), strict=True):
        if owner >= 0:
            spans.append((position, position + len(line) + 1))
        else:
            spans += [(position + span.start(), position + span.end()) for span in _CODE_SPAN.finditer(line)]
        position += len(line) + 1
    return spans


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of the text's blocks: a line break starts a new block unless the next line just continues a paragraph
    or a fenced code block (whose lines are code, whatever they look like: "# a comment", "- key: value")."""
    lines = text.split("\n")
    fenced = fenced_lines(lines)
    spans: list[tuple[int, int]] = []
    start = position = 0
    for number, line in enumerate(lines[:-1]):
        position += len(line) + 1
        following = lines[number + 1]
        if fenced[number] >= 0 or fenced[number + 1] >= 0:
            continues = fenced[number] == fenced[number + 1]
        else:
            continues = bool(
                following.strip()
                and line.strip()
                and not _BLOCK_MARKER.match(following)
                and not is_table_row(following)
                and not is_table_row(line)
                and not line.lstrip().startswith("#")
                and not line.endswith("  ")  # a Markdown hard break, as LangChain's header splitter writes a blank line
                and not is_heading_line(line, following)
            )
        if not continues:
            spans.append((start, position - 1))
            start = position
    spans.append((start, len(text)))
    return spans


def _cut_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut an over-long span at whitespace (or anywhere, for text without spaces) into pieces of at most max_chars."""
    pieces = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        pieces.append((start, cut))
        start = cut + 1 if text[cut] == " " else cut  # the next piece starts at a word, not at the space
    pieces.append((start, end))
    return pieces


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    marker = _BLOCK_MARKER.match(text, start, end)
    if marker and marker.end() < end:
        start = marker.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, in order; empty pieces are left out."""
    spans: list[tuple[int, int]] = []
    code = code_spans(text) if "`" in text else []
    for block_start, block_end in _blocks(text):
        if is_table_row(text[block_start:block_end]) or is_code_block(text[block_start:block_end]):
            spans.append((block_start, block_end))  # one row, one statement: "| Flashing white | Starting up | Wait. This ..."
            continue  # code says nothing sentence by sentence
        marker = _BLOCK_MARKER.match(text, block_start, block_end)
        start = marker.end() if marker else block_start  # "1. " opens a list item, it does not end a sentence
        for index in range(block_start, block_end):
            if index < start or (code and _in_spans(code, index)):
                continue  # inline code is said whole: "`Payment declined. Try another card.`" cut in two was no code
            end = _ends_sentence(text, index, block_end)
            if end is not None:
                spans.append((start, end))
                start = end
        spans.append((start, block_end))
    result = []
    for start, end in spans:
        start, end = _trim(text, start, end)
        if end > start and any(char.isalnum() for char in text[start:end]):
            whole = is_code_block(text[start:end]) or is_table_row(text[start:end])  # a row's last cells mean nothing cut off
            result.extend([(start, end)] if whole else _cut_long(text, start, end, max_chars))
    return result


def _in_spans(spans: list[tuple[int, int]], position: int) -> bool:
    """Whether the position lies in one of the spans (in order, apart)."""
    at = bisect_right(spans, (position, float("inf"))) - 1  # the last span starting at or before it
    return at >= 0 and spans[at][0] <= position < spans[at][1]


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """The sentences of `text`, each an exact substring of it (see the module docstring)."""
    return [text[start:end] for start, end in sentence_spans(text, max_chars)]


def complete_sentences(buffer: str) -> tuple[list[str], str]:
    """For text arriving in pieces: the sentences certainly finished, and the rest to keep waiting on.

    The last sentence of the buffer may still grow ("It costs $5" + ".99"), so it is held back until
    more text arrives or the stream ends (then split_sentences on the remainder finishes it).
    """
    open_code = _open_code(buffer)
    spans = [span for span in sentence_spans(buffer)[:-1] if span[1] <= open_code]
    if not spans:
        return [], buffer
    return [buffer[start:end] for start, end in spans], buffer[spans[-1][1] :]


def _open_code(buffer: str) -> int:
    """Where inline code the buffer's last line opens may still be going on (its closing backtick yet to come), else the
    buffer's end: a sentence ending after it is not known to be done ("Run `git commit -m 'Fix. Add tests'`")."""
    line_start = buffer.rfind("\n") + 1
    if "`" not in buffer[line_start:]:
        return len(buffer)
    line = buffer[line_start:]
    code = code_spans(line)
    openings = (run.start() for run in _CODE_OPENING.finditer(line) if not _in_spans(code, run.start()))
    return line_start + next(openings, len(line))

"""An HTML table's rows laid out as a browser shows them, each cell's text on the one line a Markdown cell has
(retrieval/html_reader.py writes them as a Markdown table); and what a browser shows of a piece of HTML text, which
the reader shares.

A cell spanning rows stands in each row it spans, one spanning columns in each column (a row's only cell, a note
across the table, in the first, the rest empty): a row missing its spanned cell put its later cells under the wrong
columns. A cell's text is written as a Markdown page's cell is: its code as code ("`--force`", its backticks were
lost), a pipe it holds escaped ("a \\| b"; it was "a / b"). Its lines, those a `<br>` ends and each paragraph or other
block in it ("First.</p><p>Second" read "First.Second"), are "; " apart, or a space after closing punctuation ("64-bit
only; ARM is in beta": a space read "only ARM"). A table in a cell is the cell's text ("12 months: $41.58; 24 months:
$20.79"), not a table of its own.
"""

from __future__ import annotations

from itertools import chain

from bs4 import NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from supportbot.text.markup import as_code_span
from supportbot.text.sentences import CLOSING_PUNCTUATION

LEFT_OUT = frozenset({"script", "style", "noscript", "template", "nav", "svg", "button", "select", "head", "iframe", "object"})
NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
# A <br> among a piece's strings until the piece is written: a line break in a paragraph, "; " in a cell, a space in a
# heading. No page's text holds it (it is taken out of the strings).
BREAK = "\x00"
# The tags a browser starts a line at in a cell, as anywhere: a tag it does not know is inline.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dir", "div", "dl", "dt", "fieldset", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "ol", "p",
        "pre", "section", "summary", "ul",
    }
)
_BLOCK_ENDS = object()  # read after a block's children in a cell: the line it stands on ends
_MOST_NESTED = 8  # tables in tables in cells deeper than this are read as their text


def shown_string(node: NavigableString) -> str:
    return str(node).replace(BREAK, "")


def shown_lines(strings: list[str]) -> list[str]:
    """Strings as the lines a browser shows: as written ("un<b>believ</b>able" is one word, "by <strong>December
    24</strong>." no space before its full stop), each run of white space one space, a line ended at each BREAK."""
    return [line for line in (" ".join(part.split()) for part in "".join(strings).split(BREAK)) if line]


def on_one_line(lines: list[str]) -> str:
    """Lines on one line, as a Markdown cell's or list item's: "; " between them, a space after closing punctuation."""
    text = ""
    for line in lines:
        if text:
            text += " " if text[-1] in CLOSING_PUNCTUATION else "; "
        text += line
    return text


def _escaped(text: str) -> str:
    return text.replace("|", "\\|")  # as a Markdown table's cell holds a pipe, in code too


def _cell_text(cell: Tag, depth: int = 0) -> str:
    """A cell's own text (module docstring): not that of a cell left unclosed after it ("<td>a<td>b", which the parser
    nests); a table in it as its rows, "; " between them."""
    strings: list[str] = []
    stack = [iter(cell.children)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
        elif node is _BLOCK_ENDS or (isinstance(node, Tag) and node.name == "br"):
            strings.append(BREAK)
        elif isinstance(node, NavigableString):
            strings += [] if isinstance(node, NOT_TEXT) else [_escaped(shown_string(node))]
        elif node.name == "table":
            strings += [BREAK, _table_as_text(node, depth + 1), BREAK]
        elif node.name == "code":
            strings.append(_escaped(as_code_span(node.get_text().replace(BREAK, ""))))
        elif node.name in _BLOCKS:
            strings.append(BREAK)
            stack.append(chain(node.children, [_BLOCK_ENDS]))
        elif node.name not in LEFT_OUT and node.name not in ("td", "th"):
            stack.append(iter(node.children))
    return on_one_line(shown_lines(strings))


def _table_as_text(table: Tag, depth: int) -> str:
    """A table in a cell as one line: a row of two cells "12 months: $41.58", of more "a, b, c"; rows "; " apart."""
    if depth > _MOST_NESTED:
        return _escaped(" ".join(table.get_text(" ").replace(BREAK, "").split()))
    rows = [[text for text in texts if text] for texts, _ in laid_out(table_rows(table), depth).values()]
    return "; ".join(": ".join(row) if len(row) == 2 else ", ".join(row) for row in rows if row)


def table_rows(table: Tag) -> list[Tag]:
    """A table's own rows, those left unclosed in another too ("<tr><td>a<tr><td>b"); not a table's in a cell."""
    return [row for row in table.find_all("tr") if row.find_parent("table") is table]


def row_cells(row: Tag) -> list[Tag]:
    return [cell for cell in row.find_all(["th", "td"]) if cell.find_parent("tr") is row]  # not a nested table's


def _span(cell: Tag, attribute: str, default: int) -> int:
    """A cell's colspan or rowspan: 1 where it is missing or not a number, `default` where it is 0 ("to the end")."""
    value = str(cell.get(attribute) or "1").strip()
    number = int(value[:6]) if value.isdigit() else 1  # six digits: more than any table has rows
    return default if number == 0 else number


def laid_out(rows: list[Tag], depth: int = 0) -> dict[int, tuple[list[str], bool]]:
    """By id of each of a table's rows: its cells' texts as a browser lays them out (module docstring), and whether
    a cell of its own holds text (a row of spanned cells alone is not written)."""
    grid = {}
    widest = max((len(row_cells(row)) for row in rows), default=1)  # no wider: "colspan=99999" wrote a row of 1000 cells
    above: dict[int, tuple[int, str]] = {}  # column -> (rows it spans below this one, text): cells spanning down
    for number, row in enumerate(rows):
        texts: list[str] = []
        below: dict[int, tuple[int, str]] = {}
        cells, own = row_cells(row), False
        for cell in cells:
            _from_above(texts, above, below, every=False)
            text = _cell_text(cell, depth)
            own = own or bool(text)
            columns, down = min(_span(cell, "colspan", 1), widest), _span(cell, "rowspan", len(rows) - number)
            across = len(cells) == 1 and not texts and not above and columns > 1  # a note across the table: said once
            for column in range(columns):
                _put(texts, above, below, "" if across and column else text, down)
        _from_above(texts, above, below, every=True)
        above = below
        grid[id(row)] = (texts, own)
    return grid


def _put(texts: list[str], above: dict, below: dict, text: str, down: int) -> None:
    """A cell in a row's next column, and in the rows below it spans down into."""
    above.pop(len(texts), None)  # a cell overlapping one from above takes its place
    if down > 1:
        below[len(texts)] = (down - 1, text)
    texts.append(text)


def _from_above(texts: list[str], above: dict, below: dict, every: bool) -> None:
    """The cells spanning down into a row's next columns (`every`: all that are left, an empty cell in a gap)."""
    while len(texts) in above or (every and above):
        down, text = above.get(len(texts), (0, ""))
        _put(texts, above, below, text, down)


def _all_bold(cell: Tag) -> bool:
    bold = cell.find(["strong", "b"])
    return bold is not None and bold.get_text(" ", strip=True) == cell.get_text(" ", strip=True)


def names_columns(row: Tag) -> bool:
    """Whether a table's first row is its header row: all `<th>` cells, in `<thead>`, or all in bold."""
    cells = row_cells(row)
    return all(cell.name == "th" for cell in cells) or row.find_parent("thead") is not None or all(map(_all_bold, cells))

"""An HTML page read as Markdown, so that its sections, lists, tables and code are split and quoted as a
Markdown page's are.

Every piece of text in the page is read, wherever it stands: a paragraph, but also text written
straight into a `<div>` or `<section>`, a `<details>` answer under its `<summary>`, a `<dl>`'s terms
and definitions, a `<blockquote>`, a list item holding a `<p>` or a list of its own (before, only
`<p>`, `<li>`, `<h1>`-`<h4>`, table rows and `<pre>` were visited, and a help center writing its
answers into `<div>`s was indexed empty). Scripts, styles and the site's `<nav>` are left out.

Headings become Markdown headings (the splitter keeps them as a chunk's headings), a list item
"- ...", a table a Markdown table (its header row over the delimiter row: `<th>` cells, a first row
in `<thead>` or all in bold, else a row of empty cells, as Markdown needs one), a `<pre>` block a
fenced code block with its lines as they are, and a link a Markdown link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from supportbot.text.markup import WORD_JOINER, as_code_span
from supportbot.text.sentences import delimiter_row, table_cells

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LEFT_OUT = frozenset({"script", "style", "noscript", "template", "nav", "svg", "button", "select", "head", "iframe", "object"})
_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font", "i", "img", "ins", "kbd",
        "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
# What a paragraph's text may open with that Markdown reads as a block of its own: "# of items" as a heading over the
# rest of the page, "```" as code. A word joiner before it shows nothing and opens nothing.
_OPENS_A_BLOCK = re.compile(r"#{1,6}(?:\s|$)|```|~~~")


def _strings(piece) -> list[str]:
    """The text a browser shows of a piece: its strings, not those of a left-out tag in it; a <br> a space."""
    if isinstance(piece, NavigableString):
        return [] if isinstance(piece, _NOT_TEXT) else [str(piece)]
    if piece.name in _LEFT_OUT:
        return []
    if piece.name == "br":
        return [" "]
    if piece.name == "code":
        return [as_code_span(piece.get_text())]  # as a Markdown page writes it
    found = []
    for node in piece.descendants:
        if isinstance(node, Tag) and node.name == "br":
            found.append(" ")
        elif isinstance(node, NavigableString) and not isinstance(node, _NOT_TEXT) and not _left_out(node, piece):
            found.append(str(node))
    return found


def _left_out(node: NavigableString, within: Tag) -> bool:
    """Whether a string stands in a left-out tag (a <button>, a <script>) inside `within`."""
    parent = node.parent
    while parent is not None and parent is not within:
        if parent.name in _LEFT_OUT:
            return True
        parent = parent.parent
    return False


def _text(pieces: list) -> str:
    """Inline pieces as the line of text a browser shows: their strings as written ("un<b>believ</b>able" is one
    word, "by <strong>December 24</strong>." no space before its full stop), each run of white space one space."""
    return " ".join("".join(text for piece in pieces for text in _strings(piece)).split())


def _cell_text(cell: Tag) -> str:
    """A cell's own text: not that of a cell left unclosed after it ("<td>a<td>b", which the parser nests), nor of a
    table inside it."""
    own = [node for node in cell.descendants if isinstance(node, NavigableString) and node.find_parent(["td", "th"]) is cell]
    return _text([node for node in own if not _left_out(node, cell)])


def _all_bold(cell: Tag) -> bool:
    bold = cell.find(["strong", "b"])
    return bold is not None and bold.get_text(" ", strip=True) == cell.get_text(" ", strip=True)


def _table_row(element: Tag) -> tuple[str, bool]:
    """A table row as a Markdown one ("| Standard | 5-7 days |", a cell on one line), and whether it is a header row:
    all <th>, in a <thead>, or every cell in bold (as pages made without <th> mark theirs)."""
    cells = [cell for cell in element.find_all(["th", "td"]) if cell.find_parent("tr") is element]  # not a nested table's
    texts = [_cell_text(cell).replace("|", "/") for cell in cells]
    header = all(cell.name == "th" for cell in cells) or element.find_parent("thead") is not None or all(map(_all_bold, cells))
    return ("| " + " | ".join(texts) + " |" if any(texts) else ""), header


def _code_language(pre: Tag) -> str:
    """The language a <pre> block names by the usual class ("language-bash", "lang-bash"), on itself or its <code>."""
    for element in (pre, pre.find("code")):
        for name in (element.get("class") or []) if element is not None else []:
            if name.startswith(("language-", "lang-")):
                return name.split("-", 1)[1]
    return ""


def _fenced(code: str, language: str) -> str:
    """A Markdown code block, its fence longer than any run of backticks in the code."""
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`{3,}", code))])
    return f"{fence}{language}\n{code}\n{fence}"


def links_as_markdown(soup: BeautifulSoup) -> None:
    """Each link in the page's text written as a Markdown link, as a Markdown page's are read (retrieval/links.py);
    not in headings (a chunk's headings are its context, not text to follow) nor in code."""
    for anchor in soup.find_all("a", href=True):
        text, target = anchor.get_text(" ", strip=True), anchor["href"].strip()
        target = target.replace("(", "%28").replace(")", "%29").replace(" ", "%20")  # a Markdown link's address holds neither
        if text and target and not any(char.isspace() for char in target) and not anchor.find_parent(["pre", "code", *_HEADINGS]):
            anchor.replace_with(f"[{text.replace('[', '(').replace(']', ')')}]({target})")


class _Reader:
    """Walks the page in document order, writing each block as Markdown into `blocks`."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._table: Tag | None = None  # the <table> whose rows are being added to the last block

    def read(self, children) -> None:
        """An element's children: each run of text and inline tags between their blocks is a paragraph. Walked with a
        stack of its own, not by recursion: a parser nests unclosed tags ("<p>x. " six hundred times) as deep as they go."""
        stack: list[tuple[Iterator, list]] = [(iter(children), [])]
        while stack:
            children_left, run = stack[-1]
            child = next(children_left, None)
            if child is None:
                self._add(_text(run))
                stack.pop()
            elif isinstance(child, _NOT_TEXT) or (isinstance(child, Tag) and child.name in _LEFT_OUT):
                continue
            elif isinstance(child, NavigableString) or child.name in _INLINE:
                run.append(child)
            else:
                self._add(_text(run))
                run.clear()
                if (inside := self._block(child)) is not None:
                    stack.append((iter(inside), []))

    def _add(self, text: str, prefix: str = "") -> None:
        if text:
            if not prefix and _OPENS_A_BLOCK.match(text):
                prefix = WORD_JOINER  # a paragraph's own "#", not a heading
            self.blocks.append(prefix + text)
            self._table = None

    def _block(self, element: Tag) -> list | None:
        """Writes a block; returns the children still to read as blocks of their own (a <div>'s, a list item's after
        its text), or None."""
        name = element.name
        if name == "tr":
            self._row(element)
            return [row for row in element.find_all("tr") if row.find_parent("tr") is element]  # rows left unclosed in it
        if name in _HEADINGS:
            self._add(_text([element]), "#" * _HEADINGS[name] + " ")
            return None
        if name == "pre":
            for line_break in element.find_all("br"):
                line_break.replace_with("\n")
            if code := element.get_text().strip("\n"):
                self.blocks.append(_fenced(code, _code_language(element)))
                self._table = None
            return None
        if name == "li":
            return self._item(element)
        return list(element.children)  # a <p>, <div>, <section>, <details>, <dl>, <blockquote>, a table's body

    def _item(self, item: Tag) -> list:
        """A list item as "- its text": the text before its first block, or else its first paragraph's; what follows
        (more paragraphs, a list of its own, code) is left to read after it."""
        children = [child for child in item.children if not isinstance(child, _NOT_TEXT)]
        run: list = []
        while children and (isinstance(children[0], NavigableString) or children[0].name in _INLINE):
            run.append(children.pop(0))
        if not _text(run) and children and children[0].name in ("p", "div") and not _blocks_in(children[0]):
            run = [children.pop(0)]
        self._add(_text(run), "- ")
        return children

    def _row(self, row: Tag) -> None:
        text, is_header = _table_row(row)
        if not text:
            return
        table = row.find_parent("table")
        if self._table is not None and table is self._table:
            self.blocks[-1] += "\n" + text
            return
        self._table = table
        # A table that names no columns gets a header of empty cells, as Markdown needs one (markdownify's way).
        header = text if is_header else "|" + "  |" * len(table_cells(text))
        self.blocks.append(f"{header}\n{delimiter_row(header)}" + ("" if is_header else f"\n{text}"))


def _blocks_in(element: Tag) -> bool:
    return any(isinstance(child, Tag) and child.name not in _INLINE | _LEFT_OUT for child in element.children)


def html_to_markdown(soup: BeautifulSoup) -> str:
    """The page as Markdown (module docstring): all of it, what a parser left after </body> too; <head> is left out."""
    reader = _Reader()
    reader.read(soup.children)
    return "\n\n".join(reader.blocks)

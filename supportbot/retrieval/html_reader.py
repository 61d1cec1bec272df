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

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from supportbot.text.sentences import delimiter_row, table_cells

_SPACE_BEFORE_MARK = re.compile(r"\s+(?=[.,;:!?)])|(?<=\()\s+")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LEFT_OUT = frozenset({"script", "style", "noscript", "template", "nav", "svg", "button", "select", "head", "iframe", "object"})
_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font", "i", "img", "ins", "kbd",
        "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)


def _text(pieces: list) -> str:
    """Inline pieces joined as a line of text: inline tags with spaces ("by <strong>December 24</strong>." must not
    read "December 24 ."), and no space before a closing mark."""
    words = []
    for piece in pieces:
        words.append(piece.get_text(" ", strip=True) if isinstance(piece, Tag) else str(piece).strip())
    return _SPACE_BEFORE_MARK.sub("", " ".join(word for word in words if word))


def _all_bold(cell: Tag) -> bool:
    bold = cell.find(["strong", "b"])
    return bold is not None and bold.get_text(" ", strip=True) == cell.get_text(" ", strip=True)


def _table_row(element: Tag) -> tuple[str, bool]:
    """A table row as a Markdown one ("| Standard | 5-7 days |", a cell on one line), and whether it is a header row:
    all <th>, in a <thead>, or every cell in bold (as pages made without <th> mark theirs)."""
    cells = element.find_all(["th", "td"])
    texts = [" ".join(_SPACE_BEFORE_MARK.sub("", cell.get_text(" ", strip=True)).split()).replace("|", "/") for cell in cells]
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
        if text and target and not any(char.isspace() or char in "()" for char in target) and not anchor.find_parent(["pre", *_HEADINGS]):
            anchor.replace_with(f"[{text.replace('[', '(').replace(']', ')')}]({target})")


class _Reader:
    """Walks the page in document order, writing each block as Markdown into `blocks`."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._table: Tag | None = None  # the <table> whose rows are being added to the last block

    def read(self, children) -> None:
        """An element's children: each run of text and inline tags between their blocks is a paragraph."""
        run: list = []
        for child in children:
            if isinstance(child, _NOT_TEXT) or (isinstance(child, Tag) and child.name in _LEFT_OUT):
                continue
            if isinstance(child, NavigableString) or child.name in _INLINE:
                run.append(child)
                continue
            self._add(_text(run))
            run = []
            self._block(child)
        self._add(_text(run))

    def _add(self, text: str, prefix: str = "") -> None:
        if text:
            self.blocks.append(prefix + text)
            self._table = None

    def _block(self, element: Tag) -> None:
        name = element.name
        if name == "tr":
            self._row(element)
        elif name in _HEADINGS:
            self._add(_text([element]), "#" * _HEADINGS[name] + " ")
        elif name == "pre":
            if code := element.get_text().strip("\n"):
                self.blocks.append(_fenced(code, _code_language(element)))
                self._table = None
        elif name == "li":
            self._item(element)
        elif any(isinstance(child, Tag) and child.name not in _INLINE | _LEFT_OUT for child in element.children):
            self.read(element.children)  # a <div>, <section>, <details>, <dl>, <blockquote>, a table's body: its blocks
        else:
            self._add(_text([element]))  # a <p>, <dt>, <dd>, <summary>, or a <div> of text alone

    def _item(self, item: Tag) -> None:
        """A list item as "- its text": the text before its first block, or else its first paragraph's; what follows
        (more paragraphs, a list of its own, code) is read after it."""
        children = [child for child in item.children if not isinstance(child, _NOT_TEXT)]
        run: list = []
        while children and (isinstance(children[0], NavigableString) or children[0].name in _INLINE):
            run.append(children.pop(0))
        if not _text(run) and children and children[0].name == "p":
            run = [children.pop(0)]
        self._add(_text(run), "- ")
        self.read(children)

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


def html_to_markdown(soup: BeautifulSoup) -> str:
    """The page's body as Markdown (module docstring)."""
    reader = _Reader()
    reader.read((soup.body or soup).children)
    return "\n\n".join(reader.blocks)

"""An HTML page read as Markdown, so that its sections, lists, tables and code are split and quoted as a
Markdown page's are.

Every piece of text in the page is read, wherever it stands: a paragraph, but also text written
straight into a `<div>` or `<section>`, a `<dl>`'s terms and definitions, a `<blockquote>`, a list item
holding a `<p>` or a list of its own (before, only `<p>`, `<li>`, `<h1>`-`<h4>`, table rows and `<pre>`
were visited, and a help center writing its answers into `<div>`s was indexed empty). Scripts, styles
and the site's `<nav>` are left out.

Headings become Markdown headings (the splitter keeps them as a chunk's headings), a list item
"- ...", a list in a list item indented under it (flattened, sub-steps read as steps of their own), a
table a Markdown table (its header row over the delimiter row: `<th>` cells, a first row in `<thead>`
or all in bold, else a row of empty cells, as Markdown needs one), a `<pre>` block a fenced code block
with its lines as they are, and a link a Markdown link.

A table's rows are laid out as a browser shows them, each cell's text as a Markdown cell's
(retrieval/html_tables.py). A `<br>` is a line break in a paragraph. A `<details>`'s `<summary>` names
what it answers: it is a heading, one level under the heading before it, over the details' content
(quoted as a paragraph, it was the answer and the fix was lost), and the heading before it is written
again over what follows the details. A `<dd>` is read the same way under its `<dt>` (the `<dd>`s right
after it too): every sentence of a definition is read about its term ("E204" over "The file name has
... Rename the file."). A term on a line of its own was never quoted with its meaning, and one opening
the definition's first sentence only ("**E204**: The file name has ...") left the rest about nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bs4 import BeautifulSoup, NavigableString, Tag

from supportbot.retrieval.html_tables import (
    BREAK,
    LEFT_OUT,
    NOT_TEXT,
    laid_out,
    names_columns,
    shown_lines,
    shown_string,
    table_rows,
)
from supportbot.text.markup import WORD_JOINER, as_code_span
from supportbot.text.sentences import delimiter_row, table_cells

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SPLIT_LEVELS = 4  # the deepest heading the splitter cuts a page at (retrieval/splitter.py)
_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font", "i", "img", "ins", "kbd",
        "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)
# What a paragraph's text may open with that Markdown reads as a block of its own: "# of items" as a heading over the
# rest of the page, "```" as code. A word joiner before it shows nothing and opens nothing.
_OPENS_A_BLOCK = re.compile(r"#{1,6}(?:\s|$)|```|~~~")


def _strings(piece) -> list[str]:
    """The text a browser shows of a piece: its strings, not those of a left-out tag in it; a <br> a BREAK."""
    if isinstance(piece, NavigableString):
        return [] if isinstance(piece, NOT_TEXT) else [shown_string(piece)]
    if piece.name in LEFT_OUT:
        return []
    if piece.name == "br":
        return [BREAK]
    if piece.name == "code":
        return [as_code_span(piece.get_text())]  # as a Markdown page writes it
    found = []
    for node in piece.descendants:
        if isinstance(node, Tag) and node.name == "br":
            found.append(BREAK)
        elif isinstance(node, NavigableString) and not isinstance(node, NOT_TEXT) and not _left_out(node, piece):
            found.append(shown_string(node))
    return found


def _left_out(node: NavigableString, within: Tag) -> bool:
    """Whether a string stands in a left-out tag (a <button>, a <script>) inside `within`."""
    parent = node.parent
    while parent is not None and parent is not within:
        if parent.name in LEFT_OUT:
            return True
        parent = parent.parent
    return False


def _text(pieces: list) -> str:
    """Inline pieces as one line of text (a heading's, a term's): a <br> in them a space."""
    return " ".join(shown_lines([text for piece in pieces for text in _strings(piece)]))


def _paragraph(pieces: list, indent: str = "") -> str:
    """Inline pieces as a paragraph: a <br> a Markdown line break (two spaces at the line's end), the next line as far
    in as the paragraph's text (`indent`: a list item's), and not opening a heading or code ("x<br># of items")."""
    lines = shown_lines([text for piece in pieces for text in _strings(piece)])
    lines[1:] = [indent + (WORD_JOINER if _OPENS_A_BLOCK.match(line) else "") + line for line in lines[1:]]
    return "  \n".join(lines)


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


def _lead(element: Tag) -> tuple[list, list]:
    """A list item's or definition's own text (that before its first block, or else its first paragraph), and the
    children left to read after it (more paragraphs, a list of its own, code)."""
    children = [child for child in element.children if not isinstance(child, NOT_TEXT)]
    run: list = []
    while children and (isinstance(children[0], NavigableString) or children[0].name in _INLINE):
        run.append(children.pop(0))
    if not _text(run) and children and children[0].name in ("p", "div") and not _blocks_in(children[0]):
        run = [children.pop(0)]
    return run, children


def _defined(term: Tag) -> bool:
    """Whether a <dt> has a <dd> after it (after the other terms it shares it with)."""
    for sibling in term.next_siblings:
        if isinstance(sibling, Tag) and sibling.name != "dt":
            return sibling.name == "dd"
        if isinstance(sibling, NavigableString) and not isinstance(sibling, NOT_TEXT) and sibling.strip():
            return False
    return False


def links_as_markdown(soup: BeautifulSoup) -> None:
    """Each link in the page's text written as a Markdown link, as a Markdown page's are read (retrieval/links.py);
    not in headings (a chunk's headings are its context, not text to follow; a <summary> is one) nor in code."""
    for anchor in soup.find_all("a", href=True):
        text, target = anchor.get_text(" ", strip=True), anchor["href"].strip()
        target = target.replace("(", "%28").replace(")", "%29").replace(" ", "%20")  # a Markdown link's address holds neither
        in_heading = anchor.find_parent(["pre", "code", "summary", *_HEADINGS])
        if text and target and not any(char.isspace() for char in target) and not in_heading:
            anchor.replace_with(f"[{text.replace('[', '(').replace(']', ')')}]({target})")


class _Reader:
    """Walks the page in document order, writing each block as Markdown into `blocks`."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._table: Tag | None = None  # the <table> whose rows are being added to the last block
        self._grids: dict[int, tuple[Tag, dict]] = {}  # by id of a table: it, and its rows laid out (_grid)
        self._heading: tuple[int, str] | None = None  # the heading the text being read stands under: level, line
        self._reopen = ""  # the heading to write again before the next text: the one a <details> stood under
        self._indent = ""  # how far in a list item is written: two spaces for each list item it stands in
        # The terms the next <dd> defines: their parent (a <dl>, a <div> in one), them, and whether a <dd> has yet.
        self._terms: tuple[Tag | None, list[str], bool] = (None, [], False)
        self._defined: dict[int, bool] = {}  # by id, the <dd>s read with one before them: whether they have been

    def read(self, children) -> None:
        """An element's children: each run of text and inline tags between their blocks is a paragraph. Walked with a
        stack of its own, not by recursion: a parser nests unclosed tags ("<p>x. " six hundred times) as deep as they go.
        A block may leave something to do when its children are read (`then`): a list item's indent to undo."""
        stack: list[tuple[Iterator, list, Callable[[], None] | None]] = [(iter(children), [], None)]
        while stack:
            children_left, run, then = stack[-1]
            child = next(children_left, None)
            if child is None:
                self._add(_paragraph(run))
                stack.pop()
                if then is not None:
                    then()
            elif isinstance(child, NOT_TEXT) or (isinstance(child, Tag) and child.name in LEFT_OUT):
                continue
            elif isinstance(child, NavigableString) or child.name in _INLINE:
                run.append(child)
            else:
                self._add(_paragraph(run))
                run.clear()
                if (inside := self._block(child)) is not None:
                    stack.append((iter(inside[0]), [], inside[1]))

    def _write(self, block: str, heading: tuple[int, str] | None = None) -> None:
        """A block (a heading: `heading` its level and line), under the heading a <details> stood under if it ended."""
        if heading is None and self._reopen:
            self.blocks.append(self._reopen)
        self._reopen = ""
        self.blocks.append(block)
        self._table = None
        self._heading = heading or self._heading

    def _add(self, text: str, prefix: str = "") -> None:
        if text:
            if not prefix and _OPENS_A_BLOCK.match(text):
                prefix = WORD_JOINER  # a paragraph's own "#", not a heading
            self._write(prefix + text)

    def _add_heading(self, level: int, text: str) -> None:
        if text:
            self._write(f"{'#' * level} {text}", (level, f"{'#' * level} {text}"))

    def _block(self, element: Tag) -> tuple[list, Callable[[], None] | None] | None:
        """Writes a block; returns the children still to read as blocks of their own (a <div>'s, a list item's after
        its text) and what to do when they are read, or None."""
        name = element.name
        if name == "tr":
            self._row(element)
            table = element.find_parent("table")
            # The rows left unclosed in it ("<tr><td>a<tr><td>b"), not those of a table in a cell (read as the cell's text).
            return [row for row in element.find_all("tr") if row.find_parent("tr") is element and row.find_parent("table") is table], None
        if name in _HEADINGS:
            self._add_heading(_HEADINGS[name], _text([element]))
            return None
        if name == "pre":
            for line_break in element.find_all("br"):
                line_break.replace_with("\n")
            if code := element.get_text().strip("\n"):
                self._write(_fenced(code, _code_language(element)))
            return None
        if name == "li":
            return self._item(element)
        if name == "details":
            return self._details(element)
        if name == "dt" and _defined(element):
            self._term(element)
            return None
        if name == "dd":
            return self._definition(element)
        return list(element.children), None  # a <p>, <div>, <section>, <dl>, <blockquote>, a table's body

    def _term(self, term: Tag) -> None:
        """A <dt>: held for the <dd> after it (with the terms before it that share it)."""
        parent, terms, defined = self._terms
        text = _text([term])
        self._terms = (term.parent, [*terms, text] if parent is term.parent and not defined else [text], False)

    def _definition(self, definition: Tag) -> tuple[list, Callable[[], None] | None] | None:
        """A <dd> under its terms as a heading, with the <dd>s right after it that define them too (module docstring)."""
        parent, terms, _ = self._terms
        terms = [term for term in terms if term] if parent is definition.parent else []
        if id(definition) in self._defined:  # read under its terms with the <dd> before it, not again after
            if self._defined[id(definition)]:
                return None
            self._defined[id(definition)] = True
            return list(definition.children), None
        if not terms:
            return list(definition.children), None
        self._terms = (parent, terms, True)
        definitions = [definition, *_definitions_after(definition)]
        self._defined.update(dict.fromkeys(map(id, definitions[1:]), False))
        if not any(_text([each]) for each in definitions):
            self._add(", ".join(f"**{term}**" for term in terms))
            return None
        return self._under_heading(", ".join(terms), [*definition.children, *definitions[1:]])

    def _details(self, details: Tag) -> tuple[list, Callable[[], None] | None]:
        """A <details> under its <summary> as a heading (module docstring)."""
        summary = details.find("summary", recursive=False)
        children = [child for child in details.children if child is not summary]
        if summary is None or not (text := _text([summary])):
            return children, None
        return self._under_heading(text, children)

    def _under_heading(self, heading: str, children: list) -> tuple[list, Callable[[], None]]:
        """`children` to read under `heading`, one level under the heading before them; that one written again over
        what follows them (module docstring)."""
        before = self._heading
        level = min(6, max(2, before[0] + 1 if before else 2))  # never 1: a page's first level-1 heading is its title
        self._add_heading(level, heading)

        def after() -> None:
            self._heading = before
            self._reopen = before[1] if before and level <= _SPLIT_LEVELS else ""

        return children, after

    def _item(self, item: Tag) -> tuple[list, Callable[[], None] | None]:
        """A list item as "- its text", as far in as the items it stands in (module docstring)."""
        run, rest = _lead(item)
        indent = self._indent
        text = _paragraph(run, indent + "  ")
        if not text:
            return rest, None
        self._add(text, indent + "- ")
        self._indent = indent + "  "

        def after() -> None:
            self._indent = indent

        return rest, after

    def _row(self, row: Tag) -> None:
        table = row.find_parent("table")
        owner = table or row  # a row outside a table is a table of its own
        if id(owner) not in self._grids:
            self._grids[id(owner)] = (owner, laid_out(table_rows(table) if table else [row]))  # kept with it: its id is never another's
        texts, own = self._grids[id(owner)][1].get(id(row), ([], False))
        if not own:
            return
        text = "| " + " | ".join(texts) + " |"
        if self._table is not None and table is self._table:
            self.blocks[-1] += "\n" + text
            return
        is_header = names_columns(row)
        # A table that names no columns gets a header of empty cells, as Markdown needs one (markdownify's way).
        header = text if is_header else "|" + "  |" * len(table_cells(text))
        self._write(f"{header}\n{delimiter_row(header)}" + ("" if is_header else f"\n{text}"))
        self._table = table


def _definitions_after(definition: Tag) -> list[Tag]:
    """The <dd>s right after a <dd> (white space between them): they define its terms too."""
    found = []
    for sibling in definition.next_siblings:
        if isinstance(sibling, Tag) and sibling.name == "dd":
            found.append(sibling)
        elif isinstance(sibling, Tag) or (not isinstance(sibling, NOT_TEXT) and sibling.strip()):
            break
    return found


def _blocks_in(element: Tag) -> bool:
    return any(isinstance(child, Tag) and child.name not in _INLINE | LEFT_OUT for child in element.children)


def html_to_markdown(soup: BeautifulSoup) -> str:
    """The page as Markdown (module docstring): all of it, what a parser left after </body> too; <head> is left out."""
    reader = _Reader()
    reader.read(soup.children)
    return "\n\n".join(reader.blocks)

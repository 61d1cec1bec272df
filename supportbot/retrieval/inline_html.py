"""HTML written into a Markdown page or an FAQ answer, read as a browser shows the page.

Markdown lets a page hold HTML, and help centers use it: a comment for the writers ("<!-- check
with legal before changing -->"), "<kbd>Ctrl</kbd>", "<br>" in a table cell, "<details>", a table,
and FAQ answers exported from a help-desk tool are HTML outright ("<p>Refunds take ...</p>"). Quoted
as written, every channel showed the tags, and a comment no reader of the page sees reached
customers. Here a comment is left out (to its end, or the page's when it is never closed, as a
browser does), as are a script's and a style's text; a table or a <pre> block is read as an HTML
page's are (retrieval/html_reader.py); a heading becomes a Markdown heading, a link a Markdown link,
bold, italics and code their Markdown, an image nothing, a block tag a paragraph break, and any other
tag its text. An entity ("&amp;") is its character; only one closed by ";" is one ("&region=eu" in a
link is not "®ion=eu"). Code is left as it is ("`<br>`" in a page about HTML).
"""

from __future__ import annotations

import html
import re

from supportbot.text.markup import as_code_span, outside_code
from supportbot.text.sentences import code_spans, fenced_lines

_HAS_TAG = re.compile(r"<(?:!--|/?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>)")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)  # one never closed hides the rest, as in a browser
_HIDDEN = re.compile(r"<(script|style|template|noscript)\b[^>]{0,1000}>.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_READ_AS_HTML = re.compile(r"<(table|pre)\b[^>]{0,1000}>.{0,200000}?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h([1-6])\b[^>]{0,1000}>(.{0,2000}?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<a\s[^>]{0,1000}?href\s*=\s*[\"']([^\"'\s]+)[\"'][^>]{0,1000}>(.{0,2000}?)</a\s*>", re.IGNORECASE | re.DOTALL)
_MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*"}
_MARKED = re.compile(r"<(strong|b|em|i|code)(?:\s[^>]{0,1000})?>(.{0,2000}?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK = re.compile(
    r"</?(?:p|div|section|article|details|summary|blockquote|dl|dt|dd|figure|figcaption|center|aside|header|footer|main|hr)"
    r"(?:\s[^>]{0,1000})?/?>",
    re.IGNORECASE,
)
_ITEM = re.compile(r"<li(?:\s[^>]{0,1000})?>", re.IGNORECASE)
_TAG = re.compile(
    r"</?(?:img|kbd|span|sup|sub|small|mark|u|ins|del|s|abbr|font|a|ul|ol|li|picture|source|video|audio|iframe|table"
    r"|caption|thead|tbody|tfoot|tr|td|th|tt|var|cite|q|time|label|nav|button)(?:\s[^>]{0,1000})?/?>",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def _as_html(fragment: str) -> str:
    """A table or <pre> block as an HTML page's is read: a Markdown table, a fenced code block."""
    from bs4 import BeautifulSoup

    from supportbot.retrieval.html_reader import html_to_markdown

    return f"\n\n{html_to_markdown(BeautifulSoup(fragment, 'html.parser'))}\n\n"


def _marked(match: re.Match) -> str:
    tag, inner = match[1].lower(), match[2].strip()
    return as_code_span(inner) if tag == "code" else f"{_MARKS[tag]}{inner}{_MARKS[tag]}"


def _read_tags(text: str) -> str:
    """A stretch of the page outside code, its tags read (module docstring)."""
    text = _HEADING.sub(lambda heading: f"\n\n{'#' * int(heading[1])} {' '.join(_TAG.sub('', heading[2]).split())}\n\n", text)
    text = _LINK.sub(lambda link: f"[{' '.join(link[2].split())}]({link[1]})" if link[2].strip() else "", text)
    text = _MARKED.sub(_marked, text)
    text = _BREAK.sub(" ", text)  # in a table cell or a sentence, a break parts words
    text = _ITEM.sub("\n- ", text)
    text = _BLOCK.sub("\n\n", text)
    text = _TAG.sub("", text)
    return _ENTITY.sub(lambda entity: html.unescape(entity[0]), _BLANK_LINES.sub("\n\n", text))


def _without_comments(text: str) -> str:
    """The text without its HTML comments, but for one in code: a comment that starts first hides a fence in it."""
    code = code_spans(text)

    def unless_in_code(comment: re.Match) -> str:
        return comment[0] if any(start <= comment.start() < end for start, end in code) else ""

    return _COMMENT.sub(unless_in_code, text)


def without_html(text: str) -> str:
    """The text with its HTML read as a browser shows it (module docstring). Text with no tag is returned as it is."""
    if not _HAS_TAG.search(text):
        return text
    text = _without_comments(text)
    lines = text.split("\n")
    read, stretch = [], []
    for line, owner in zip(lines, fenced_lines(lines), strict=True):
        if owner < 0:
            stretch.append(line)
            continue
        if stretch:
            read.append(_read_stretch("\n".join(stretch)))
            stretch = []
        read.append(line)
    if stretch:
        read.append(_read_stretch("\n".join(stretch)))
    return "\n".join(read).strip("\n")


def _read_stretch(text: str) -> str:
    """Lines outside code blocks: scripts and styles left out, tables and <pre> read as HTML, then the tags outside
    inline code."""
    text = _HIDDEN.sub("", text)
    text = outside_code(text, lambda prose: _READ_AS_HTML.sub(lambda block: _as_html(block[0]), prose))
    return _BLANK_LINES.sub("\n\n", outside_code(text, _read_tags))

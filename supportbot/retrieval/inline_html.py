"""HTML written into a Markdown page or an FAQ answer, read as a browser shows the page.

Markdown lets a page hold HTML, and help centers use it: a comment for the writers ("<!-- check
with legal before changing -->"), "<kbd>Ctrl</kbd>", "<br>" in a table cell, "<details>", and FAQ
answers exported from a help-desk tool are HTML outright ("<p>Refunds take ...</p>"). Quoted as
written, every channel showed the tags, and a comment no reader of the page sees reached customers.
Here a comment is left out, a link becomes a Markdown link, bold, italics and code their Markdown,
an image nothing, a block tag a paragraph break, and any other tag its text. Code is left as it is
("`<br>`" in a page about HTML).
"""

from __future__ import annotations

import html
import re

from supportbot.text.sentences import code_spans

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']([^\"'\s]+)[\"'][^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}
_MARKED = re.compile(r"<(strong|b|em|i|code)(?:\s[^>]*)?>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK = re.compile(
    r"</?(?:p|div|section|article|details|summary|blockquote|dl|dt|dd|figure|figcaption|center|aside|header|footer|main)"
    r"(?:\s[^>]*)?>",
    re.IGNORECASE,
)
_ITEM = re.compile(r"<li(?:\s[^>]*)?>", re.IGNORECASE)
_TAG = re.compile(
    r"</?(?:img|kbd|span|sup|sub|small|mark|u|ins|del|s|abbr|font|a|ul|ol|li|picture|source|video|audio|iframe|table"
    r"|thead|tbody|tr|td|th|tt|var|cite|q|time|label)(?:\s[^>]*)?/?>",
    re.IGNORECASE,
)
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_HAS_TAG = re.compile(r"<(?:!--|/?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>)")


def _read(text: str) -> str:
    """One stretch of the page outside code, its HTML read (module docstring)."""
    text = _COMMENT.sub("", text)
    text = _LINK.sub(lambda link: f"[{' '.join(link[2].split())}]({link[1]})" if link[2].strip() else "", text)
    text = _MARKED.sub(lambda marked: f"{_MARKS[marked[1].lower()]}{marked[2].strip()}{_MARKS[marked[1].lower()]}", text)
    text = _BREAK.sub(" ", text)  # in a table cell or a sentence, a break parts words
    text = _ITEM.sub("\n- ", text)
    text = _BLOCK.sub("\n\n", text)
    text = _TAG.sub("", text)
    return html.unescape(_BLANK_LINES.sub("\n\n", text))


def without_html(text: str) -> str:
    """The text with its HTML read as a browser shows it (module docstring), its entities ("&amp;") as their
    characters outside code. Text with no tag is returned as it is."""
    if not _HAS_TAG.search(text):
        return text
    pieces, start = [], 0
    for code_start, code_end in code_spans(text):
        pieces += [_read(text[start:code_start]), text[code_start:code_end]]
        start = code_end
    pieces.append(_read(text[start:]))
    return "".join(pieces).strip("\n")

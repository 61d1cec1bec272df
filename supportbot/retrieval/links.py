"""Links and images in a Markdown page, as an answer quoting them can show them in every channel.

Channels turn `[text](https://...)` into a link (the widget's <a>, Slack's <url|text>, "text (url)" in a
terminal) and show anything else as written, so a page's relative links ("[Start a return](start.md)")
and images ("![The reset button](img/reset.png)") reached customers as Markdown source. Read here:
a relative link becomes a web link where the page has a web address to resolve it against, and its
text alone where it has none or points at another source file (where "start.md" is served is not
known); an e-mail link its text with the address. Images are left out: no channel but the widget
could show one, and the text around a screenshot says what it shows ("Press the reset button
![The reset button](img/reset.png) for 10 seconds").
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from supportbot.text.sentences import fenced_lines

_IMAGE_SOURCE = r"!\[[^\[\]\n]*\]\([^()\s]*(?:\s+\"[^\"\n]*\")?\)"
# An image with one space beside it, and "[](url)", the link a linked image leaves.
_IMAGE = re.compile(rf"{_IMAGE_SOURCE}[ \t]?|[ \t]{_IMAGE_SOURCE}|\[\]\([^()\s]*\)[ \t]?")
_LINK = re.compile(r"(?<!!)\[([^\[\]\n]+)\]\(([^()\s]*)(?:\s+\"[^\"\n]*\")?\)")
SOURCE_SUFFIXES = (".md", ".markdown", ".txt")  # a link to another source file: where the site serves it is not known


def _is_web(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def _link(match: re.Match, page_url: str) -> str:
    text, target = match[1], match[2]
    if _is_web(target):
        return f"[{text}]({target})"
    if target.lower().startswith("mailto:"):
        address = target[len("mailto:") :].split("?")[0]
        return text if address in text else f"{text} ({address})"
    if urlsplit(target).scheme or not _is_web(page_url) or urlsplit(target).path.lower().endswith(SOURCE_SUFFIXES):
        return text
    return f"[{text}]({urljoin(page_url, target)})"


def readable_links(text: str, page_url: str = "") -> str:
    """The page without its images, and with its links as channels can show them (module docstring).
    Code blocks are left as they are."""
    if "](" not in text:
        return text
    lines = text.split("\n")
    read = []
    for line, owner in zip(lines, fenced_lines(lines), strict=True):
        if owner < 0 and "](" in line:
            line = _LINK.sub(lambda link: _link(link, page_url), _IMAGE.sub("", _IMAGE.sub("", line)))
            if not line.strip():
                continue  # a line that was only an image: gone, not a blank line cutting its paragraph in two
        read.append(line)
    return "\n".join(read)

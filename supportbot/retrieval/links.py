"""Links and images in a Markdown page, as an answer quoting them can show them in every channel.

Channels turn `[text](https://...)` into a link (the widget's <a>, Slack's <url|text>, "text (url)" in a
terminal) and show anything else as written, so a page's relative links ("[Start a return](start.md)")
and images ("![The reset button](img/reset.png)") reached customers as Markdown source. Read here:
a relative link becomes a web link where the page has a web address to resolve it against, and its
text alone where it has none or points at another source file (where "start.md" is served is not
known); an e-mail link its text with the address; a reference link ("[Store credit][1]", defined
below as "[1]: https://...") an inline one (else its "[1]" read as a citation marker). Images are
left out: no channel but the widget could show one, and the text around a screenshot says what it
shows ("Press the reset button ![The reset button](img/reset.png) for 10 seconds"). Code is left as
it is. A link's text written as code ("[`POST /orders`](https://...)") loses its backticks, and an address
holding parentheses ("wiki/Tea_(drink)") has them written as "%28" and "%29": as written, no channel showed
either as a link.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from supportbot.text.markup import outside_code
from supportbot.text.sentences import code_spans, fenced_lines

_ADDRESS = r"(?:[^()\s]|\([^()\s]*\))*"  # parentheses in pairs, one deep ("wiki/Tea_(drink)"), as CommonMark reads them
_IMAGE_SOURCE = rf"!\[[^\[\]\n]*\]\({_ADDRESS}(?:\s+\"[^\"\n]*\")?\)"
# An image with one space beside it, and "[](url)", the link a linked image leaves.
_IMAGE = re.compile(rf"{_IMAGE_SOURCE}[ \t]?|[ \t]{_IMAGE_SOURCE}|\[\]\({_ADDRESS}\)[ \t]?")
_LINK = re.compile(rf"(?<!!)\[([^\[\]\n]+)\]\(({_ADDRESS})(?:\s+\"[^\"\n]*\")?\)")
_CODE_LINK = re.compile(rf"(?<!!)\[([^\[\]\n]*`[^\[\]\n]*)\]\(({_ADDRESS})(?:\s+\"[^\"\n]*\")?\)")
SOURCE_SUFFIXES = (".md", ".markdown", ".txt")  # a link to another source file: where the site serves it is not known


def _is_web(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def _web_link(text: str, address: str) -> str:
    return f"[{text}]({address.replace('(', '%28').replace(')', '%29')})"  # as channels read a link: no parenthesis in it


def _link(text: str, target: str, page_url: str) -> str:
    if _is_web(target):
        return _web_link(text, target)
    if target.lower().startswith("mailto:"):
        address = target[len("mailto:") :].split("?")[0]
        return text if address in text else f"{text} ({address})"
    if urlsplit(target).scheme or not _is_web(page_url) or urlsplit(target).path.lower().endswith(SOURCE_SUFFIXES):
        return text
    return _web_link(text, urljoin(page_url, target))


def _code_links_read(line: str, page_url: str) -> str:
    """The line with its links whose text is code ("[`POST /orders`](...)") read: a web link's text without its
    backticks (with them, the link's brackets fell apart around the code, and no channel showed a link), else the text
    as it is written, code and all. A "[" inside code opens no link."""
    spans = code_spans(line)

    def read(link: re.Match) -> str:
        if any(start <= link.start() < end for start, end in spans):
            return link[0]
        web = _link(link[1].replace("`", ""), link[2], page_url)
        return web if web.startswith("[") else _link(link[1], link[2], page_url)

    return _CODE_LINK.sub(read, line)


_DEFINITION = re.compile(r"[ \t]{0,3}\[([^\[\]\n]+)\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*")
_REFERENCE = re.compile(r"(?<!!)\[([^\[\]\n]+)\](?:\[([^\[\]\n]*)\])?(?![(:])")


def _inline(text: str, targets: dict[str, str]) -> str:
    """Reference links ("[Store credit][1]", "[Store credit][]", "[Store credit]") as inline ones where their label is
    defined: left as written, "[1]" read as a citation marker and pointed at another source."""
    def inline(link: re.Match) -> str:
        label = (link[2] or link[1]).strip().lower()
        return f"[{link[1]}]({targets[label]})" if label in targets else link[0]

    return _REFERENCE.sub(inline, text)


def readable_links(text: str, page_url: str = "") -> str:
    """The page without its images, and with its links as channels can show them (module docstring); a reference
    link's definition line ("[1]: https://...") is left out, its link made an inline one. Code is left as it is."""
    if "](" not in text and "]:" not in text:
        return text
    lines = text.split("\n")
    owners = fenced_lines(lines)
    targets = {}
    for line, owner in zip(lines, owners, strict=True):
        if owner < 0 and (definition := _DEFINITION.fullmatch(line)):
            targets.setdefault(definition[1].strip().lower(), definition[2])
    read = []
    for line, owner in zip(lines, owners, strict=True):
        if owner < 0 and targets and _DEFINITION.fullmatch(line):
            continue
        if owner < 0 and line.strip() and ("](" in line or targets):
            if "`" in line:
                line = _code_links_read(line, page_url)
            line = outside_code(
                line, lambda text: _LINK.sub(lambda link: _link(link[1], link[2], page_url), _IMAGE.sub("", _IMAGE.sub("", _inline(text, targets))))
            )
            if not line.strip():
                continue  # a line that was only an image: gone, not a blank line cutting its paragraph in two
        read.append(line)
    return "\n".join(read)

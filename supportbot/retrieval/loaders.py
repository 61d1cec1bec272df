"""Read Markdown, plain text, HTML, PDF and FAQ JSONL files into SourceDocuments.

A file that cannot be read is skipped with a warning that names it, so one bad file never stops
the rest of a folder from being indexed. HTML is turned into Markdown-style headings so that one
splitter handles every format.
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count, pairwise
from pathlib import Path

import yaml

from supportbot.errors import DocumentError
from supportbot.retrieval.documents import SourceDocument
from supportbot.retrieval.faq_jsonl import FaqEntry, FaqLineProblem, read_faq_lines
from supportbot.retrieval.inline_html import without_html
from supportbot.retrieval.links import readable_links
from supportbot.retrieval.markdown_reading import page_as_read
from supportbot.text.sentences import (
    CLOSING_PUNCTUATION,
    fenced_lines,
    is_code_block,
    is_heading_line,
    names_a_topic,
    with_indented_code_fenced,
    with_regular_tables,
)

log = logging.getLogger(__name__)

SAMPLE_DOCS_REFERENCE = "bundled:sample-docs"
# The same fictional store's help center in Simplified Chinese (`supportbot chat --sample zh`).
SAMPLE_DOCS_ZH_REFERENCE = "bundled:sample-docs-zh"
SUFFIX_FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".jsonl": "faq",
}


@dataclass
class LoadResult:
    """Documents read from one file, and why anything in it was skipped."""

    documents: list[SourceDocument] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceFile:
    """A file to index and the name it is known by in the index (its path under the given root)."""

    path: Path
    name: str


def sample_docs_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "sample_data" / "docs"


def resolve_docs_path(reference: str) -> Path:
    if reference == SAMPLE_DOCS_REFERENCE:
        return sample_docs_dir()
    if reference == SAMPLE_DOCS_ZH_REFERENCE:
        return sample_docs_dir().with_name("docs-zh")
    return Path(reference).expanduser()


def _walk(root: Path) -> Iterator[Path]:
    """Every file under `root`, following links to folders: a folder is read once, however many links lead to it
    (a link back up the tree would loop forever). A broken link is given as a file, so that reading it warns; a
    folder that cannot be listed is skipped with a warning."""
    seen: set[str] = set()

    def unreadable(error: OSError) -> None:
        log.warning("skipped %s: cannot read it (%s)", error.filename, error.strerror or error)

    for directory, folders, files in os.walk(root, onerror=unreadable, followlinks=True):
        seen.add(os.path.realpath(directory))
        kept = []
        for name in sorted(folders):
            folder = Path(directory, name)
            if folder.is_symlink() and os.path.realpath(folder) in seen:
                log.info("%s links to %s, a folder already read; not read again", folder, os.path.realpath(folder))
            else:
                kept.append(name)
        folders[:] = kept
        for name in files:
            path = Path(directory, name)
            broken = path.is_symlink() and not path.exists()
            if broken and path.suffix.lower() not in SUFFIX_FORMATS:  # perhaps a folder's link: nothing else would say
                log.warning("skipped %s: a link to %s, which does not exist", path, os.readlink(path))
            elif path.is_file() or broken:  # not a named pipe: reading one blocks
                yield path


def _read_once(found: list[tuple[SourceFile, Path]]) -> list[SourceFile]:
    """Each file once, from (file, the folder it was found under) pairs. A file reached by several paths (a link to a
    file that is indexed anyway, a linked folder, a folder and a file in it both given) is indexed under the first of:
    its own path (where it really is, under the folder given), a path that is not a link to it (in a linked folder),
    the first in order. A broken link is kept: reading it gives its warning."""
    by_target: dict[str, list[tuple[int, SourceFile, Path]]] = {}
    for position, (source, root) in enumerate(found):
        target = os.path.realpath(source.path) if source.path.exists() else str(source.path.absolute())
        by_target.setdefault(target, []).append((position, source, root))
    kept: list[tuple[int, SourceFile]] = []
    for target, candidates in by_target.items():

        def preference(candidate: tuple[int, SourceFile, Path], target: str = target) -> tuple[bool, bool, int]:
            position, source, root = candidate
            return os.path.join(os.path.realpath(root), source.name) != target, source.path.is_symlink(), position

        position, chosen, _ = min(candidates, key=preference)
        kept.append((position, chosen))
        for _, other, _ in candidates:
            if other.path != chosen.path:  # not a file named twice
                log.info("%s is the same file as %s: indexed once, as %s", other.path, chosen.path, chosen.name)
    return [source for _, source in sorted(kept, key=lambda pair: pair[0])]


def discover_files(references: list[str]) -> list[SourceFile]:
    """Every supported file under the given files or folders, in a stable order, each file once (_read_once)."""
    if not references:
        raise DocumentError("no docs path given: name at least one file or folder to index")
    found: list[tuple[SourceFile, Path]] = []
    for reference in references:
        path = resolve_docs_path(reference)
        if not path.exists():
            raise DocumentError(f"docs path {reference} does not exist: check the path")
        if path.is_file():
            if path.suffix.lower() not in SUFFIX_FORMATS:
                raise DocumentError(f"{reference}: unsupported file type (supported: {', '.join(SUFFIX_FORMATS)})")
            found.append((SourceFile(path, path.name), path.parent))
            continue
        files = sorted(p for p in _walk(path) if p.suffix.lower() in SUFFIX_FORMATS)
        if not files:
            raise DocumentError(f"no documents in {reference} (supported: {', '.join(SUFFIX_FORMATS)})")
        found.extend((SourceFile(p, p.relative_to(path).as_posix()), path) for p in files)
    unique = _read_once(found)
    duplicates = sorted(name for name, count in Counter(f.name for f in unique).items() if count > 1)
    if duplicates:
        raise DocumentError(f"two files would share the name {duplicates[0]}: index their common parent folder instead")
    return unique


def read_utf8(path: Path) -> str:
    """The file's text, or a DocumentError that says how to fix an encoding or read problem. A byte-order mark is
    left out (it hid a page's front matter) and Windows' or old Macs' line ends are "\n" (a "\r" before it kept a
    table's delimiter row from being read as one)."""
    try:
        return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        raise DocumentError(
            f"{path}: not UTF-8 text (byte {error.object[error.start]:#04x} at offset {error.start}); re-save it as UTF-8"
        ) from None
    except OSError as error:
        raise DocumentError(f"{path}: cannot read it ({error.strerror})") from None


def read_to_index(path: Path) -> str:
    """The file's text (read_utf8), or a DocumentError when it is empty or only whitespace: it gave no document, yet
    counted as an indexed file, and nothing said so."""
    text = read_utf8(path)
    if not text.strip():
        raise DocumentError(f"{path}: the file is empty (or only whitespace); add its text or leave it out")
    return text


def _title_from_name(name: str) -> str:
    return Path(name).stem.replace("-", " ").replace("_", " ").strip().capitalize()


def _yaml_problem(error: yaml.YAMLError) -> str:
    """PyYAML's error in one line, at the file's line: its own message spans six, with a caret under a copy of the text."""
    mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
    words = ", ".join(part for part in (getattr(error, "context", None), getattr(error, "problem", None)) if part)
    where = f"line {mark.line + 1}: " if mark is not None else ""  # line 0 of the YAML is the rest of the opening "---"
    return f"{where}{words or error}"


def _split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text
    try:
        meta = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError as error:
        raise DocumentError(f"{path}: its front matter is not valid YAML ({_yaml_problem(error)})") from None
    if not isinstance(meta, dict):
        raise DocumentError(f"{path}: its front matter must be key: value lines")
    return meta, text[end + 4 :].lstrip("\n")


def _first_heading(markdown: str) -> str:
    """The first level-1 heading, not a comment in a code block ("# Reset the router" in a shell script)."""
    lines = markdown.splitlines()
    for line, owner in zip(lines, fenced_lines(lines), strict=True):
        if owner < 0 and line.startswith("# "):
            return line[2:].strip()
    return ""


def read_as_shown(markdown: str, url: str) -> str:
    """Markdown (a page, an FAQ answer) as its reader sees it: its indented code fenced (code first, so that nothing
    after reads its "<b>" or "[a](b)"), its HTML read (retrieval/inline_html.py), each table row written one way (a row
    of two cells reads as a row), its links as channels can show them (retrieval/links.py)."""
    markdown = markdown.replace("\r\n", "\n").replace("\r", "\n")  # an FAQ answer's line ends, as a file's are read
    return readable_links(with_regular_tables(without_html(with_indented_code_fenced(markdown))), url)


def _front_matter_approved(meta: dict, path: Path) -> tuple[bool, list[str]]:
    """Whether the page is approved: true only. An approved page is quoted word for word, so "false" (a string, which
    bool() made true), "yes" in quotes or 1 is not taken to mean anything: the page is not approved, with a warning."""
    value = meta.get("approved")
    if value is None or isinstance(value, bool):
        return value is True, []
    return False, [f'{path}: "approved" in its front matter must be true or false, not {value!r}; the page is not approved']


def load_markdown(source: SourceFile) -> LoadResult:
    meta, body = _split_front_matter(read_to_index(source.path), source.path)
    body = page_as_read(body)  # its setext headings, FAQ pairs and footnotes as read (retrieval/markdown_reading.py)
    title = str(meta.get("title") or _first_heading(body) or _title_from_name(source.name))
    url = str(meta.get("url") or "")  # "url:" with nothing after it is null, not the url "None"
    approved, warnings = _front_matter_approved(meta, source.path)
    document = SourceDocument(
        doc_id=source.name,
        title=title,
        path=source.name,
        text=read_as_shown(body, url),
        format="markdown",
        url=url,
        approved=approved,
    )
    return LoadResult([document], warnings)


def _marked_headings(text: str, title: str) -> str:
    """Plain text with its title and heading lines written as Markdown headings, so the splitter keeps each
    section under its heading as it does a Markdown page's. A heading line stands alone above its paragraph:
    the file's start or a blank line before it, a capital first, and it reads as one where sentences are split
    (short, no closing punctuation, a capitalised line right after it: text/sentences.py)."""
    lines = text.splitlines()
    fenced = fenced_lines(lines)
    marked = []
    titled = False
    for n, line in enumerate(lines):
        if fenced[n] >= 0:
            marked.append(line)  # code: "Timeout settings" over "Timeout = 30" is no heading
            continue
        if not titled and line.strip():
            titled = True
            if line.strip() == title:
                marked.append(f"# {title}")
                continue
        after = lines[n + 1].strip() if n + 1 < len(lines) else ""
        stands_alone = (n == 0 or not lines[n - 1].strip()) and line.strip()[:1].isupper() and after  # not "- an item"
        if stands_alone and is_heading_line(line, after):
            marked.append(f"## {line.strip()}")
        else:
            marked.append(line)
    return "\n".join(marked)


def _title_line(lines: list[str]) -> str:
    """The first line when it is the text's title: short, not closed like a sentence, with text under it.

    A first line that is itself what the file says ("Vouchers are valid for 2 years.") is not a title: read as
    one, it became a heading over nothing, and a one-line file was indexed empty.
    """
    if len(lines) < 2 or len(lines[0]) > 100 or lines[0][-1] in CLOSING_PUNCTUATION or is_code_block(lines[0]):
        return ""
    return lines[0]


def load_text(source: SourceFile) -> LoadResult:
    text = read_to_index(source.path)
    title = _title_line([line.strip() for line in text.splitlines() if line.strip()]) or _title_from_name(source.name)
    return LoadResult([SourceDocument(source.name, title, source.name, with_regular_tables(_marked_headings(text, title)), "text")])


def load_html(source: SourceFile) -> LoadResult:
    from bs4 import BeautifulSoup  # here: only a build reading HTML pays for importing it

    from supportbot.retrieval.html_reader import html_to_markdown, links_as_markdown

    soup = BeautifulSoup(read_to_index(source.path), "html.parser")
    links_as_markdown(soup)
    markdown = html_to_markdown(soup)
    title_tag = soup.title.get_text(strip=True) if soup.title else ""
    heading = _first_heading(markdown)
    # "Holiday shipping deadlines 2026 | Larkspur Goods Help Center" names the site as well: the page's own title
    # is its first heading, and every chunk is read under the title (the site's name is noise to the embedder).
    title = (heading if heading and heading in title_tag else title_tag) or heading or _title_from_name(source.name)
    canonical = soup.find("link", rel="canonical")
    url = canonical.get("href", "") if canonical else ""
    return LoadResult([SourceDocument(source.name, title, source.name, readable_links(markdown, url), "html", url=url)])


_NUMBERED_LINE = re.compile(r"(\d{1,2})\.\s+(\S.{0,58})")


def _numbered_headings(text: str) -> str:
    """A PDF's numbered section headings ("4. How to make a claim") written as Markdown headings, so the splitter
    keeps each section under its heading. pypdf's text has no blank lines to go by, so headings are told by their
    numbering: short capitalised lines without closing punctuation, numbered 1, 2, 3 ... in order through the
    document, none right below another (a numbered list's items are), each with text under it. Anything else is
    left as it was."""
    lines = text.splitlines()
    found: list[tuple[int, int]] = []
    for n, line in enumerate(lines):
        match = _NUMBERED_LINE.fullmatch(line.strip())
        name = match.group(2).strip() if match else ""
        if name and name[0].isupper() and names_a_topic(name) and n + 1 < len(lines) and lines[n + 1].strip():
            found.append((n, int(match.group(1))))
    rows = [n for n, _ in found]
    numbered_in_order = [number for _, number in found] == list(range(1, len(found) + 1))
    if len(found) < 2 or not numbered_in_order or any(later - earlier < 2 for earlier, later in pairwise(rows)):
        return text
    for n in rows:
        lines[n] = f"## {lines[n].strip()}"
    return "\n".join(lines)


EDGE_LINES = 2  # lines at a page's top and bottom where a running header, footer or page number stands


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()))  # "Page 2 of 5" and "Page 3 of 5" are one line


def without_running_lines(pages: list[str]) -> list[str]:
    """The pages without the lines a PDF repeats at the top or bottom of most of them (a running header or footer,
    "Page 2 of 5"): read into the text, they were sentences of every chunk, and quoted as answers. The first line
    of the first page stays: it is often the title the header repeats. A line counts as running when it stands at an
    edge of at least 3 pages and of more than half of them."""
    if len(pages) < 3:
        return pages
    edges = [[line for line in page.splitlines() if line.strip()] for page in pages]
    counts = Counter(shape for lines in edges for shape in {_shape(line) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]})
    running = {shape for shape, count in counts.items() if count > len(pages) / 2 and count >= 3}
    kept = []
    for number, lines in enumerate(edges):
        edge = set(range(EDGE_LINES)) | set(range(len(lines) - EDGE_LINES, len(lines)))
        kept.append("\n".join(
            line for at, line in enumerate(lines) if not (at in edge and _shape(line) in running) or (number == 0 and at == 0)
        ))
    return kept


def load_pdf(source: SourceFile) -> LoadResult:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(source.path)
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, OSError, ValueError) as error:
        raise DocumentError(f"{source.path}: not a readable PDF ({error})") from None
    text = "\n\n".join(page.strip() for page in without_running_lines(pages) if page.strip())
    if not text:
        raise DocumentError(f"{source.path}: the PDF has no text layer (scanned?); run OCR on it first")
    first_line = text.splitlines()[0].strip()
    title = meta_title.strip() or (first_line if len(first_line) <= 100 else _title_from_name(source.name))
    return LoadResult([SourceDocument(source.name, title, source.name, _numbered_headings(text), "pdf")])


def _unique_entry_ids(entries: list[FaqEntry], path: Path) -> tuple[list[str], dict[int, str]]:
    """Each entry's id, unique in its file, and a warning (by line number) for each entry given another one.

    Two entries under one id were one document with one chunk id, and the bot, which keys chunks by it, showed one
    under the other's question. An explicit id keeps its entry (the first line that gives it); a later line giving
    it again becomes "<id>-line<N>", a line without an id whose line number another line gives as its id becomes
    "line<N>": the same file gets the same ids at every build.
    """
    first_line: dict[str, int] = {}
    for entry in entries:
        if not entry.id_from_line:
            first_line.setdefault(entry.entry_id, entry.line_number)
    taken = set(first_line) | {entry.entry_id for entry in entries}
    ids: list[str] = []
    warnings: dict[int, str] = {}
    for entry in entries:
        owner = first_line.get(entry.entry_id, entry.line_number)
        if owner == entry.line_number:
            ids.append(entry.entry_id)
            continue
        new_id = f"line{entry.line_number}" if entry.id_from_line else f"{entry.entry_id}-line{entry.line_number}"
        if new_id in taken:
            new_id = next(f"{new_id}-{n}" for n in count(2) if f"{new_id}-{n}" not in taken)
        taken.add(new_id)
        ids.append(new_id)
        clash = (
            f'has no "id", and its line number is the id "{entry.entry_id}" given on line {owner}'
            if entry.id_from_line
            else f'id "{entry.entry_id}" is already used on line {owner}'
        )
        warnings[entry.line_number] = f'{path}:{entry.line_number}: {clash}; indexed as "{new_id}" (give it an id of its own)'
    return ids, warnings


def load_faq(source: SourceFile) -> LoadResult:
    """One document per FAQ entry, under an id unique in the file. A bad line is skipped, an optional field that
    could not be used is left out, and an id given again is replaced, each with a warning naming file:line."""
    entries: list[FaqEntry] = []
    warnings: list[tuple[int, str]] = []  # by line, so that they are shown in the file's order
    for item in read_faq_lines(read_to_index(source.path), source.path):
        if isinstance(item, FaqLineProblem):
            warnings.append((item.line_number, f"{item.location}: skipped, {item.description}"))
            continue
        warnings.extend((item.line_number, f"{source.path}:{item.line_number}: {note}") for note in item.notes)
        entries.append(item)
    entry_ids, renamed = _unique_entry_ids(entries, source.path)
    warnings.extend(renamed.items())
    result = LoadResult(warnings=[warning for _, warning in sorted(warnings, key=lambda pair: pair[0])])
    for item, entry_id in zip(entries, entry_ids, strict=True):
        result.documents.append(
            SourceDocument(
                doc_id=f"{source.name}#{entry_id}",
                title=item.question,
                path=source.name,
                text=read_as_shown(item.answer, item.url),
                format="faq",
                url=item.url,
                question=item.question,
                approved=item.approved,
            )
        )
    return result


LOADERS = {"markdown": load_markdown, "text": load_text, "html": load_html, "pdf": load_pdf, "faq": load_faq}


def load_file(source: SourceFile) -> LoadResult:
    """Documents from one file; a file that cannot be read yields a "skipped <file>: <why>" warning instead."""
    try:
        return LOADERS[SUFFIX_FORMATS[source.path.suffix.lower()]](source)
    except DocumentError as error:
        return LoadResult(warnings=[f"skipped {error}"])
    except RecursionError:  # a page nested deeper than Python's stack (thousands of unclosed tags): the rest is read
        return LoadResult(warnings=[f"skipped {source.path}: nested too deeply to read; check its HTML for unclosed tags"])

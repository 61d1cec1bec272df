"""Read FAQ JSONL: one `{"question", "answer"}` object a line, plus optional "id", "url" and "approved".

The index builder, `supportbot finetune prepare` and `supportbot eval answers` (whose cases are FAQ
lines with an optional "doc_ids") all read this format through `read_faq_lines`, so they accept the
same lines and describe a bad one in the same words. Each caller decides what a bad line means: the
index skips it with a warning, prepare and eval stop. An optional field of the wrong type ("approved": "yes",
"url": null) does not make a line bad: the entry is read without it, and a note on it says so for the index to show.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_NEEDS = 'each line needs non-empty "question" and "answer" strings'


@dataclass(frozen=True)
class FaqEntry:
    """One good FAQ line; question and answer are stripped, entry_id falls back to the line number.

    `notes` say what was wrong with an optional field and how the entry was read instead.
    """

    line_number: int
    question: str
    answer: str
    entry_id: str
    url: str
    approved: bool
    record: dict = field(default_factory=dict, compare=False, repr=False)  # the whole JSON object, for formats that add keys
    id_from_line: bool = field(default=False, compare=False)  # no usable "id": entry_id is the line number
    notes: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class FaqLineProblem:
    """A line that is not a usable FAQ entry: where it is, and what is wrong with it and how to fix it."""

    path: Path
    line_number: int
    description: str

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line_number}"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def _shown(value: object) -> str:
    """A field's value as it was written, cut short, for a note."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _given_id(entry: dict, line_number: int) -> tuple[str | None, str | None]:
    """The id the line gives (None: it is known by its line number), and a note when its "id" could not be used:
    a list, object or true/false would be written as Python shows it ("['a']", "True").

    Only a missing, null or empty "id" means none: 0 is an id like any other (files numbered from 0 had their
    first entry indexed by its line number, 1, which then clashed with the next entry's "id": 1)."""
    value = entry.get("id")
    if value is None or value == "":
        return None, None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None, f'"id" must be a string or a number, not {_shown(value)}; indexed by its line number, {line_number}'
    return str(value), None


def _url(entry: dict) -> tuple[str, str | None]:
    """The entry's url ("" without one: null or absent), and a note when it is not a string: the answer's links are
    resolved against it, and a null or number read as text is a url ("None", "5") that leads nowhere."""
    value = entry.get("url")
    if value is None or isinstance(value, str):
        return value or "", None
    return "", f'"url" must be a string, not {_shown(value)}; indexed without a url'


def _approved(entry: dict) -> tuple[bool, str | None]:
    """Whether the entry is approved: JSON true only. An approved answer is quoted word for word (legal wording), so
    "yes", "true" or 1 is not taken to mean it: the entry is not approved, and the note says so."""
    value = entry.get("approved")
    if value is None or isinstance(value, bool):
        return value is True, None
    return False, f'"approved" must be true or false, not {_shown(value)}; the entry is not approved'


def _field_problem(entry: dict, name: str) -> str | None:
    if name not in entry:
        return f'no "{name}"; {_NEEDS}'
    value = entry[name]
    if not isinstance(value, str):
        return f'"{name}" is {_json_type(value)}, not a string; {_NEEDS}'
    if not value.strip():
        return f'"{name}" is empty; {_NEEDS}'
    return None


def _parse_line(line: str, line_number: int) -> FaqEntry | str:
    """The entry on one line, or a description of what is wrong with it."""
    try:
        entry = json.loads(line)
    except json.JSONDecodeError as error:
        return f"not valid JSON ({error.msg} at column {error.colno}); each line must be one JSON object"
    if not isinstance(entry, dict):
        return f'expected an object like {{"question": ..., "answer": ...}}, got {_json_type(entry)}'
    problem = _field_problem(entry, "question") or _field_problem(entry, "answer")
    if problem:
        return problem
    given_id, id_note = _given_id(entry, line_number)
    url, url_note = _url(entry)
    approved, approved_note = _approved(entry)
    return FaqEntry(
        line_number=line_number,
        question=entry["question"].strip(),
        answer=entry["answer"].strip(),
        entry_id=given_id or str(line_number),
        url=url,
        approved=approved,
        record=entry,
        id_from_line=given_id is None,
        notes=tuple(note for note in (id_note, url_note, approved_note) if note),
    )


def read_faq_lines(text: str, path: Path) -> Iterator[FaqEntry | FaqLineProblem]:
    """An entry or a problem for every non-blank line of `text` (the contents of `path`).

    Lines end at "\\n" only, as JSONL says: `str.splitlines` would also split at U+2028, which
    JSON allows unescaped inside an answer.
    """
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        parsed = _parse_line(line, line_number)
        yield FaqLineProblem(path, line_number, parsed) if isinstance(parsed, str) else parsed

"""Read FAQ JSONL: one `{"question", "answer"}` object a line, plus optional "id", "url" and "approved".

The index builder, `supportbot finetune prepare` and `supportbot eval answers` (whose cases are FAQ
lines with an optional "doc_ids") all read this format through `read_faq_lines`, so they accept the
same lines and describe a bad one in the same words. Each caller decides what a bad line means: the
index skips it with a warning, prepare and eval stop.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_NEEDS = 'each line needs non-empty "question" and "answer" strings'


@dataclass(frozen=True)
class FaqEntry:
    """One good FAQ line; question and answer are stripped, entry_id falls back to the line number."""

    line_number: int
    question: str
    answer: str
    entry_id: str
    url: str
    approved: bool
    record: dict = field(default_factory=dict, compare=False, repr=False)  # the whole JSON object, for formats that add keys


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
    return {dict: "an object", list: "a list"}.get(type(value), type(value).__name__)


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
    return FaqEntry(
        line_number=line_number,
        question=entry["question"].strip(),
        answer=entry["answer"].strip(),
        entry_id=str(entry.get("id") or line_number),
        url=str(entry.get("url", "")),
        approved=entry.get("approved") is True,
        record=entry,
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

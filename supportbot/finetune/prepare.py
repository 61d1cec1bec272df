"""Convert common support exports into `messages` JSONL: a CSV of question/answer pairs, the FAQ JSONL the index reads, or conversations."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from supportbot.errors import DocumentError, TrainingDataError
from supportbot.finetune.data import load_conversations
from supportbot.generation.base import ChatMessage
from supportbot.retrieval.faq_jsonl import FaqLineProblem, read_faq_lines
from supportbot.retrieval.loaders import read_utf8
from supportbot.staging import staged_file

log = logging.getLogger(__name__)


def _conversation(question: str, answer: str, system_prompt: str) -> list[ChatMessage]:
    messages: list[ChatMessage] = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return messages + [{"role": "user", "content": question.strip()}, {"role": "assistant", "content": answer.strip()}]


def _read_text(path: Path) -> str:
    """The file as read for indexing (UTF-8, no newline translation); a bad file is a TrainingDataError."""
    try:
        return read_utf8(Path(path))
    except DocumentError as error:
        raise TrainingDataError(str(error)) from None


def _row_problem(row: dict, question_column: str, answer_column: str) -> str | None:
    """Why a CSV row makes no conversation, or None when it makes one."""
    for column in (question_column, answer_column):
        if row.get(column) is None:
            return f"no {column!r} field (a quote left open?)"
        if not row[column].strip():
            return f"empty {column!r}"
    return None


def from_csv(path: Path, question_column: str, answer_column: str, system_prompt: str = "") -> Iterator[list[ChatMessage]]:
    """One conversation per CSV row; a row with an empty or missing question or answer is skipped with a warning."""
    with io.StringIO(_read_text(path).removeprefix("\ufeff"), newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in (question_column, answer_column) if c not in columns]
        if missing:
            raise TrainingDataError(
                f"{path}: no column {', '.join(map(repr, missing))} (columns: {', '.join(columns) or 'none'}): "
                "pass --question-column / --answer-column"
            )
        line = reader.line_num + 1
        for row in reader:
            problem = _row_problem(row, question_column, answer_column)
            if problem:
                log.warning("%s:%d: row skipped: %s", path, line, problem)
            else:
                yield _conversation(row[question_column], row[answer_column], system_prompt)
            line = reader.line_num + 1


def from_faq_jsonl(path: Path, system_prompt: str = "") -> Iterator[list[ChatMessage]]:
    """One conversation per FAQ entry, read as `supportbot index` reads it; the first bad line stops it.

    The index skips a bad line, but training on a half-read FAQ would go unnoticed, so here it is an error.
    """
    for item in read_faq_lines(_read_text(path), path):
        if isinstance(item, FaqLineProblem):
            raise TrainingDataError(f"{item.location}: {item.description}")
        yield _conversation(item.question, item.answer, system_prompt)


def from_messages_jsonl(path: Path, system_prompt: str = "") -> Iterator[list[ChatMessage]]:
    """The conversations of a messages JSONL file as `train` reads them (a malformed line stops it), with `system_prompt` first if given."""
    for conversation in load_conversations(path).conversations:
        messages = [m for m in conversation.messages if not (system_prompt and m["role"] == "system")]
        yield ([{"role": "system", "content": system_prompt}] if system_prompt else []) + messages


def source_format(path: Path) -> str:
    """'csv' for .csv/.tsv, 'messages' for a JSONL whose first line has "messages", else 'faq'."""
    if path.suffix.lower() in (".csv", ".tsv"):
        return "csv"
    first = next((line for line in _read_text(path).splitlines() if line.strip()), "")
    try:
        return "messages" if "messages" in json.loads(first) else "faq"
    except (json.JSONDecodeError, TypeError):
        return "faq"  # the FAQ reader names the bad line


def read_source(path: Path, fmt: str, question_column: str, answer_column: str, system_prompt: str) -> Iterator[list[ChatMessage]]:
    """Conversations from `path` in format `fmt` ('auto', 'csv', 'faq' or 'messages')."""
    fmt = source_format(path) if fmt == "auto" else fmt
    if fmt == "csv":
        return from_csv(path, question_column, answer_column, system_prompt)
    if fmt == "messages":
        return from_messages_jsonl(path, system_prompt)
    return from_faq_jsonl(path, system_prompt)


def write_jsonl(records: Iterable[dict], path: Path) -> int:
    """Write one record (`{"messages": [...], ...}`) a line; returns how many were written.

    An input error part-way leaves `path` as it was: records are generated lazily.
    """
    count = 0
    with staged_file(Path(path)) as staging, staging.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count

"""Convert common support exports into `messages` JSONL: a CSV of question/answer pairs, or the FAQ JSONL the index reads."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from supportbot.errors import TrainingDataError
from supportbot.generation.base import ChatMessage
from supportbot.staging import staged_file


def _conversation(question: str, answer: str, system_prompt: str) -> list[ChatMessage]:
    messages: list[ChatMessage] = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return messages + [{"role": "user", "content": question.strip()}, {"role": "assistant", "content": answer.strip()}]


def from_csv(path: Path, question_column: str, answer_column: str, system_prompt: str = "") -> Iterator[list[ChatMessage]]:
    """One conversation per CSV row; rows with an empty question or answer are skipped."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [c for c in (question_column, answer_column) if c not in columns]
        if missing:
            raise TrainingDataError(
                f"{path}: no column {', '.join(map(repr, missing))} (columns: {', '.join(columns) or 'none'}): "
                "pass --question-column / --answer-column"
            )
        for row in reader:
            question, answer = row.get(question_column) or "", row.get(answer_column) or ""
            if question.strip() and answer.strip():
                yield _conversation(question, answer, system_prompt)


def from_faq_jsonl(path: Path, system_prompt: str = "") -> Iterator[list[ChatMessage]]:
    """One conversation per FAQ entry (`{"question", "answer", ...}` a line, as `supportbot index` reads)."""
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                question, answer = entry["question"], entry["answer"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise TrainingDataError(f"{path}:{number}: expected a JSON object with \"question\" and \"answer\"") from None
            yield _conversation(str(question), str(answer), system_prompt)


def write_jsonl(conversations: Iterable[list[ChatMessage]], path: Path) -> int:
    """Write one `{"messages": [...]}` a line; returns how many were written.

    An input error part-way leaves `path` as it was: conversations are generated lazily.
    """
    count = 0
    with staged_file(Path(path)) as staging, staging.open("w", encoding="utf-8") as handle:
        for messages in conversations:
            handle.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
            count += 1
    return count

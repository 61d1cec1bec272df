"""Read and check `messages` JSONL before any model is loaded, so a bad line costs seconds, not GPU time.

One conversation a line: `{"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}`.
An assistant message may carry `"weight": 0` (as in OpenAI's fine-tuning format): it stays in the
conversation as history but is not trained on. A line may carry `"sources"`, the `{"id", "text"}`
its last reply was to be made from (`finetune prepare --context` writes them; `finetune eval`
checks answers against them). Every malformed line is reported as file:line, all at once, and
nothing trains until they are fixed: an empty turn is one (an empty reply would teach the model to
say nothing, and a reply to an empty message answers something the model never sees). Turns out
of order (a greeting before the customer writes, several messages in a row from one side) are
reshaped as `turns.py` says, with a warning naming file:line, so `validate`, `prepare` and `train`
all see the same conversations.
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from supportbot.errors import TrainingDataError
from supportbot.finetune.turns import regular_turns
from supportbot.generation.base import ChatMessage

log = logging.getLogger(__name__)

ROLES = ("system", "user", "assistant")
MAX_LISTED_PROBLEMS = 20
ONE_PER_LINE = "each line must be one JSON object"  # the hint for a whole-file JSON array or a pretty-printed file


def trained(message: ChatMessage) -> bool:
    """Whether a message carries loss: an assistant reply without `"weight": 0`."""
    return message["role"] == "assistant" and message.get("weight", 1) != 0


@dataclass
class Conversation:
    """One training conversation, where it came from (file:line), and the sources its last reply was made from."""

    messages: list[ChatMessage]
    source: str
    sources: list[dict] = field(default_factory=list)

    def key(self) -> str:
        return json.dumps([self.messages, self.sources], sort_keys=True, ensure_ascii=False)

    def record(self) -> dict:
        """The JSONL line's object."""
        return {"messages": self.messages, **({"sources": self.sources} if self.sources else {})}

    @property
    def assistant_turns(self) -> int:
        """Replies that are trained on."""
        return sum(1 for m in self.messages if trained(m))


@dataclass
class DataReport:
    """What reading a file found: good conversations, bad lines, and things worth a warning."""

    conversations: list[Conversation] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    duplicates: int = 0
    without_assistant: int = 0
    unanswered_turns: int = 0
    reshaped: list[str] = field(default_factory=list)  # "file:line: what was dropped or merged", also logged as warnings

    def raise_if_malformed(self, path: Path) -> None:
        if not self.malformed:
            return
        listed = self.malformed[:MAX_LISTED_PROBLEMS]
        more = len(self.malformed) - len(listed)
        lines = "\n  ".join(listed) + (f"\n  ... and {more} more" if more else "")
        raise TrainingDataError(
            f"{path}: {len(self.malformed)} malformed line(s); fix them (or run `supportbot finetune validate {path}`):\n  {lines}"
        )


def _problem(message: object, index: int) -> str | None:
    if not isinstance(message, dict):
        return f"messages[{index}] is not an object"
    role, content = message.get("role"), message.get("content")
    if role not in ROLES:
        return f"messages[{index}].role is {role!r}; expected one of {', '.join(ROLES)}"
    if not isinstance(content, str):
        return f"messages[{index}].content must be a string, got {type(content).__name__}"
    if role == "system" and index != 0:
        return f"messages[{index}] is a system message; only the first message may be one"
    if role == "assistant" and not content.strip():
        return f"messages[{index}] is an empty assistant reply: write the reply or drop the conversation"
    if role == "user" and not content.strip():
        return f"messages[{index}] is an empty user turn: write what the customer asked or drop the conversation"
    if "weight" in message and (role != "assistant" or message["weight"] not in (0, 1)):
        return f'messages[{index}].weight is {message["weight"]!r}: only assistant messages take one, 0 (not trained on) or 1'
    return None


def _sources_problem(sources: object) -> str | None:
    if not isinstance(sources, list) or not all(
        isinstance(s, dict) and isinstance(s.get("id"), str) and isinstance(s.get("text"), str) for s in sources
    ):
        return '"sources" must be a list of {"id": "...", "text": "..."}'
    return None


def _message(message: dict) -> ChatMessage:
    kept: dict = {"role": message["role"], "content": message["content"]}
    if message.get("weight") == 0:
        kept["weight"] = 0
    return kept  # type: ignore[return-value]


def parse_record(text: str) -> tuple[list[ChatMessage], list[dict]]:
    """The messages and sources of one JSONL line; ValueError says what is wrong with it."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno}); {ONE_PER_LINE}") from None
    if not isinstance(record, dict) or "messages" not in record:
        found = "a JSON array, not an object" if isinstance(record, list) else 'no "messages" key'
        raise ValueError(f'{found} (expected {{"messages": [{{"role": ..., "content": ...}}, ...]}}); {ONE_PER_LINE}')
    messages = record["messages"]
    if not isinstance(messages, list) or not messages:
        raise ValueError('"messages" must be a non-empty list')
    for index, message in enumerate(messages):
        problem = _problem(message, index)
        if problem:
            raise ValueError(problem)
    sources = record.get("sources", [])
    problem = _sources_problem(sources)
    if problem:
        raise ValueError(problem)
    return [_message(m) for m in messages], [{"id": s["id"], "text": s["text"]} for s in sources]


def _check_utf8(line: str, path: Path, number: int) -> None:
    """A line read with surrogateescape holds a lone surrogate for each byte that is not UTF-8; stop there, as `prepare` does."""
    bad = next((column for column, char in enumerate(line, start=1) if "\udc80" <= char <= "\udcff"), None)
    if bad is not None:
        byte = ord(line[bad - 1]) - 0xDC00
        raise TrainingDataError(f"{path}:{number}: not UTF-8 text (byte {byte:#04x} at column {bad}); re-save it as UTF-8")


def _check_is_file(path: Path) -> None:
    if path.is_dir():
        raise TrainingDataError(f"training data {path} is a folder: pass a messages JSONL file (see `supportbot finetune prepare`)")
    if not path.is_file():
        raise TrainingDataError(f"training data {path} does not exist: pass a messages JSONL file (see `supportbot finetune prepare`)")


def _warn_reshaped(reshaped: list[str]) -> None:
    for note in reshaped[:MAX_LISTED_PROBLEMS]:
        log.warning("%s", note)
    if len(reshaped) > MAX_LISTED_PROBLEMS:
        log.warning("... and %d more line(s) with turns dropped or merged", len(reshaped) - MAX_LISTED_PROBLEMS)


def read_conversations(path: Path) -> DataReport:
    """Every line of `path` checked; bad lines are collected in `malformed`, not raised (a line that is not UTF-8 is).

    Turns out of order are reshaped (`regular_turns`); such lines are logged as warnings, the first MAX_LISTED_PROBLEMS by name.
    """
    path = Path(path)
    _check_is_file(path)
    report = DataReport()
    seen: set[str] = set()
    with path.open(encoding="utf-8", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, start=1):
            _check_utf8(line, path, number)
            if not line.strip():
                continue
            try:
                messages, sources = parse_record(line)
            except ValueError as error:
                report.malformed.append(f"{path}:{number}: {error}")
                continue
            messages, notes = regular_turns(messages)
            conversation = Conversation(messages, f"{path}:{number}", sources)
            if notes:
                skipped = "" if conversation.assistant_turns else "; no reply to train on, line skipped"
                report.reshaped.append(f"{conversation.source}: {'; '.join(notes)}{skipped}")
            if messages and messages[-1]["role"] == "user":
                report.unanswered_turns += 1
            if conversation.assistant_turns == 0:
                report.without_assistant += 1
                continue
            key = conversation.key()
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            report.conversations.append(conversation)
    _warn_reshaped(report.reshaped)
    return report


def load_conversations(path: Path) -> DataReport:
    """Like `read_conversations`, but a single malformed line stops the run with every bad line listed."""
    report = read_conversations(path)
    report.raise_if_malformed(Path(path))
    if not report.conversations:
        raise TrainingDataError(f"{path}: no conversation with an assistant reply; there is nothing to learn from")
    return report


def split_conversations(
    conversations: Sequence[Conversation], fraction: float, seed: int
) -> tuple[list[Conversation], list[Conversation]]:
    """A reproducible (train, eval) split; eval gets round(fraction * n) conversations, at least one when fraction > 0."""
    if not 0 <= fraction < 1:
        raise TrainingDataError(f"eval split {fraction} must be in [0, 1): use e.g. 0.1, or 0 with --eval-data")
    shuffled = list(conversations)
    random.Random(seed).shuffle(shuffled)
    count = max(1, round(fraction * len(shuffled))) if fraction > 0 else 0
    if count >= len(shuffled):
        raise TrainingDataError(f"{len(shuffled)} conversation(s) cannot be split {fraction:.0%} for eval: add data or use --eval-split 0")
    return shuffled[count:], shuffled[:count]


def role_counts(conversations: Sequence[Conversation]) -> Counter:
    return Counter(m["role"] for c in conversations for m in c.messages)

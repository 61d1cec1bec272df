"""Conversations to token ids and labels with the model's chat template; only assistant replies carry loss.

Each assistant reply's span is found by rendering the conversation up to it with the generation
prompt (where the reply starts) and up to and including it (where it ends, after the end-of-turn
token, so the model learns to stop). Everything else, replies with `"weight": 0` included, is labelled -100. A conversation longer than
`max_length` loses its oldest exchanges first, then tokens from the start, and is counted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from supportbot.errors import FinetuneError
from supportbot.finetune.data import trained
from supportbot.generation.base import CHATML_TEMPLATE, ChatMessage

log = logging.getLogger(__name__)

IGNORE_INDEX = -100


@dataclass
class TokenizedExample:
    """One conversation as model input; `labels` is -100 wherever no loss is taken."""

    input_ids: list[int]
    labels: list[int]
    truncated: bool = False
    source: str = ""
    full_length: int = 0  # tokens before truncation to max_length

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def loss_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


def apply_template_setting(tokenizer, setting: str, model_name: str) -> str:
    """Set and return the chat template to train with: the model's own, 'chatml', or a Jinja file."""
    if setting == "chatml":
        tokenizer.chat_template = CHATML_TEMPLATE
    elif setting:
        path = Path(setting).expanduser()
        if not path.is_file():
            raise FinetuneError(f"finetune.chat_template {setting!r} is neither 'chatml' nor an existing Jinja file")
        tokenizer.chat_template = path.read_text(encoding="utf-8")
    if not tokenizer.chat_template:
        raise FinetuneError(
            f"model {model_name!r} has no chat template (a base model?): set finetune.chat_template = \"chatml\" "
            "to use the ChatML template, or to a Jinja template file"
        )
    return tokenizer.chat_template


def render_ids(tokenizer, messages: Sequence[ChatMessage], add_generation_prompt: bool) -> list[int]:
    encoded = tokenizer.apply_chat_template(
        list(messages), add_generation_prompt=add_generation_prompt, tokenize=True, return_dict=True
    )
    return list(encoded["input_ids"])


def _labelled(tokenizer, messages: Sequence[ChatMessage]) -> tuple[list[int], list[int]]:
    full = render_ids(tokenizer, messages, add_generation_prompt=False)
    labels = [IGNORE_INDEX] * len(full)
    for index, message in enumerate(messages):
        if not trained(message):
            continue
        before = render_ids(tokenizer, messages[:index], add_generation_prompt=True)
        through = render_ids(tokenizer, messages[: index + 1], add_generation_prompt=False)
        if full[: len(before)] != before or full[: len(through)] != through:
            raise FinetuneError(
                "the chat template renders earlier turns differently once later turns follow (it is not prefix-stable), "
                "so assistant tokens cannot be located: set finetune.chat_template to 'chatml' or to a simpler Jinja file"
            )
        labels[len(before) : len(through)] = full[len(before) : len(through)]
    return full, labels


def _drop_oldest_exchange(messages: list[ChatMessage]) -> list[ChatMessage] | None:
    """Without the first user/assistant exchange after the system prompt; None when only one reply is left."""
    start = 1 if messages[0]["role"] == "system" else 0
    replies = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    if len(replies) < 2:
        return None
    return messages[:start] + messages[replies[0] + 1 :]


def tokenize_conversation(tokenizer, messages: Sequence[ChatMessage], max_length: int, source: str = "") -> TokenizedExample:
    """Ids and assistant-only labels, at most `max_length` tokens; trailing turns with no reply are dropped."""
    kept = list(messages)
    while kept and not trained(kept[-1]):
        kept.pop()
    if not kept:
        raise FinetuneError(f"{source or 'conversation'}: no assistant reply to learn from")
    ids, labels = _labelled(tokenizer, kept)
    full_length = len(ids)
    truncated = False
    while len(ids) > max_length:
        shorter = _drop_oldest_exchange(kept)
        if shorter is None:
            ids, labels = ids[-max_length:], labels[-max_length:]
        else:
            kept = shorter
            ids, labels = _labelled(tokenizer, kept)
        truncated = True
    if all(label == IGNORE_INDEX for label in labels):
        raise FinetuneError(
            f"{source or 'conversation'}: no assistant tokens found after rendering with the chat template; "
            "does the template drop assistant messages?"
        )
    return TokenizedExample(ids, labels, truncated, source, full_length)


def tokenize_all(tokenizer, conversations, max_length: int) -> list[TokenizedExample]:
    return [tokenize_conversation(tokenizer, c.messages, max_length, c.source) for c in conversations]


def render_with_loss_marked(tokenizer, example: TokenizedExample, open_mark: str = "[[", close_mark: str = "]]") -> str:
    """The example's text with every span that carries loss wrapped in marks, for `finetune validate`."""
    pieces: list[str] = []
    run: list[int] = []
    in_loss = False
    for token, label in zip(example.input_ids, example.labels):
        carries = label != IGNORE_INDEX
        if carries != in_loss and run:
            text = tokenizer.decode(run)
            pieces.append(f"{open_mark}{text}{close_mark}" if in_loss else text)
            run = []
        in_loss = carries
        run.append(token)
    if run:
        text = tokenizer.decode(run)
        pieces.append(f"{open_mark}{text}{close_mark}" if in_loss else text)
    return "".join(pieces)

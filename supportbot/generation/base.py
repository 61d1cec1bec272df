"""The seam between the dialogue manager and whatever runs the language model."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypedDict


# The ChatML chat template (SmolLM2, Qwen and many fine-tunes use it): the fallback for models that
# ship no template, and what `finetune` trains with when asked for "chatml".
CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class ChatMessage(TypedDict):
    """One message in the chat convention: role is system, user or assistant."""

    role: str
    content: str


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings for one answer."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 0.9
    repetition_penalty: float = 1.1


class Generator(Protocol):
    """A chat model. `stream` yields text pieces as they are decoded and stops early once `stop` is set.

    `count_tokens` and `truncate` use the model's own tokenizer and chat template, so the dialogue
    manager can keep a prompt inside `context_window` without knowing which backend runs it.
    """

    @property
    def context_window(self) -> int: ...

    def warm_up(self) -> None: ...

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int: ...

    def truncate(self, text: str, max_tokens: int) -> str: ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        settings: GenerationSettings,
        stop: threading.Event | None = None,
    ) -> Iterator[str]: ...

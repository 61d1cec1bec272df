"""A deterministic stand-in for the chat model, for tests where the model is not what is under test."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from supportbot.generation.base import ChatMessage, GenerationSettings


class EchoGenerator:
    """Streams a fixed answer word by word and remembers every prompt it was given.

    Tokens are whitespace-separated words, so prompt budgets are easy to reason about.
    """

    def __init__(self, answer: str = "Returns are accepted within 30 days [1].", context_window: int = 4096, fail: bool = False):
        self.answer = answer
        self.context_window = context_window
        self.fail = fail
        self.prompts: list[list[ChatMessage]] = []

    def warm_up(self) -> None:
        pass

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return sum(len(m["content"].split()) + 4 for m in messages)

    def truncate(self, text: str, max_tokens: int) -> str:
        words = text.split()
        return text if len(words) <= max_tokens else " ".join(words[:max_tokens])

    def stream(self, messages: Sequence[ChatMessage], settings: GenerationSettings, stop: threading.Event | None = None) -> Iterator[str]:
        self.prompts.append(list(messages))
        if self.fail:
            raise RuntimeError("CUDA error: device-side assert triggered")
        for n, word in enumerate(self.answer.split()):
            if stop is not None and stop.is_set():
                return
            yield word if n == 0 else " " + word

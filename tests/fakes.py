"""Deterministic stand-ins for the chat model, for tests where the model is not what is under test."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence

from supportbot.generation.base import ChatMessage, GenerationSettings

MODEL_FAILURE = "CUDA error: device-side assert triggered"


def grounding_checker(embedder):
    """The grounding check as the app builds it, over the session's embedder."""
    from supportbot.app import create_grounding_checker
    from supportbot.config import Config

    return create_grounding_checker(Config(), embedder)


class EchoGenerator:
    """Streams a fixed answer word by word and remembers every prompt it was given.

    Tokens are whitespace-separated words, so prompt budgets are easy to reason about;
    `delay` seconds per word make it as slow as a real model where a test needs that.
    """

    def __init__(
        self,
        answer: str = "Returns are accepted within 30 days [1].",
        context_window: int = 4096,
        fail: bool = False,
        delay: float = 0.0,
    ):
        self.answer = answer
        self.context_window = context_window
        self.fail = fail
        self.delay = delay
        self.prompts: list[list[ChatMessage]] = []

    def warm_up(self) -> None:
        pass

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return sum(len(m["content"].split()) + 4 for m in messages)

    def truncate(self, text: str, max_tokens: int) -> str:
        words = text.split()
        return text if len(words) <= max_tokens else " ".join(words[:max_tokens])

    def answer_for(self, messages: Sequence[ChatMessage]) -> str:
        return self.answer

    def fails_for(self, messages: Sequence[ChatMessage]) -> bool:
        return self.fail

    def delay_for(self, messages: Sequence[ChatMessage]) -> float:
        return self.delay

    def stream(self, messages: Sequence[ChatMessage], settings: GenerationSettings, stop: threading.Event | None = None) -> Iterator[str]:
        self.prompts.append(list(messages))
        if self.fails_for(messages):
            raise RuntimeError(MODEL_FAILURE)
        delay = self.delay_for(messages)
        for n, word in enumerate(re.findall(r"\s*\S+", self.answer_for(messages))):  # with the space or line break before it
            if stop is not None and stop.is_set():
                return
            if delay:
                time.sleep(delay)
            yield word.lstrip() if n == 0 else word


class QuestionEchoGenerator(EchoGenerator):
    """Says what it was asked and how many earlier messages the prompt carried, so a test can tell
    which question an answer belongs to and whether the thread's history reached the model."""

    def answer_for(self, messages: Sequence[ChatMessage]) -> str:
        earlier = len(messages) - 2  # minus the system prompt and the question
        return f"Answer to '{messages[-1]['content']}' with {earlier} earlier messages [1]."

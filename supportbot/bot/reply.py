"""An answer as channels see it: its kind, its numbered sources, and its text as a stream."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import TYPE_CHECKING

from supportbot.bot.citations import cited_numbers

if TYPE_CHECKING:
    from supportbot.bot.prompt import ComposedPrompt, Source

log = logging.getLogger(__name__)


class AnswerKind(StrEnum):
    """How an answer was made; stored with it, reported by `chat --json`, eval and the channels."""

    GENERATED = "generated"  # written by the model and shown as written (bot.answer_mode = "generative")
    GROUNDED = "grounded"  # written by the model, each sentence shown only once the sources support it
    EXTRACTIVE = "extractive"  # sentences of the sources, unchanged
    APPROVED = "approved"  # an approved FAQ entry or page, word for word
    FALLBACK = "fallback"  # nothing relevant was found: the bot declines and offers a person
    CONVERSATION = "conversation"  # the bot's own words: a greeting, thanks or goodbye answered, or no person to hand to
    HANDOFF = "handoff"  # the customer asked for a person and one has the conversation now (bot/handoff.py)
    ERROR = "error"  # answering failed: the configured apology


class Reply:
    """An answer being produced. Iterate it to stream the text, or call `text()` to wait for all of it.

    When the stream ends (completely, cancelled, or failed) `on_done` is called once, which is where
    the dialogue manager stores the answer. A failure is logged and replaced by `error_message`,
    never shown as a traceback. `interrupted` says whether the reader stopped before the end: stopped
    reading, or called `cancel()`. The `stop` event alone does not say so, as the model is also stopped
    on purpose once a grounded answer has said enough, and backends set it when they end.

    `pieces` may also be a function of the reply, for answers whose kind is only settled while they
    stream (a grounded answer that falls back to an extractive one sets `kind` as it goes).
    """

    def __init__(
        self,
        conversation_id: str,
        kind: AnswerKind,
        sources: list[Source],
        pieces: Iterable[str] | Callable[[Reply], Iterable[str]] = (),
        *,
        prompt: ComposedPrompt | None = None,
        on_done: Callable[[Reply], None] | None = None,
        error_message: str = "",
        stop: threading.Event | None = None,
        language: str = "",
    ) -> None:
        self.conversation_id = conversation_id
        self.kind = kind
        self.sources = sources
        self.language = language  # the question's language (ISO 639-1), for the channel's own words around the answer
        self.prompt = prompt
        self.done = False
        self.interrupted = False
        self.cancelled = False  # the reader asked to stop (Ctrl-C, a closed connection, Slack gone)
        self.message_id: int | None = None  # the stored answer's id, once stored (what feedback refers to)
        self.dropped_sentences = 0  # grounded answers: the model's sentences the sources did not support
        self.first_token_at: float | None = None
        self.started_at = time.perf_counter()  # DialogueManager.reply moves it back to when the message arrived
        self._pieces = iter(pieces(self) if callable(pieces) else pieces)
        self._on_done = on_done
        self._error_message = error_message
        self._stop = stop or threading.Event()
        self._parts: list[str] = []

    def __iter__(self) -> Iterator[str]:
        if self.done:
            yield from self._parts
            return
        exhausted = False
        try:
            for piece in self._pieces:
                if self.first_token_at is None:
                    self.first_token_at = time.perf_counter()
                self._parts.append(piece)
                yield piece
            exhausted = True
        except Exception:
            log.exception("answering failed in conversation %s", self.conversation_id)
            self.kind = AnswerKind.ERROR
            self._parts[:] = [self._error_message]
            exhausted = True
            yield self._error_message
        finally:
            # Not exhausted: the consumer stopped reading (Ctrl-C, a closed connection).
            self.interrupted = self.cancelled or not exhausted
            self._finish()

    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        if self._on_done is not None:
            self._on_done(self)

    def cancel(self) -> None:
        """Stop generating; what was produced so far is kept, and stored as interrupted."""
        self.cancelled = True
        self._stop.set()

    def text(self) -> str:
        for _ in self:
            pass
        return "".join(self._parts)

    @property
    def piece_count(self) -> int:
        """Pieces streamed so far (a token each for most backends); the metrics' tokens/s."""
        return len(self._parts)

    @property
    def partial_text(self) -> str:
        return "".join(self._parts)

    def cited_sources(self) -> list[Source]:
        """The sources the answer's citation markers name; all of them when it has none (a generative answer)."""
        numbers = set(cited_numbers(self.partial_text))
        cited = [source for source in self.sources if source.number in numbers]
        return cited or self.sources

"""The dialogue manager: owns a conversation from the user's message to the stored, streamed answer.

Channels call `reply()` and iterate the returned Reply to show the answer as it is generated. They
never see the retriever, the model or the store, so a new backend or channel changes nothing here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from supportbot.bot.approved import ApprovedAnswers
from supportbot.bot.prompt import ComposedPrompt, PromptComposer, Source
from supportbot.bot.store import ConversationStore
from supportbot.config import BotConfig
from supportbot.errors import MessageError
from supportbot.generation.base import ChatMessage, GenerationSettings, Generator
from supportbot.retrieval.base import Retriever
from supportbot.retrieval.documents import ScoredChunk

log = logging.getLogger(__name__)

GENERATED = "generated"
FALLBACK = "fallback"
APPROVED = "approved"
ERROR = "error"


@dataclass
class Reply:
    """An answer being produced. Iterate it to stream the text, or call `text()` to wait for all of it.

    When the stream ends (completely, cancelled, or failed) the answer is stored with its sources.
    A failure is logged and replaced by the configured apology, never shown as a traceback.
    """

    conversation_id: str
    kind: str
    sources: list[Source]
    prompt: ComposedPrompt | None = None
    _pieces: Iterator[str] | None = None
    _on_done: Callable[[Reply], None] | None = None
    _error_message: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _parts: list[str] = field(default_factory=list)
    done: bool = False
    interrupted: bool = False
    first_token_at: float | None = None
    started_at: float = field(default_factory=time.perf_counter)

    def __iter__(self) -> Iterator[str]:
        if self.done:
            yield from self._parts
            return
        exhausted = False
        try:
            for piece in self._pieces or iter(()):
                if self.first_token_at is None:
                    self.first_token_at = time.perf_counter()
                self._parts.append(piece)
                yield piece
            exhausted = True
        except Exception:
            log.exception("generation failed in conversation %s", self.conversation_id)
            self.kind = ERROR
            self._parts[:] = [self._error_message]
            exhausted = True
            yield self._error_message
        finally:
            # Not exhausted: the consumer stopped reading (Ctrl-C, a closed connection).
            self.interrupted = self._stop.is_set() or not exhausted
            self._finish()

    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        if self._on_done is not None:
            self._on_done(self)

    def cancel(self) -> None:
        """Stop generating; what was produced so far is kept."""
        self._stop.set()

    def text(self) -> str:
        for _ in self:
            pass
        return "".join(self._parts)

    @property
    def partial_text(self) -> str:
        return "".join(self._parts)


def merge_hits(*hit_lists: Sequence[ScoredChunk]) -> list[ScoredChunk]:
    """Union of several retrievals, each chunk once with its best score, best first."""
    best: dict[str, ScoredChunk] = {}
    for hits in hit_lists:
        for hit in hits:
            known = best.get(hit.chunk.chunk_id)
            if known is None or hit.score > known.score:
                best[hit.chunk.chunk_id] = hit
    return sorted(best.values(), key=lambda hit: hit.score, reverse=True)


class DialogueManager:
    """Retrieves, composes the prompt, streams the answer and keeps the conversation."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Generator,
        store: ConversationStore,
        bot: BotConfig,
        settings: GenerationSettings,
        top_k: int,
        approved: ApprovedAnswers | None = None,
    ) -> None:
        self.approved = approved
        self.retriever = retriever
        self.generator = generator
        self.store = store
        self.bot = bot
        self.settings = settings
        self.top_k = top_k
        self.composer = PromptComposer(
            generator, bot.system_prompt, settings.max_new_tokens, bot.max_message_tokens, bot.max_history_turns
        )

    def warm_up(self) -> None:
        for part in (self.retriever, self.generator):
            warm_up = getattr(part, "warm_up", None)
            if warm_up is not None:
                warm_up()

    def history(self, channel: str, conversation_id: str) -> list[ChatMessage]:
        return [
            {"role": m.role, "content": m.content}
            for m in self.store.messages(channel, conversation_id)
            if m.role in ("user", "assistant")
        ]

    def _retrieve(self, question: str, history: list[ChatMessage]) -> list[ScoredChunk]:
        """Retrieve for the question alone and, in a follow-up, together with the previous question."""
        hits = [self.retriever.retrieve(question)]
        previous = next((m["content"] for m in reversed(history) if m["role"] == "user"), None)
        if previous:
            hits.append(self.retriever.retrieve(f"{previous}\n{question}"))
        return merge_hits(*hits)[: self.top_k]

    def reply(self, channel: str, conversation_id: str, message: str) -> Reply:
        """Start answering `message`; the user's message is stored at once, the answer when it ends."""
        question = message.strip()
        if not question:
            raise MessageError("empty message: type a question")
        question = question[: self.bot.max_message_chars]
        history = self.history(channel, conversation_id)
        retried = bool(history) and history[-1] == {"role": "user", "content": question}
        if retried:  # asked before and never answered (the process stopped mid-answer): answer it now, store it once
            history = history[:-1]
        approved = self.approved.match(question) if self.approved is not None else None
        hits = [] if approved is not None else self._retrieve(question, history)
        if not retried:
            self.store.add_message(channel, conversation_id, "user", question)

        def record(reply: Reply) -> None:
            self.store.add_message(
                channel,
                conversation_id,
                "assistant",
                reply.partial_text,
                kind=reply.kind + (":interrupted" if reply.interrupted else ""),
                sources=[source.to_dict() for source in reply.sources],
            )

        if approved is not None:
            return Reply(conversation_id, APPROVED, [approved.source()], _pieces=iter([approved.text]), _on_done=record)
        if not hits:
            return Reply(conversation_id, FALLBACK, [], _pieces=iter([self.bot.fallback_message]), _on_done=record)
        prompt = self.composer.compose(question, history, hits)
        stop = threading.Event()
        pieces = self.generator.stream(prompt.messages, self.settings, stop)
        return Reply(
            conversation_id,
            GENERATED,
            prompt.sources,
            prompt,
            _pieces=pieces,
            _on_done=record,
            _error_message=self.bot.error_message,
            _stop=stop,
        )


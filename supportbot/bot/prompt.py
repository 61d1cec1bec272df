"""Compose the prompt: system prompt with numbered sources, history, question, all within the context window.

Everything is measured in the chat model's own tokens through its chat template. When the prompt
is too long, the oldest history goes first, then the lowest-ranked retrieved chunks, and only then
is the question itself cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from supportbot.errors import ConfigError
from supportbot.generation.base import ChatMessage, Generator
from supportbot.retrieval.documents import ScoredChunk


@dataclass(frozen=True)
class Source:
    """A document the answer may cite, numbered as in the prompt."""

    number: int
    doc_id: str
    title: str
    path: str
    url: str
    score: float
    approved: bool = False

    def to_dict(self) -> dict:
        return {"id": self.doc_id, "title": self.title, "path": self.path, "url": self.url, "score": round(self.score, 4)}


@dataclass
class ComposedPrompt:
    """The messages sent to the model and what had to be left out to fit."""

    messages: list[ChatMessage]
    sources: list[Source]
    prompt_tokens: int
    dropped_history_messages: int = 0
    dropped_chunks: int = 0
    question_truncated: bool = False


def group_sources(hits: Sequence[ScoredChunk]) -> list[tuple[Source, list[ScoredChunk]]]:
    """Chunks grouped by document in rank order; a document is numbered by its best chunk."""
    grouped: dict[str, list[ScoredChunk]] = {}
    for hit in hits:
        grouped.setdefault(hit.chunk.doc_id, []).append(hit)
    result = []
    for number, (doc_id, doc_hits) in enumerate(grouped.items(), start=1):
        best = doc_hits[0]
        chunk = best.chunk
        result.append((Source(number, doc_id, chunk.title, chunk.path, chunk.url, best.score, chunk.approved), doc_hits))
    return result


def render_context(grouped: list[tuple[Source, list[ScoredChunk]]]) -> str:
    blocks = []
    for source, doc_hits in grouped:
        body = "\n".join(hit.chunk.text if not hit.chunk.question else f"Q: {hit.chunk.question}\nA: {hit.chunk.text}" for hit in doc_hits)
        blocks.append(f"[{source.number}] {source.title}\n{body}")
    return "\n\n".join(blocks)


def render_prompt(
    system_prompt: str, question: str, history: Sequence[ChatMessage], hits: Sequence[ScoredChunk]
) -> tuple[list[ChatMessage], list[Source]]:
    """The messages for `question` with these sources, before any fitting to the context window.

    The composer renders through here, and so does `finetune prepare --context`: training examples
    are in the very prompt the bot serves.
    """
    grouped = group_sources(hits)
    system = system_prompt
    if grouped:
        system += "\n\nSources:\n" + render_context(grouped)
    messages: list[ChatMessage] = [{"role": "system", "content": system}, *history, {"role": "user", "content": question}]
    return messages, [source for source, _ in grouped]


class PromptComposer:
    """Builds chat messages that fit `generator.context_window` minus the tokens kept for the answer."""

    def __init__(
        self,
        generator: Generator,
        system_prompt: str,
        answer_tokens: int,
        max_message_tokens: int,
        max_history_turns: int,
    ) -> None:
        self.generator = generator
        self.system_prompt = system_prompt
        self.answer_tokens = answer_tokens
        self.max_message_tokens = max_message_tokens
        self.max_history_turns = max_history_turns

    def _render(self, question: str, history: Sequence[ChatMessage], hits: Sequence[ScoredChunk]) -> tuple[list[ChatMessage], list[Source]]:
        return render_prompt(self.system_prompt, question, history, hits)

    def compose(self, question: str, history: Sequence[ChatMessage], hits: Sequence[ScoredChunk]) -> ComposedPrompt:
        budget = self.generator.context_window - self.answer_tokens
        kept_question = self.generator.truncate(question, self.max_message_tokens)
        kept_history = list(history)[-2 * self.max_history_turns :] if self.max_history_turns > 0 else []
        dropped_history = len(history) - len(kept_history)
        kept_hits = list(hits)
        truncated = kept_question != question
        while True:
            messages, sources = self._render(kept_question, kept_history, kept_hits)
            tokens = self.generator.count_tokens(messages)
            if tokens <= budget:
                return ComposedPrompt(messages, sources, tokens, dropped_history, len(hits) - len(kept_hits), truncated)
            if kept_history:
                # Drop the oldest exchange; a leading assistant message would be an orphan, so it goes too.
                pair = 2 if len(kept_history) > 1 and kept_history[1]["role"] == "assistant" else 1
                del kept_history[:pair]
                dropped_history = len(history) - len(kept_history)
            elif kept_hits:
                kept_hits.pop()
            else:
                question_tokens = self.generator.count_tokens([{"role": "user", "content": kept_question}])
                overflow = tokens - budget
                if question_tokens <= overflow + 8:
                    raise ConfigError(
                        f"model.context_window ({self.generator.context_window} tokens) leaves no room for a question "
                        f"after the system prompt and {self.answer_tokens} answer tokens: raise it or shorten bot.system_prompt"
                    )
                kept_question = self.generator.truncate(kept_question, max(1, question_tokens - overflow - 8))
                truncated = True

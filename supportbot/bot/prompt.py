"""Compose the prompt: system prompt with numbered sources, history, question, all within the context window.

Everything is measured in the chat model's own tokens through its chat template. When the prompt
is too long, the oldest history goes first, then the lowest-ranked retrieved chunks, and only then
is the question itself cut. A message longer than bot.max_message_tokens keeps what it asks, which is
usually at its end, after what it is about (`what_is_asked`), and as much of its start as fits before it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from supportbot.errors import ConfigError
from supportbot.generation.base import ChatMessage, Generator
from supportbot.retrieval.documents import ScoredChunk
from supportbot.text.language import language_name
from supportbot.text.sentences import split_sentences

# Said to the model after the system prompt when the customer writes in another language than English
# (the system prompt's own): small models otherwise answer a Chinese question in English.
LANGUAGE_INSTRUCTION = "The customer writes in {language}: answer in {language}."
PASSAGE_BREAK = "\n\n"  # between passages of one source: read back, each keeps its own sentences
# What the sources are asked of a long message (`what_is_asked`): about the embedder's 256 tokens of English, what
# retrieval reads of a text before it cuts the rest.
MAX_ASKED_CHARS = 1000
OMITTED = " … "  # between the start of a long message and what it asks, where the middle was left out
QUESTION_MARK = "Q: "  # how an FAQ entry's question and answer are set out for the model
ANSWER_MARK = "A: "


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
    text: str = ""  # exactly what the model was given for this source (its chunks, as rendered)

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "id": self.doc_id,
            "title": self.title,
            "path": self.path,
            "url": self.url,
            "score": round(self.score, 4),
        }


@dataclass
class ComposedPrompt:
    """The messages sent to the model and what had to be left out to fit."""

    messages: list[ChatMessage]
    sources: list[Source]
    prompt_tokens: int
    dropped_history_messages: int = 0
    dropped_chunks: int = 0
    question_truncated: bool = False


def render_source_body(hits: Sequence[ScoredChunk]) -> str:
    """A source's chunks as the model reads them; an FAQ entry keeps its question.

    Passages are set a blank line apart, so that reading the text back sentence by sentence
    (`source_statements`) finds the sentences each passage has on its own.
    """
    return PASSAGE_BREAK.join(hit.chunk.text if not hit.chunk.question else f"{QUESTION_MARK}{hit.chunk.question}\n{ANSWER_MARK}{hit.chunk.text}" for hit in hits)


def source_statements(source: Source) -> list[str]:
    """The sentences of a source as the model read them, FAQ questions left out: what an answer may rely on.

    An FAQ question is cut off at its line: one without a question mark ("Paste just the text, not the
    formatting") would otherwise run into the answer's first sentence, and that would be left out with it.
    """
    statements = []
    for passage in source.text.split(PASSAGE_BREAK):
        if passage.startswith(QUESTION_MARK):
            passage = passage.partition(f"\n{ANSWER_MARK}")[2]
        statements += split_sentences(passage)
    return statements


def what_is_asked(message: str, max_chars: int = MAX_ASKED_CHARS) -> str:
    """What a message longer than `max_chars` asks: its last sentence that asks (ends in a question mark) with the one
    just before it, what it is about ("I sent the pan back last week. How long do refunds take?", or a first question:
    "Can I return it? And how long does the refund take?"); without a question mark, its last sentence. Within
    `max_chars`, a sentence too long for it keeping its end. A long account of an order ending in a question asks
    that, not its first lines; a shorter message is asked whole."""
    if len(message) <= max_chars:
        return message
    sentences = split_sentences(message)
    asking = [n for n, sentence in enumerate(sentences) if sentence.rstrip().endswith(("?", "？"))]
    last = asking[-1] if asking else len(sentences) - 1
    kept = " ".join(sentences[max(0, last - 1) : last + 1]) if asking else ""
    if not 0 < len(kept) <= max_chars:
        kept = sentences[last] if sentences else message
    return kept if len(kept) <= max_chars else kept.rstrip()[-max_chars:]


def group_sources(hits: Sequence[ScoredChunk]) -> list[tuple[Source, list[ScoredChunk]]]:
    """Chunks grouped by document in rank order; a document is numbered by its best chunk."""
    grouped: dict[str, list[ScoredChunk]] = {}
    for hit in hits:
        grouped.setdefault(hit.chunk.doc_id, []).append(hit)
    result = []
    for number, (doc_id, doc_hits) in enumerate(grouped.items(), start=1):
        chunk = doc_hits[0].chunk
        source = Source(number, doc_id, chunk.title, chunk.path, chunk.url, doc_hits[0].score, chunk.approved, render_source_body(doc_hits))
        result.append((source, doc_hits))
    return result


def render_context(sources: Sequence[Source]) -> str:
    return "\n\n".join(f"[{source.number}] {source.title}\n{source.text}" for source in sources)


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

    def in_language(self, language: str) -> PromptComposer:
        """This composer, telling the model to answer in `language` (ISO 639-1) unless it is English, the prompt's own."""
        if not language or language == "en":
            return self
        composer = copy.copy(self)
        composer.system_prompt = f"{self.system_prompt} {LANGUAGE_INSTRUCTION.format(language=language_name(language))}"
        return composer

    def render(self, question: str, history: Sequence[ChatMessage], sources: Sequence[Source]) -> list[ChatMessage]:
        """The messages for a question, its history and its numbered sources, as the model reads them."""
        system = self.system_prompt
        if sources:
            system += "\n\nSources:\n" + render_context(sources)
        return [{"role": "system", "content": system}, *history, {"role": "user", "content": question}]

    def compose(self, question: str, history: Sequence[ChatMessage], hits: Sequence[ScoredChunk]) -> ComposedPrompt:
        """The prompt over retrieved chunks; when too long, the lowest-ranked chunks go after the oldest history."""
        return self._fit(question, history, list(hits), lambda kept: [source for source, _ in group_sources(kept)])

    def compose_sources(self, question: str, history: Sequence[ChatMessage], sources: Sequence[Source]) -> ComposedPrompt:
        """The prompt over sources already numbered and rendered; when too long, the last sources go first."""
        return self._fit(question, history, list(sources), list)

    def shortened(self, message: str) -> str:
        """`message` within max_message_tokens: whole when it fits, else what it asks (`what_is_asked`) after as
        much of its start as fits before it. Cut from its start alone, a long account lost the question at its end."""
        if self.generator.truncate(message, self.max_message_tokens) == message:
            return message
        asked = what_is_asked(message)
        count = self.generator.count_tokens
        room = self.max_message_tokens - (count([{"role": "user", "content": f"{OMITTED}{asked}"}]) - count([{"role": "user", "content": ""}]))
        if room <= 0:
            return self.generator.truncate(asked, self.max_message_tokens)
        start = self.generator.truncate(message, room)
        if message.rfind(asked) < len(start):  # what it asks is at its start ("Can I return this? ..."): it is kept
            return start
        return f"{start.rstrip()}{OMITTED}{asked}"

    def _fit(
        self, question: str, history: Sequence[ChatMessage], items: list, to_sources: Callable[[list], list[Source]]
    ) -> ComposedPrompt:
        budget = self.generator.context_window - self.answer_tokens
        kept_question = self.shortened(question)
        kept_history = list(history)[-2 * self.max_history_turns :] if self.max_history_turns > 0 else []
        dropped_history = len(history) - len(kept_history)
        kept = list(items)
        truncated = kept_question != question
        while True:
            sources = to_sources(kept)
            messages = self.render(kept_question, kept_history, sources)
            tokens = self.generator.count_tokens(messages)
            if tokens <= budget:
                return ComposedPrompt(messages, sources, tokens, dropped_history, len(items) - len(kept), truncated)
            if kept_history:
                # Drop the oldest exchange; a leading assistant message would be an orphan, so it goes too.
                pair = 2 if len(kept_history) > 1 and kept_history[1]["role"] == "assistant" else 1
                del kept_history[:pair]
                dropped_history = len(history) - len(kept_history)
            elif kept:
                kept.pop()
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

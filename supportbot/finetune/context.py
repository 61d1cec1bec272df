"""Training examples in the prompt the bot serves: each reply's system prompt holds the sources retrieved for it.

For every assistant reply of a conversation, its question is retrieved for as the dialogue manager
does (`retrieve_for_turn`, with the configured retriever over the given index) and the prompt is
rendered by the composer's own code (`render_prompt`, with `bot.system_prompt`), so a change to
the serving prompt changes the training prompt with it. Earlier replies stay in the history with
`"weight": 0`: they were answered from other sources, so only the last reply is trained on.

A share of examples (`finetune.decline_share`) get the sources retrieved for an unrelated question
(no document in common) and the bot's fallback message as the reply, so the model learns to
decline and offer a person instead of inventing an answer. A question for which retrieval finds
nothing relevant is skipped: the bot answers it with the fallback message without the model.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from supportbot.bot.dialogue import retrieve_for_turn
from supportbot.bot.prompt import group_sources, render_context, render_prompt
from supportbot.config import BotConfig, Config
from supportbot.errors import ConfigError
from supportbot.generation.base import ChatMessage
from supportbot.retrieval.base import Retriever
from supportbot.retrieval.documents import ScoredChunk

# Tries at finding another question whose sources share no document with this one's.
DISTRACTOR_TRIES = 20


@dataclass
class ContextCounts:
    """What `prepare --context` made of the conversations."""

    examples: int = 0
    grounded: int = 0
    declines: int = 0
    without_relevant_source: int = 0  # skipped: the bot falls back without the model for these

    def summary(self) -> str:
        return (
            f"{self.examples} examples ({self.grounded} with their retrieved sources, {self.declines} with unrelated "
            f"sources and the fallback reply); {self.without_relevant_source} replies skipped (nothing relevant retrieved)"
        )


@dataclass
class _Turn:
    history: list[ChatMessage]
    question: str
    reply: str
    hits: list[ScoredChunk]
    doc_ids: set[str] = field(default_factory=set)


def source_texts(hits: Sequence[ScoredChunk]) -> list[dict]:
    """`{"id", "text"}` per numbered source, the text exactly as the prompt shows it."""
    return [{"id": source.doc_id, "text": render_context([(source, doc_hits)])} for source, doc_hits in group_sources(hits)]


def _turns(messages: Sequence[ChatMessage]) -> Iterable[tuple[list[ChatMessage], str, str]]:
    """(history before the question, question, reply) for each assistant reply that follows a user message."""
    dialogue = [{"role": m["role"], "content": m["content"]} for m in messages if m["role"] != "system"]
    for index, message in enumerate(dialogue):
        if message["role"] == "assistant" and index > 0 and dialogue[index - 1]["role"] == "user":
            yield dialogue[: index - 1], dialogue[index - 1]["content"], message["content"]


class ServingPromptExamples:
    """Turns conversations into examples rendered as the bot would prompt for each reply."""

    def __init__(self, retriever: Retriever, bot: BotConfig, top_k: int, decline_share: float, seed: int) -> None:
        if not 0 <= decline_share < 1:
            raise ConfigError(f"finetune.decline_share {decline_share} must be in [0, 1): e.g. 0.2, or 0 for no decline examples")
        self.retriever = retriever
        self.bot = bot
        self.top_k = top_k
        self.decline_share = decline_share
        self.seed = seed
        self.counts = ContextCounts()

    def _example(self, turn: _Turn, hits: Sequence[ScoredChunk], reply: str) -> dict:
        messages, _ = render_prompt(self.bot.system_prompt, turn.question, turn.history, hits)
        messages = [{**m, "weight": 0} if m["role"] == "assistant" else m for m in messages]  # history: not trained on
        return {"messages": [*messages, {"role": "assistant", "content": reply}], "sources": source_texts(hits)}

    def _distractor(self, turn: _Turn, turns: list[_Turn], rng: random.Random) -> _Turn | None:
        for _ in range(DISTRACTOR_TRIES):
            other = rng.choice(turns)
            if not other.doc_ids & turn.doc_ids:
                return other
        return None

    def records(self, conversations: Iterable[Sequence[ChatMessage]]) -> list[dict]:
        """One record per reply, in the conversations' order; `counts` says how many of which kind."""
        turns = []
        for messages in conversations:
            for history, question, reply in _turns(messages):
                hits = retrieve_for_turn(self.retriever, question, history, self.top_k)
                if not hits:
                    self.counts.without_relevant_source += 1
                    continue
                turns.append(_Turn(history, question, reply, hits, {hit.chunk.doc_id for hit in hits}))
        rng = random.Random(self.seed)
        records = []
        for turn in turns:
            distractor = self._distractor(turn, turns, rng) if rng.random() < self.decline_share else None
            if distractor is None:
                records.append(self._example(turn, turn.hits, turn.reply))
                self.counts.grounded += 1
            else:
                records.append(self._example(turn, distractor.hits, self.bot.fallback_message))
                self.counts.declines += 1
        self.counts.examples = len(records)
        return records


def serving_prompt_examples(config: Config, index_dir: Path) -> ServingPromptExamples:
    """Examples retrieved from the index at `index_dir` with the configured retriever, as `supportbot chat` would over it.

    An index built with another embedding model than retrieval.embedding_model is refused here, in one line.
    """
    from supportbot.app import create_embedder, retriever_for_index
    from supportbot.retrieval.index_store import load_index

    embedder = create_embedder(config)
    retriever = retriever_for_index(config, load_index(Path(index_dir)), embedder)
    ft = config.finetune
    return ServingPromptExamples(retriever, config.bot, config.retrieval.top_k, ft.decline_share, ft.seed)

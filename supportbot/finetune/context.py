"""Training examples in the prompt the bot serves: the dialogue manager itself is asked each question.

For every assistant reply of a conversation, the bot as configured (`supportbot.app`, over the
given index) is asked the question in a conversation whose history is the dialogue's earlier
turns. Whatever it does (retrieve, with the previous question in a follow-up; in grounded mode
rank the source sentences and keep the best as evidence, in generative mode take whole chunks; fit
the context window), the example holds the prompt it would send the model, so a change to how the
bot prompts changes what `prepare --context` writes without a change here. The model itself is
never loaded: a `PromptBudget` stands in for it, counting tokens with the training tokenizer.
Earlier replies stay in the history with `"weight": 0`: only the last reply is trained on. Replies
the bot gives without the model (an approved answer, a decline, an extractive answer) are skipped
and counted.

A share of examples (`finetune.decline_share`) get the sources the bot chose for an unrelated
question (no document in common), rendered by the same composer, and the bot's fallback message
as the reply: the model learns to decline and offer a person when its sources don't answer.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.prompt import ComposedPrompt, Source
from supportbot.bot.reply import AnswerKind
from supportbot.config import Config
from supportbot.errors import ConfigError, FinetuneError
from supportbot.generation.base import ChatMessage, GenerationSettings
from supportbot.generation.transformers_backend import DEFAULT_CONTEXT_WINDOW, chat_prompt_ids, truncate_tokens
from supportbot.store import ConversationStore

CHANNEL = "finetune-prepare"
DISTRACTOR_TRIES = 20  # draws of another turn whose sources share no document with this one's


class PromptBudget:
    """The model's side of composing a prompt, without the model: its context window and token counts.

    Stands in for the generator when `prepare --context` asks the dialogue manager for prompts; it never generates.
    """

    def __init__(self, tokenizer, context_window: int) -> None:
        self.tokenizer = tokenizer
        self.context_window = context_window

    def warm_up(self) -> None:
        pass

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return len(chat_prompt_ids(self.tokenizer, messages))

    def truncate(self, text: str, max_tokens: int) -> str:
        return truncate_tokens(self.tokenizer, text, max_tokens)

    def stream(self, messages: Sequence[ChatMessage], settings: GenerationSettings, stop=None) -> Iterator[str]:
        raise FinetuneError("prepare only composes prompts: nothing is generated")
        yield  # a generator: the dialogue manager may call stream() without reading it


@dataclass
class _Turn:
    conversation: int
    history: list[ChatMessage]
    question: str
    reply: str
    prompt: ComposedPrompt

    @property
    def doc_ids(self) -> set[str]:
        return {source.doc_id for source in self.prompt.sources}


def source_records(sources: Sequence[Source]) -> list[dict]:
    """`{"id", "text"}` per source, in the prompt's numbering, the text exactly as the model was given it."""
    return [{"id": source.doc_id, "text": source.text} for source in sources]


def _turns(messages: Sequence[ChatMessage]) -> Iterator[tuple[list[ChatMessage], str, str]]:
    """(history before the question, question, reply) for each assistant reply that answers a user message."""
    dialogue = [{"role": m["role"], "content": m["content"]} for m in messages if m["role"] != "system"]
    for index, message in enumerate(dialogue):
        if message["role"] == "assistant" and index > 0 and dialogue[index - 1]["role"] == "user":
            yield dialogue[: index - 1], dialogue[index - 1]["content"], message["content"]


class ServingPromptExamples:
    """Turns conversations into examples in the prompt `manager` would send its model for each reply."""

    def __init__(self, manager: DialogueManager, decline_share: float, seed: int) -> None:
        if not 0 <= decline_share < 1:
            raise ConfigError(f"finetune.decline_share {decline_share} must be in [0, 1): e.g. 0.2, or 0 for no decline examples")
        self.manager = manager
        self.decline_share = decline_share
        self.seed = seed
        self.counts: Counter = Counter()
        self._asked = 0  # conversations asked so far: each gets a conversation of its own in the store

    def summary(self) -> str:
        c = self.counts
        without_model = ", ".join(f"{count} {kind}" for kind, count in sorted(c.items()) if kind not in ("grounded", "declines"))
        return (f"{c['grounded'] + c['declines']} examples ({c['grounded']} in the prompt the bot serves, {c['declines']} with "
                f"an unrelated question's sources and the fallback reply); replies the bot gives without the model, "
                f"skipped: {without_model or 'none'}")

    def _ask(self, messages: Sequence[ChatMessage]) -> Iterator[_Turn]:
        """The bot's prompt for each reply, asked in a conversation holding the dialogue's own earlier turns."""
        self._asked += 1
        conversation, conversation_id = self._asked, f"conversation-{self._asked}"
        for history, question, reply in _turns(messages):
            answer = self.manager.reply(CHANNEL, conversation_id, question)  # never read: nothing is generated
            if answer.prompt is not None and answer.kind in (AnswerKind.GENERATED, AnswerKind.GROUNDED):
                yield _Turn(conversation, history, question, reply, answer.prompt)
            else:
                self.counts[str(answer.kind)] += 1
            self.manager.store.add_message(CHANNEL, conversation_id, "assistant", reply)

    def _example(self, turn: _Turn, prompt_messages: list[ChatMessage], sources: Sequence[Source], reply: str) -> dict:
        messages = [{**m, "weight": 0} if m["role"] == "assistant" else m for m in prompt_messages]  # history: not trained on
        return {"messages": [*messages, {"role": "assistant", "content": reply}], "sources": source_records(sources)}

    def _distractor(self, turn: _Turn, turns: list[_Turn], rng: random.Random) -> _Turn | None:
        for _ in range(DISTRACTOR_TRIES):
            other = rng.choice(turns)
            if other.conversation != turn.conversation and not other.doc_ids & turn.doc_ids:
                return other
        return None

    def records(self, conversations: Iterable[Sequence[ChatMessage]]) -> list[dict]:
        """One record per reply the bot would have the model write, in the conversations' order."""
        turns = [turn for messages in conversations for turn in self._ask(messages)]
        rng = random.Random(self.seed)
        records = []
        for turn in turns:
            distractor = self._distractor(turn, turns, rng) if rng.random() < self.decline_share else None
            if distractor is None:
                records.append(self._example(turn, turn.prompt.messages, turn.prompt.sources, turn.reply))
                self.counts["grounded"] += 1
            else:
                sources = distractor.prompt.sources
                messages = self.manager.composer.render(turn.question, turn.history, sources)
                records.append(self._example(turn, messages, sources, self.manager.bot.fallback_message))
                self.counts["declines"] += 1
        return records


def serving_prompt_examples(config: Config, index_dir: Path, store_dir: Path) -> ServingPromptExamples:
    """Examples from the bot as configured over the index at `index_dir`; its conversations are kept in `store_dir`.

    An index built with another embedding model than retrieval.embedding_model is refused here, in one line.
    """
    from transformers import AutoConfig

    from supportbot.app import create_embedder, dialogue_manager_for_index
    from supportbot.finetune.modeling import load_tokenizer
    from supportbot.finetune.tokenization import apply_template_setting
    from supportbot.model_sources import transformers_model_dir
    from supportbot.retrieval.index_store import load_index

    model_dir = transformers_model_dir(config.model.name, config.paths.cache_path())
    tokenizer = load_tokenizer(model_dir)
    apply_template_setting(tokenizer, config.finetune.chat_template, config.model.name)
    window = config.model.context_window or getattr(AutoConfig.from_pretrained(model_dir), "max_position_embeddings", 0)
    budget = PromptBudget(tokenizer, window or DEFAULT_CONTEXT_WINDOW)
    store = ConversationStore(Path(store_dir) / "conversations.sqlite3")
    manager = dialogue_manager_for_index(config, load_index(Path(index_dir)), create_embedder(config), budget, store)
    return ServingPromptExamples(manager, config.finetune.decline_share, config.finetune.seed)


def prepare_with_context(config: Config, index_dir: Path, conversations: Iterable[Sequence[ChatMessage]]) -> tuple[list[dict], str]:
    """(records, summary) for `conversations` in the serving prompt of the bot over `index_dir`."""
    with tempfile.TemporaryDirectory(prefix="supportbot-prepare-") as store_dir:
        examples = serving_prompt_examples(config, index_dir, Path(store_dir))
        return examples.records(conversations), examples.summary()

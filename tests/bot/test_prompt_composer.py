"""Prompt composition within the context window, measured with the bundled model's own tokenizer."""

from __future__ import annotations

import pytest

from supportbot.bot.prompt import PromptComposer
from supportbot.retrieval.documents import Chunk, ScoredChunk

pytestmark = pytest.mark.slow


def _hit(doc: str, text: str, score: float) -> ScoredChunk:
    return ScoredChunk(Chunk(f"{doc}::0", doc, doc.title(), doc, text), score)


HITS = [
    _hit("refunds", "Refunds reach your card within 5-7 business days after we receive the item. " * 8, 0.8),
    _hit("returns", "You can return unused items within 30 days of delivery. " * 8, 0.6),
]


def _history(turns: int) -> list[dict]:
    history = []
    for n in range(turns):
        history += [{"role": "user", "content": f"question number {n} " * 10}, {"role": "assistant", "content": f"answer number {n} " * 10}]
    return history


class TestPromptComposer:
    def test_sources_are_numbered_in_the_system_prompt(self, chat_generator):
        prompt = PromptComposer(chat_generator, "Be helpful.", 64, 512, 10).compose("How long do refunds take?", [], HITS)
        system = prompt.messages[0]["content"]
        assert "[1] Refunds" in system and "[2] Returns" in system
        assert [s.doc_id for s in prompt.sources] == ["refunds", "returns"]
        assert prompt.messages[-1] == {"role": "user", "content": "How long do refunds take?"}

    def test_huge_message_is_cut_by_tokens_to_fit(self, chat_generator):
        composer = PromptComposer(chat_generator, "Be helpful.", 64, 512, 10)
        prompt = composer.compose("please help " * 12_500, [], HITS)  # 150,000 characters
        assert prompt.question_truncated
        assert chat_generator.count_tokens(prompt.messages) == prompt.prompt_tokens
        assert prompt.prompt_tokens <= chat_generator.context_window - 64
        question_ids = chat_generator.tokenizer(prompt.messages[-1]["content"], add_special_tokens=False)["input_ids"]
        assert 500 <= len(question_ids) <= 512

    def test_oldest_history_goes_first_when_the_window_is_small(self, chat_generator, monkeypatch):
        monkeypatch.setattr(type(chat_generator), "context_window", property(lambda self: 700))
        prompt = PromptComposer(chat_generator, "Be helpful.", 100, 512, 10).compose("And for gift cards?", _history(8), HITS)
        assert prompt.prompt_tokens <= 600
        assert prompt.dropped_history_messages > 0 and prompt.dropped_history_messages % 2 == 0
        kept = [m["content"] for m in prompt.messages[1:-1]]
        assert kept[-1].startswith("answer number 7")  # newest exchange kept
        assert not any(text.startswith("question number 0") for text in kept)
        assert prompt.dropped_chunks == 0

    def test_context_is_trimmed_after_history_runs_out(self, chat_generator, monkeypatch):
        monkeypatch.setattr(type(chat_generator), "context_window", property(lambda self: 260))
        prompt = PromptComposer(chat_generator, "Be helpful.", 64, 512, 10).compose("How long do refunds take?", _history(2), HITS)
        assert prompt.prompt_tokens <= 196
        assert prompt.dropped_history_messages == 4
        assert prompt.dropped_chunks >= 1
        assert [source.doc_id for source in prompt.sources] == ["refunds"]  # the lower-ranked page went first

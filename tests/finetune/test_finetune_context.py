"""`finetune prepare --context`: training examples are the prompt the bot sends to the model for the same turn."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from supportbot.app import retriever_for_index
from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.store import ConversationStore
from supportbot.cli import main
from supportbot.config import BotConfig, Config
from supportbot.finetune.context import ServingPromptExamples
from supportbot.generation.base import GenerationSettings
from supportbot.model_sources import bundled_path
from supportbot.retrieval.index_store import load_index
from tests.fakes import EchoGenerator
from tests.finetune.conftest import SAMPLE_DIALOGUES

TWO_TURNS = [
    {"role": "system", "content": "You are Larkspur Goods' customer support assistant."},
    {"role": "user", "content": "How long do refunds take once you get my return?"},
    {"role": "assistant", "content": "Refunds go out within 5-7 business days of your return arriving."},
    {"role": "user", "content": "And can I return a pan I already used?"},
    {"role": "assistant", "content": "Used items can't be returned, unless they are defective."},
]


@pytest.fixture(scope="module")
def retriever(sample_index_dir, embedder):
    """The configured (default: hybrid) retriever over the sample docs, as `supportbot chat` builds it."""
    return retriever_for_index(Config(), load_index(sample_index_dir), embedder)


def _without_weights(messages):
    return [{"role": m["role"], "content": m["content"]} for m in messages]


def test_each_reply_is_trained_in_the_prompt_the_bot_serves_for_that_turn(retriever, tmp_path):
    records = ServingPromptExamples(retriever, BotConfig(), top_k=4, decline_share=0.0, seed=0).records([TWO_TURNS])
    assert len(records) == 2

    generator = EchoGenerator()
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    manager = DialogueManager(retriever, generator, store, BotConfig(), GenerationSettings(max_new_tokens=32), top_k=4)
    manager.reply("console", "first", TWO_TURNS[1]["content"]).text()
    store.add_message("console", "second", "user", TWO_TURNS[1]["content"])
    store.add_message("console", "second", "assistant", TWO_TURNS[2]["content"])
    manager.reply("console", "second", TWO_TURNS[3]["content"]).text()

    for record, served, reply in zip(records, generator.prompts, (TWO_TURNS[2], TWO_TURNS[4])):
        assert _without_weights(record["messages"][:-1]) == served
        assert record["messages"][-1] == reply
    first, second = records
    assert "Sources:\n[1] " in first["messages"][0]["content"]
    assert "5-7 business days" in "".join(source["text"] for source in first["sources"])
    assert second["messages"][2] == {**TWO_TURNS[2], "weight": 0}  # the earlier reply is history, not trained on


def test_a_share_of_examples_get_unrelated_sources_and_the_fallback_reply(retriever):
    from supportbot.bot.dialogue import retrieve_for_turn

    dialogues = [json.loads(line)["messages"] for line in SAMPLE_DIALOGUES.read_text(encoding="utf-8").splitlines()[:12]]
    examples = ServingPromptExamples(retriever, BotConfig(), top_k=4, decline_share=0.5, seed=3)
    records = examples.records(dialogues)
    declines = [r for r in records if r["messages"][-1]["content"] == BotConfig().fallback_message]
    assert examples.counts.declines == len(declines) > 0 and examples.counts.grounded == len(records) - len(declines) > 0
    for record in declines:
        question = record["messages"][-2]["content"]
        own = {hit.chunk.doc_id for hit in retrieve_for_turn(retriever, question, [], 4)}
        assert own and not own & {source["id"] for source in record["sources"]}


def test_an_index_built_with_another_embedding_model_is_one_line_naming_both(sample_index_dir, tmp_path):
    other = str(bundled_path("all-minilm-l6-v2"))  # the same weights under another reference: vectors can't be trusted to match
    result = CliRunner().invoke(
        main,
        ["finetune", "prepare", str(SAMPLE_DIALOGUES), "-o", str(tmp_path / "out.jsonl"), "--context", str(sample_index_dir)],
        env={"SUPPORTBOT_RETRIEVAL_EMBEDDING_MODEL": other},
    )
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: the index at") and "built with embedding model 'bundled:all-minilm-l6-v2'" in line
    assert f"config uses '{other}'" in line
    assert not (tmp_path / "out.jsonl").exists()

"""`finetune prepare --context`: training examples are the prompt the bot sends its model for the same turn."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from supportbot.app import dialogue_manager_for_index
from supportbot.cli import main
from supportbot.config import Config
from supportbot.finetune.context import ServingPromptExamples
from supportbot.model_sources import bundled_path
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore
from tests.fakes import EchoGenerator
from tests.finetune.conftest import SAMPLE_DIALOGUES

TWO_TURNS = [
    {"role": "system", "content": "You are Larkspur Goods' customer support assistant."},
    {"role": "user", "content": "How long do refunds take once you get my return?"},
    {"role": "assistant", "content": "Refunds go out within 5-7 business days of your return arriving."},
    {"role": "user", "content": "Do I pay for the return shipping?"},
    {"role": "assistant", "content": "Return shipping is free with the prepaid label from Account > Orders."},
]


def _bot(config, sample_index_dir, embedder, store_path, generator):
    return dialogue_manager_for_index(config, load_index(sample_index_dir), embedder, generator, ConversationStore(store_path))


def _without_weights(messages):
    return [{"role": m["role"], "content": m["content"]} for m in messages]


@pytest.mark.parametrize("answer_mode", ["grounded", "generative"])
def test_each_reply_is_trained_in_the_prompt_the_bot_sends_its_model_for_that_turn(answer_mode, sample_index_dir, embedder, tmp_path):
    config = Config()
    config.bot.answer_mode = answer_mode
    records = ServingPromptExamples(_bot(config, sample_index_dir, embedder, tmp_path / "prepare.sqlite3", EchoGenerator()), 0.0, 0).records([TWO_TURNS])

    model = EchoGenerator()  # records what the bot sends it
    bot = _bot(config, sample_index_dir, embedder, tmp_path / "served.sqlite3", model)
    bot.reply("console", "first", TWO_TURNS[1]["content"]).text()
    bot.store.add_message("console", "follow-up", "user", TWO_TURNS[1]["content"])
    bot.store.add_message("console", "follow-up", "assistant", TWO_TURNS[2]["content"])
    bot.reply("console", "follow-up", TWO_TURNS[3]["content"]).text()

    assert len(records) == 2 == len(model.prompts)
    for record, served, reply in zip(records, model.prompts, (TWO_TURNS[2], TWO_TURNS[4])):
        assert _without_weights(record["messages"][:-1]) == served
        assert record["messages"][-1] == reply
    first, second = records
    assert first["messages"][0]["content"].startswith(config.bot.system_prompt + "\n\nSources:\n[1] ")
    assert "5-7 business days" in "".join(source["text"] for source in first["sources"])
    assert all(source["text"] in first["messages"][0]["content"] for source in first["sources"])
    assert second["messages"][2] == {**TWO_TURNS[2], "weight": 0}  # the earlier reply is history, not trained on


def test_a_reply_the_bot_gives_without_its_model_is_skipped_and_counted(sample_index_dir, embedder, tmp_path):
    approved = {"role": "user", "content": "And how long do I have to send something back?"}  # an approved FAQ entry answers it
    dialogue = [*TWO_TURNS[:3], approved, {"role": "assistant", "content": "30 days from delivery."}]
    examples = ServingPromptExamples(_bot(Config(), sample_index_dir, embedder, tmp_path / "p.sqlite3", EchoGenerator()), 0.0, 0)
    records = examples.records([dialogue])
    assert [r["messages"][-1]["content"] for r in records] == [TWO_TURNS[2]["content"]]
    assert examples.counts["approved"] == 1
    assert examples.summary().endswith("replies the bot gives without the model, skipped: 1 approved")


def test_a_share_of_examples_get_an_unrelated_questions_sources_and_the_fallback_reply(sample_index_dir, embedder, tmp_path):
    config = Config()
    dialogues = [json.loads(line)["messages"] for line in SAMPLE_DIALOGUES.read_text(encoding="utf-8").splitlines()[:12]]
    bot = _bot(config, sample_index_dir, embedder, tmp_path / "prepare.sqlite3", EchoGenerator())
    examples = ServingPromptExamples(bot, decline_share=0.5, seed=3)
    records = examples.records(dialogues)
    plain = ServingPromptExamples(_bot(config, sample_index_dir, embedder, tmp_path / "plain.sqlite3", EchoGenerator()), 0.0, 3)
    own_sources = {r["messages"][-2]["content"]: {s["id"] for s in r["sources"]} for r in plain.records(dialogues)}

    declines = [r for r in records if r["messages"][-1]["content"] == config.bot.fallback_message]
    assert examples.counts["declines"] == len(declines) > 0 and examples.counts["grounded"] == len(records) - len(declines) > 0
    for record in declines:
        shown = {source["id"] for source in record["sources"]}
        assert shown and not shown & own_sources[record["messages"][-2]["content"]]
        assert all(source["text"] in record["messages"][0]["content"] for source in record["sources"])


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

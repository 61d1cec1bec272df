"""A rebuilt index reaches a running bot between questions, without a restart (and a bad build does not)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from supportbot.app import build_index, create_dialogue_manager
from supportbot.config import Config
from supportbot.retrieval.index_store import live_build_id


def write_faq(path: Path, answer: str) -> None:
    path.write_text(json.dumps({"question": "Do you ship to Norway?", "answer": answer, "approved": True}) + "\n", encoding="utf-8")


def test_a_rebuilt_index_answers_the_next_question_and_an_unusable_build_is_refused(tmp_path: Path, embedder, caplog):
    faq, index_dir = tmp_path / "faq.jsonl", tmp_path / "index"
    config = Config()
    config.paths.index_dir, config.paths.docs = str(index_dir), [str(faq)]
    write_faq(faq, "Yes: orders to Norway arrive in 5 days.")
    build_index(config, [str(faq)], index_dir, show_progress=False, embedder=embedder)
    manager = create_dialogue_manager(config, show_progress=False, embedder=embedder)
    first = manager.index_build
    assert manager.reply("console", "c1", "Do you ship to Norway?").text() == "Yes: orders to Norway arrive in 5 days."

    write_faq(faq, "Yes: orders to Norway now arrive in 3 days.")
    build_index(config, [str(faq)], index_dir, show_progress=False, embedder=embedder)
    assert manager.reply("console", "c2", "Do you ship to Norway?").text() == "Yes: orders to Norway now arrive in 3 days."
    assert manager.index_build == live_build_id(index_dir) != first
    assert manager.metrics.registry.get_sample_value("supportbot_index_info", {"build": manager.index_build}) == 1

    second = manager.index_build
    write_faq(faq, "Never answered: this build claims another embedding model.")
    build_index(config, [str(faq)], index_dir, show_progress=False, embedder=embedder)
    manifest = index_dir / "builds" / live_build_id(index_dir) / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "embedding_model": "some-other-model"}))
    with caplog.at_level(logging.ERROR, logger="supportbot"):
        assert manager.reply("console", "c3", "Do you ship to Norway?").text() == "Yes: orders to Norway now arrive in 3 days."
        manager.reply("console", "c4", "Do you ship to Norway?").text()
    assert manager.index_build == second and caplog.text.count("cannot be used") == 1  # logged once, not per question

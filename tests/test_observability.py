"""Metrics a support team scrapes and the logs it reads: counted from real answers, ids on every JSON line."""

from __future__ import annotations

import json
import logging
import urllib.request

import pytest
from fakes import EchoGenerator, grounding_checker

from supportbot.bot.dialogue import DialogueManager
from supportbot.config import BotConfig
from supportbot.generation.base import GenerationSettings
from supportbot.observability import Metrics, configure_logging, log_context
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore


@pytest.fixture
def restore_logging():
    root, package = logging.getLogger(), logging.getLogger("supportbot")
    saved = root.handlers[:], root.level, package.level
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    package.setLevel(saved[2])


RIGHT = "Refunds are issued to your original payment method within 5-7 business days after our warehouse receives your return."


def test_answers_latencies_and_ratings_are_counted_by_kind(sample_index_dir, embedder, tmp_path):
    retriever = DenseRetriever(load_index(sample_index_dir), embedder, top_k=4, min_score=0.35)
    store = ConversationStore(tmp_path / "c.sqlite3")
    model = EchoGenerator(answer=RIGHT + " Refunds take 2-3 business days after we get your return.")  # then one invented
    bot = BotConfig(answer_mode="grounded")
    manager = DialogueManager(retriever, model, store, bot, GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder))
    assert "2-3" not in manager.reply("console", "c1", "How long do refunds take?").text()
    manager.reply("console", "c2", "Who won the 1998 football world cup?").text()
    manager.record_feedback("console", "c1", "down")
    value = manager.metrics.registry.get_sample_value
    assert value("supportbot_answers_total", {"channel": "console", "kind": "grounded-dropped"}) == 1
    assert value("supportbot_grounded_dropped_sentences_total", {"channel": "console"}) == 1
    assert value("supportbot_answers_total", {"channel": "console", "kind": "fallback"}) == 1
    assert value("supportbot_retrieval_seconds_count") == 2
    assert value("supportbot_first_token_seconds_count", {"channel": "console"}) == 1  # the fallback was not generated
    assert value("supportbot_answer_seconds_count", {"channel": "console", "kind": "fallback"}) == 1
    assert value("supportbot_generation_tokens_per_second_count") == 1
    assert value("supportbot_feedback_total", {"channel": "console", "rating": "down"}) == 1


def test_metrics_are_served_on_a_port_of_their_own():
    metrics = Metrics()
    metrics.answers.labels("console", "approved").inc()
    port = metrics.serve("127.0.0.1", 0)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()
    assert 'supportbot_answers_total{channel="console",kind="approved"} 1.0' in body


def test_json_logs_carry_request_and_conversation_ids_and_mask_personal_data(capsys, restore_logging):
    configure_logging(format="json")
    log = logging.getLogger("supportbot.channels.test")
    with log_context(request_id="Ev42", conversation_id="C1:1700000000.000001"):
        log.info("question from %s about card %s", "jane@example.com", "4111 1111 1111 1111")
    log.warning("outside any request")
    first, second = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert first["request_id"] == "Ev42" and first["conversation_id"] == "C1:1700000000.000001"
    assert first["message"] == "question from [email] about card [card]" and first["level"] == "info"
    assert second["request_id"] == "" and second["logger"] == "supportbot.channels.test"


def test_plain_text_logs_are_masked_too(capsys, restore_logging):
    configure_logging()
    logging.getLogger("supportbot").info("call me at +44 20 7946 0958")
    assert capsys.readouterr().err.strip() == "call me at [phone]"

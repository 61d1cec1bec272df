"""What a support team watches on `supportbot serve`: /metrics, the live index build, request ids in the logs."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fakes import grounding_checker
from web_helpers import ScriptedGenerator, ask, new_session, start_bot

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.live_index import LiveIndex
from supportbot.config import BotConfig, WebConfig
from supportbot.generation.base import GenerationSettings
from supportbot.observability import JsonFormatter
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import live_build_id, load_index
from supportbot.store import ConversationStore


@pytest.fixture
def json_lines():
    """The supportbot log as JSON lines (the formatter log.format = "json" uses)."""
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(handler.format(record))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("supportbot")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_metrics_readiness_and_request_ids(sample_index_dir, embedder, tmp_path, client_address, json_lines, caplog):
    index = load_index(sample_index_dir)
    retriever = DenseRetriever(index, embedder, 4, 0.35)
    watch = LiveIndex(index, lambda new: (DenseRetriever(new, embedder, 4, 0.35), None))
    store = ConversationStore(tmp_path / "c.sqlite3")
    manager = DialogueManager(retriever, ScriptedGenerator(), store, BotConfig(answer_mode="generative"),
                              GenerationSettings(max_new_tokens=24), 4, grounding_checker(embedder), index_watch=watch)
    bot = start_bot(manager, WebConfig(rate_limit_per_ip=3))
    try:
        with caplog.at_level(logging.INFO, logger="supportbot"), bot.client(client_address) as client:
            session = new_session(client)
            answered = ask(client, "How long do refunds take?", session)
            failed = ask(client, "FAIL: how long do refunds take?", {**session, "X-Request-Id": "req-42"})
            refused = client.post("/v1/sessions")  # the 4th request this minute from this address
        ready = httpx.get(bot.url + "/readyz").json()
        scraped = httpx.get(bot.url + "/metrics").text
    finally:
        bot.stop()
        store.close()
    assert answered.status_code == 200 and failed.status_code == 500 and refused.status_code == 429
    assert ready == {"status": "ready", "index_build": live_build_id(sample_index_dir)} and ready["index_build"]
    assert 'supportbot_answers_total{channel="web",kind="generated"} 1.0' in scraped
    assert 'supportbot_answers_total{channel="web",kind="error"} 1.0' in scraped
    assert 'supportbot_refused_requests_total{channel="web",reason="rate_limit_ip"} 1.0' in scraped
    assert failed.headers["X-Request-Id"] == "req-42" and len(answered.headers["X-Request-Id"]) == 16
    # the model's failure is logged from the answer's thread, under the request's and the conversation's ids
    (failure,) = [json.loads(line) for line in json_lines if "answering failed" in line]
    assert failure["request_id"] == "req-42" and failure["conversation_id"] == failed.json()["supportbot"]["conversation_id"]

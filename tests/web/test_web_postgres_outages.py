"""`supportbot serve` on a PostgreSQL store that restarts or goes away: what customers, probes and metrics see.

The server here is this module's own, not the session's: stopping it must not break other tests' databases.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fakes import grounding_checker
from postgres_server import PostgresServer
from web_helpers import RunningBot, ScriptedGenerator, ask, new_session, start_bot, wait_for

from supportbot.bot.dialogue import DialogueManager
from supportbot.config import BotConfig, RetrievalConfig, WebConfig
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()



@pytest.fixture
def bot_on_postgres(own_postgres, sample_index_dir, embedder) -> Iterator[RunningBot]:
    """The bot served on a fresh database of `own_postgres` (a pool of 8 connections, the default)."""
    retrieval = RetrievalConfig()
    retriever = DenseRetriever(load_index(sample_index_dir), embedder, retrieval.top_k, retrieval.min_score)
    store = ConversationStore(own_postgres.new_database())
    manager = DialogueManager(retriever, ScriptedGenerator(), store, BotConfig(answer_mode="generative"),
                              GenerationSettings(max_new_tokens=24), retrieval.top_k, grounding_checker(embedder))
    bot = start_bot(manager, WebConfig(rate_limit_per_ip=0, rate_limit_per_session=0))
    yield bot
    bot.stop()
    store.close()


def test_no_customer_request_fails_after_postgres_restarts(bot_on_postgres, own_postgres):
    database = bot_on_postgres.manager.store.database
    with ThreadPoolExecutor(12) as threads:  # every pooled connection busy at once, then idle in the pool
        list(threads.map(lambda _: database.query("SELECT pg_sleep(0.3)"), range(12)))
    with bot_on_postgres.client() as client:
        session = new_session(client)
        own_postgres.pg_ctl("-m", "fast", "restart")  # every idle connection dies with the old server
        statuses = [ask(client, f"How long do refunds take? ({n})", session).status_code for n in range(10)]
        conversation = client.get("/v1/conversation", headers=session)
    assert statuses == [200] * 10
    assert conversation.status_code == 200 and len(conversation.json()["messages"]) == 20


def test_readyz_says_the_store_is_unreachable_while_postgres_is_down_and_ready_once_it_is_back(bot_on_postgres, own_postgres, caplog):
    url = bot_on_postgres.url
    before = httpx.get(url + "/readyz")
    with caplog.at_level(logging.WARNING, logger="supportbot"):
        own_postgres.pg_ctl("-m", "fast", "stop")
        try:
            started = time.monotonic()
            down = httpx.get(url + "/readyz", timeout=10)
            took = time.monotonic() - started
        finally:
            own_postgres.start_again()
    back = wait_for(lambda: (response := httpx.get(url + "/readyz")).status_code == 200 and response, timeout=60)
    assert before.status_code == 200 and before.json()["status"] == "ready"
    # the load balancer stops sending customers, and hears so within a prober's usual 1 s timeout
    assert down.status_code == 503 and down.json()["status"] == "store_unreachable" and took < 1.0
    assert back.json()["status"] == "ready"
    assert any("store_unreachable" in record.getMessage() for record in caplog.records)  # the operator is told why


def test_failed_requests_and_unready_probes_are_counted_in_the_metrics(bot_on_postgres, own_postgres):
    with bot_on_postgres.client() as client:
        session = new_session(client)
        answered = ask(client, "How long do refunds take?", session)
        failed = ask(client, "FAIL: how long do refunds take?", session)  # the model raises: a 500
        own_postgres.pg_ctl("-m", "fast", "stop")
        try:
            unready = client.get("/readyz")
        finally:
            own_postgres.start_again()
        scraped = client.get("/metrics").text
    assert answered.status_code == 200 and failed.status_code == 500 and unready.status_code == 503
    assert 'supportbot_http_responses_total{route="/v1/chat/completions",status="500"} 1.0' in scraped
    assert 'supportbot_http_responses_total{route="/v1/chat/completions",status="200"} 1.0' in scraped
    assert 'supportbot_http_responses_total{route="/readyz",status="503"} 1.0' in scraped

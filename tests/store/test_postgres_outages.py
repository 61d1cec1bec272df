"""A PostgreSQL store whose server stops, comes back, or drops off the network: what a customer's request meets.

The bounds are behaviour, not speed: a request during an outage errors within seconds, not after the pool's 30 s
timeout or the kernel's 15 minutes of retransmissions; the first request once the server is back succeeds. The
server here is this module's own: stopping it must not break other tests' databases.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from postgres_server import PostgresServer

from supportbot.errors import StoreError
from supportbot.store import ConversationStore
from supportbot.store.postgres import PostgresDatabase

NETWORK_LOSS_SCRIPT = Path(__file__).with_name("postgres_network_loss.py")


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()



@pytest.fixture
def store(own_postgres) -> Iterator[ConversationStore]:
    opened = ConversationStore(own_postgres.new_database())
    opened.add_message("api", "c1", "user", "Where is my order?")  # the pool holds a connection that worked
    yield opened
    opened.close()


def failing_request(store: ConversationStore, text: str) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(StoreError) as raised:
        store.add_message("api", "c1", "user", text)
    return str(raised.value), time.monotonic() - started


def test_requests_while_postgres_is_down_fail_within_seconds_saying_why(store, own_postgres):
    own_postgres.pg_ctl("-m", "fast", "stop")
    try:
        # the first finds the pool's connection dead; the second finds the pool empty (it waited 30 s for one)
        first, second = failing_request(store, "Is it shipped?"), failing_request(store, "Hello?")
    finally:
        own_postgres.start_again()
    for message, took in (first, second):
        assert took < 10, f"a request waited {took:.0f} s for a server that is down"
        assert message.startswith("cannot connect to postgresql://supportbot@127.0.0.1:")
        assert "Connection refused" in message and "\n" not in message


def test_the_first_request_after_a_long_outage_succeeds(store, own_postgres):
    # psycopg_pool's retries back off (1, 2, 4 ... 32 s apart): 35 s into an outage the next one is half a minute away
    own_postgres.pg_ctl("-m", "fast", "stop")
    try:
        stopped = time.monotonic()
        with pytest.raises((StoreError, psycopg.OperationalError)):  # a customer during the outage: the pool retries
            store.add_message("api", "c1", "user", "Is it shipped?")
        time.sleep(max(0.0, 35 - (time.monotonic() - stopped)))
    finally:
        own_postgres.start_again()
    started = time.monotonic()
    store.add_message("api", "c1", "user", "Are you back?")
    took = time.monotonic() - started
    assert took < 10, f"the first request after the server came back waited {took:.0f} s"
    assert [m.content for m in store.messages("api", "c1")] == ["Where is my order?", "Are you back?"]


def can_make_network_namespaces() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not can_make_network_namespaces(), reason="needs `unshare --net` (root) to take the network away")
def test_a_server_gone_from_the_network_fails_a_request_within_seconds_and_the_next_succeeds_once_it_is_back():
    # the server and the store in a network namespace of their own, whose loopback goes down: no refusal, no reset
    tests = str(Path(__file__).parents[1])  # for postgres_server
    result = subprocess.run(
        ["unshare", "--net", sys.executable, str(NETWORK_LOSS_SCRIPT)], capture_output=True, text=True, check=False,
        timeout=240, env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")]))},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    gone, back = outcome["gone"], outcome["back"]
    assert not gone["hung"], f"a request was still waiting {gone['took']:.0f} s after the network went"
    assert gone["took"] < 20 and gone["error"].startswith("StoreError: cannot connect to postgresql://")
    assert back["error"] is None and back["took"] < 10


def test_libpq_parameters_in_the_store_url_win_over_the_bots_own(own_postgres):
    # an operator far from the database writes ?connect_timeout=10; what the URL leaves out keeps the bot's value
    database = PostgresDatabase(own_postgres.new_database() + "?connect_timeout=10&keepalives_idle=60")
    try:
        with database._connection() as connection:
            parameters = connection.info.get_parameters()
    finally:
        database.close()
    assert parameters["connect_timeout"] == "10" and parameters["keepalives_idle"] == "60"
    assert parameters["keepalives"] == "1" and parameters["tcp_user_timeout"] == "5000"

"""Run under `unshare --net` (tests/store/test_postgres_outages.py): a store whose server drops off the network.

In a network namespace of its own, a PostgreSQL server and a ConversationStore talk over loopback; taking the
loopback down loses every packet silently, as a cut network does. Prints one JSON line: how a request went while
the network was gone, and how the next one went once it was back. Every wait is bounded, and the server is
stopped whatever happens.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

from postgres_server import PostgresServer  # tests/ is on PYTHONPATH

from supportbot.store import ConversationStore

GIVE_UP = 30.0  # seconds a request may take before it counts as hanging


def loopback(state: str) -> None:
    subprocess.run(["ip", "link", "set", "lo", state], check=True)


def timed_request(store: ConversationStore, text: str) -> dict:
    """How a request went: its error (None: it succeeded) and seconds taken; `hung` when it had not come back."""
    outcome: dict = {"error": None, "took": GIVE_UP, "hung": True}

    def request() -> None:
        started = time.monotonic()
        try:
            store.add_message("api", "c1", "user", text)
        except Exception as error:  # noqa: BLE001 - reported, not raised
            outcome["error"] = f"{type(error).__name__}: {error}"
        outcome.update(took=time.monotonic() - started, hung=False)

    thread = threading.Thread(target=request, daemon=True)
    thread.start()
    thread.join(GIVE_UP)
    return dict(outcome)


def main() -> None:
    loopback("up")
    server = PostgresServer().start()
    try:
        store = ConversationStore(server.new_database())
        store.add_message("api", "c1", "user", "Where is my order?")
        loopback("down")
        gone = timed_request(store, "Is it shipped?")
        loopback("up")
        back = timed_request(store, "Are you back?") if not gone["hung"] else {"error": "not tried", "took": 0, "hung": False}
        print(json.dumps({"gone": gone, "back": back}), flush=True)
    finally:
        loopback("up")
        server.stop()


if __name__ == "__main__":
    main()

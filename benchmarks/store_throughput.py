"""Conversation store throughput: messages written per second, SQLite against PostgreSQL, in one run.

Each message is `ConversationStore.add_message` as the bot calls it: its own transaction (find or
create the conversation, insert the message). 1 and 4 writer threads in one process, each writing
its own conversations. SQLite runs as the bot runs it (WAL, synchronous=NORMAL: a commit is not
fsynced, a crash of the machine may lose the last ones); PostgreSQL with its defaults (each commit
fsynced), and with synchronous_commit=off, which gives the same guarantee as SQLite's setting.
The PostgreSQL server is a local one started for the run (tests/postgres_server.py).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/store_throughput.py
    PYTHONPATH=$PWD .venv/bin/python benchmarks/store_throughput.py --messages 2000 --threads 1 4 8
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from postgres_server import PostgresServer

from supportbot.store import ConversationStore

TEXT = "How long do refunds take for an order I paid with a gift card? " * 3


def rate(url: str, messages: int, threads: int) -> float:
    """Messages written per second by `threads` writers, `messages` in all."""
    store = ConversationStore(url)
    store.add_message("bench", "warm-up", "user", TEXT)
    per_thread = messages // threads

    def write(worker: int) -> None:
        for n in range(per_thread):
            store.add_message("bench", f"t{threads}-w{worker}-c{n // 10}", "user" if n % 2 == 0 else "assistant", TEXT)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, range(threads)))
    seconds = time.perf_counter() - started
    store.close()
    return per_thread * threads / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000, help="messages written per measurement")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="supportbot-store-bench-"))
    server = PostgresServer(durable=True).start()
    try:
        engines = {
            "SQLite (WAL, synchronous=NORMAL)": lambda threads: f"sqlite:///{work / f'{threads}.sqlite3'}",
            "PostgreSQL (defaults: fsync per commit)": lambda threads: server.new_database(),
            "PostgreSQL (synchronous_commit=off)": lambda threads: server.new_database() + "?options=-c%20synchronous_commit%3Doff",
        }
        print(f"messages written per second, {args.messages} per measurement, each add_message its own transaction")
        print(f"{'engine':<42}" + "".join(f"{f'{t} thread(s)':>14}" for t in args.threads))
        for name, url_for in engines.items():
            print(f"{name:<42}" + "".join(f"{rate(url_for(t), args.messages, t):>14.0f}" for t in args.threads))
    finally:
        server.stop()


if __name__ == "__main__":
    main()

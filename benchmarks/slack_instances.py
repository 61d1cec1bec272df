"""Many instances on one store: a Slack burst with retried deliveries, and an instance killed halfway.

200 mentions (each its own thread) arrive at once, 20% of them delivered twice (a retry, which the
load balancer may send to the other instance), from 20 concurrent connections. Two `supportbot
slack` processes share one PostgreSQL store; halfway through the deliveries one is SIGKILLed, and
deliveries to it from then on (or cut off by the kill) go to the survivor, as a balancer's health
check would send them. Reference in the same run: one instance on SQLite, the same deliveries, no
kill. Reported: duplicate answers (threads with more than one bot message), unanswered events
(threads without a final answer), ack latency, the time until every thread is answered, and how
many accepted events the survivor took over from the killed instance.

What is measured is the event handling, the claims and the store, not a model: the instances use
the `openai` backend pointed at a local double that echoes the question at once, and BM25
retrieval (tests/slack/instances.py). The survivor takes over the killed instance's events when
their claims run out (--lease seconds, default 10 here; slack.claim_lease is 30 by default).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/slack_instances.py
    PYTHONPATH=$PWD .venv/bin/python benchmarks/slack_instances.py --events 200 --retried 0.2 --lease 10
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.error import URLError

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "slack"))

from instances import BotProcess, OpenAIDouble, echo_answer, instance_env
from postgres_server import PostgresServer
from slack_double import SlackDouble, mention, post_event

from supportbot.evaluation.metrics import percentile

TAKEN_OVER = re.compile(r"taking over (\d+) accepted event")


def deliver(urls: list[str], alive, body: dict, retry: bool) -> float:
    """POST one delivery to the first live instance in `urls` order; a refused connection goes to the next."""
    for url in urls:
        if not alive(url):
            continue
        try:
            status, seconds = post_event(url, body, retry_num=1 if retry else None)
        except (URLError, ConnectionError, OSError):
            continue  # killed while this was in flight: Slack retries, the balancer picks a live instance
        if status == 200:
            return seconds
    raise RuntimeError("no instance accepted the delivery")


def run(name: str, store_url: str, instances: int, kill_halfway: bool, args, index_dir: Path, model_url: str) -> str:
    double = SlackDouble()
    env = instance_env(double.api_url, store_url, index_dir, model_url, slack_claim_lease=str(args.lease),
                       slack_queue_size=str(args.events * 2), slack_workers=str(args.workers), slack_update_interval="0.2")
    with ThreadPoolExecutor(instances) as pool:
        bots = list(pool.map(lambda _: BotProcess(env), range(instances)))
    dead: set[str] = set()
    rng = random.Random(args.seed)
    bodies = [mention(f"Question {i}: how long do refunds take?", channel=f"C{i}") for i in range(args.events)]
    deliveries = [(body, False) for body in bodies] + [(body, True) for body in rng.sample(bodies, round(args.events * args.retried))]
    rng.shuffle(deliveries)
    acks: list[float] = []
    started = time.perf_counter()

    def send(numbered: tuple[int, tuple[dict, bool]]) -> float:
        number, (body, retry) = numbered
        if kill_halfway and number == len(deliveries) // 2:
            dead.add(bots[0].url)
            bots[0].kill()
        order = [bot.url for bot in bots]
        rng_local = random.Random(number)
        rng_local.shuffle(order)
        return deliver(order, lambda url: url not in dead, body, retry)

    with ThreadPoolExecutor(args.connections) as pool:
        acks = list(pool.map(send, enumerate(deliveries)))

    def final(body: dict) -> bool:
        messages = double.thread_messages(body["event"]["channel"], body["event"]["ts"])
        return bool(messages) and bool(messages[0].get("blocks")) and "Question" in (messages[0].get("text") or "")

    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline and not all(final(body) for body in bodies):
        time.sleep(0.1)
    answered_in = time.perf_counter() - started
    unanswered = sum(1 for body in bodies if not final(body))
    duplicates = sum(1 for body in bodies if len(double.thread_messages(body["event"]["channel"], body["event"]["ts"])) > 1)
    taken_over = sum(int(found.group(1)) for bot in bots[1:] for line in bot.log if (found := TAKEN_OVER.search(line)))
    for bot in bots:
        bot.stop()
    double.close()
    acks_ms = [seconds * 1000 for seconds in acks]
    return (f"{name:<38} {duplicates:>10} {unanswered:>10} {percentile(acks_ms, 50):>8.1f} {percentile(acks_ms, 99):>8.1f}"
            f" {max(acks_ms):>8.1f} {answered_in:>10.1f} {taken_over:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--retried", type=float, default=0.2, help="share of events delivered twice")
    parser.add_argument("--connections", type=int, default=20, help="deliveries in flight at once")
    parser.add_argument("--workers", type=int, default=2, help="slack.workers of each instance")
    parser.add_argument("--lease", type=float, default=10.0, help="slack.claim_lease in seconds")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for every thread's answer")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="supportbot-instances-"))
    index_dir = work / "index"
    built = subprocess.run([sys.executable, "-m", "supportbot", "index", "build", "bundled:sample-docs", "--index", str(index_dir), "--quiet"],
                           check=False, capture_output=True, text=True)
    if built.returncode != 0:
        raise SystemExit(built.stderr)
    server = PostgresServer(durable=True).start()
    try:
        with OpenAIDouble(echo_answer()) as model:
            print(f"{args.events} events, {args.retried:.0%} delivered twice, {args.connections} connections, "
                  f"{args.workers} workers an instance, claim lease {args.lease:.0f} s; fake model (echo), BM25 retrieval")
            print(f"{'setup':<38} {'duplicates':>10} {'unanswered':>10} {'ack p50':>8} {'ack p99':>8} {'ack max':>8} {'all done s':>10} {'taken over':>10}")
            print(run("1 instance, SQLite (reference)", f"sqlite:///{work / 'one.sqlite3'}", 1, False, args, index_dir, model.base_url))
            print(run("2 instances, PostgreSQL, 1 killed", server.new_database(), 2, True, args, index_dir, model.base_url))
    finally:
        server.stop()


if __name__ == "__main__":
    main()

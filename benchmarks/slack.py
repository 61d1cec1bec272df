"""Slack channel benchmark: events answered per minute with the bundled model, ack latency under a
burst of 50 events, and peak memory. Runs the real bot in HTTP mode against the local Web API double
from the tests (no network, no Slack account).

Reference, measured in the same run: the same questions answered by the DialogueManager directly
(no Slack), so the ratio shows what the Slack layer costs; ack latency is also shown against
Slack's 3-second deadline.

    python benchmarks/slack.py                       # defaults: 6 questions, 32 new tokens, burst of 50
    python benchmarks/slack.py --questions 10 --max-new-tokens 64 --workers 2
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "slack"))
sys.path.insert(0, str(REPO / "benchmarks"))

from sample_questions import QUESTIONS  # noqa: E402
from slack_double import SIGNING_SECRET, SlackDouble, mention, post_event  # noqa: E402

from supportbot.app import create_grounding_checker, create_index_builder  # noqa: E402
from supportbot.bot.dialogue import DialogueManager  # noqa: E402
from supportbot.bot.store import ConversationStore  # noqa: E402
from supportbot.channels.slack.server import SlackService  # noqa: E402
from supportbot.channels.slack.tokens import SlackTokens  # noqa: E402
from supportbot.config import BotConfig, Config, SlackConfig  # noqa: E402
from supportbot.generation.base import GenerationSettings  # noqa: E402
from supportbot.generation.transformers_backend import TransformersGenerator  # noqa: E402
from supportbot.retrieval.dense import DenseRetriever  # noqa: E402
from supportbot.retrieval.embedder import SentenceTransformerEmbedder  # noqa: E402
from supportbot.retrieval.index_store import load_index  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def is_final(double: SlackDouble, channel: str, thread_ts: str) -> bool:
    messages = double.thread_messages(channel, thread_ts)
    return bool(messages) and bool(messages[0].get("blocks")) and not messages[0]["text"].endswith("…")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=6, help="questions answered in the throughput runs")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue-size", type=int, default=32)
    parser.add_argument("--burst", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="supportbot-slack-bench-"))
    config = Config()
    embedder = SentenceTransformerEmbedder(config.retrieval.embedding_model)
    embedder.warm_up()
    create_index_builder(config, embedder, show_progress=False).build(["bundled:sample-docs"], work / "index")
    generator = TransformersGenerator(config.model.name, cache_dir=config.paths.cache_path())
    generator.warm_up()
    settings = GenerationSettings(max_new_tokens=args.max_new_tokens)
    questions = (QUESTIONS * 10)[: args.questions]

    def manager(db: Path) -> DialogueManager:
        retriever = DenseRetriever(load_index(work / "index"), embedder, config.retrieval.top_k, config.retrieval.min_score)
        checker = create_grounding_checker(config, embedder)
        return DialogueManager(retriever, generator, ConversationStore(db), BotConfig(answer_mode="generative"), settings, config.retrieval.top_k, checker)

    # Reference: the dialogue manager alone, one question after another (after one untimed answer).
    direct = manager(work / "direct.sqlite3")
    direct.reply("bench", "warm-up", QUESTIONS[-1]).text()
    started = time.perf_counter()
    for i, question in enumerate(questions):
        direct.reply("bench", str(i), question).text()
    direct_seconds = time.perf_counter() - started

    double = SlackDouble()
    slack = SlackConfig(api_url=double.api_url, workers=args.workers, queue_size=args.queue_size, update_interval=1.0)
    db = work / "slack.sqlite3"
    service = SlackService(manager(db), SlackTokens("xoxb-1-bench", SIGNING_SECRET), slack, db)
    service.start("127.0.0.1", 0)
    url = f"http://127.0.0.1:{service.port}/slack/events"

    # Throughput: all questions sent at once, timed until every thread shows its final answer.
    bodies = [mention(q, channel=f"CT{i}") for i, q in enumerate(questions)]
    started = time.perf_counter()
    for body in bodies:
        post_event(url, body)
    double.wait_for(lambda: all(is_final(double, b["event"]["channel"], b["event"]["ts"]) for b in bodies), timeout=3600)
    slack_seconds = time.perf_counter() - started

    # Ack latency: a burst of concurrent deliveries while the workers generate.
    burst = [mention(QUESTIONS[i % len(QUESTIONS)], channel=f"CB{i}") for i in range(args.burst)]
    with ThreadPoolExecutor(max_workers=args.burst) as pool:
        results = list(pool.map(lambda body: post_event(url, body), burst))
    acks_ms = [seconds * 1000 for _, seconds in results]
    statuses = [status for status, _ in results]
    double.wait_for(lambda: sum(1 for c in double.calls_to("chat.postMessage") if c.get("text") == slack.busy_message) >= max(0, args.burst - args.queue_size - args.workers), timeout=60)
    busy = sum(1 for c in double.calls_to("chat.postMessage") if c.get("text") == slack.busy_message)
    service.stop(grace=600)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    direct_rate = len(questions) / direct_seconds * 60
    slack_rate = len(questions) / slack_seconds * 60
    p50, p99 = percentile(acks_ms, 50), percentile(acks_ms, 99)
    print(f"bundled model, max_new_tokens={args.max_new_tokens}, workers={args.workers}, {len(questions)} questions")
    print(f"events answered per minute via Slack: {slack_rate:.1f}  (reference, DialogueManager directly: {direct_rate:.1f}; ratio {slack_rate / direct_rate:.2f})")
    print(f"ack latency, burst of {args.burst}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(acks_ms):.1f} ms"
          f"  (p99 / Slack's 3000 ms deadline: {p99 / 3000:.3f}); HTTP 200 for {statuses.count(200)}/{args.burst}")
    print(f"burst outcome: {args.burst - busy} accepted for answering, {busy} told busy (queue_size={args.queue_size}); mean ack {statistics.mean(acks_ms):.1f} ms")
    print(f"peak memory (max RSS of this process, model + embedder + bot): {peak_mb:.0f} MiB")
    double.close()


if __name__ == "__main__":
    main()

"""Web channel benchmarks, each next to a named reference measured in the same run.

load:      concurrent streaming conversations against the bundled model on loopback (real HTTP client,
           httpx), time to first token p50/p99, errors, and each server's memory. Reference: the
           http.server endpoint `supportbot serve` was before the ASGI app
           (benchmarks/reference_openai_http_server.py). The ASGI app runs twice: with its default
           answer slots (2 answering, 32 waiting up to 30 s, the rest told busy) and with every
           question admitted, which is how the reference behaves.
overhead:  time per request through the whole ASGI app (API key, rate limit, answer slot, worker
           thread, SSE, the conversation store) with a trivial echo generator, against a bare
           uvicorn ASGI app streaming the same answer; and the dialogue manager alone, in-process.

Each server runs in a process of its own, so its memory is its own.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/web.py load                  # 50 conversations, 32 new tokens
    PYTHONPATH=$PWD .venv/bin/python benchmarks/web.py load --conversations 20 --max-new-tokens 16
    PYTHONPATH=$PWD .venv/bin/python benchmarks/web.py overhead --requests 300
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from sample_questions import QUESTIONS

from supportbot.evaluation.metrics import percentile

API_KEY = "bench-key-0123456789abcdef"
ECHO_ANSWER = "Returns are accepted within 30 days of delivery, unused and in the original packaging [1]."


# -- servers, each in a process of its own ------------------------------------------------------


class ServerProcess:
    """A server started with `command`; it prints 'serving <url>' on stderr once it listens."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, cwd=REPO)
        self.url = ""
        for line in self.process.stderr:
            if match := re.search(r"serving (http://[\d.:]+)", line):
                self.url = match.group(1)
                break
        if not self.url:
            raise SystemExit(f"{name} did not start")
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()  # keep stderr drained
        self.rss_samples: list[int] = []

    def wait_ready(self, path: str) -> None:
        while httpx.get(self.url + path).status_code != 200:
            time.sleep(0.2)

    def memory_mib(self, field: str = "VmRSS") -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024

    def sample_memory(self, stop: threading.Event) -> None:
        while not stop.wait(0.05):
            self.rss_samples.append(self.memory_mib())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def server_env(work: Path, name: str, extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SUPPORTBOT_")}
    env |= {
        "PYTHONPATH": str(REPO),
        "SUPPORTBOT_PATHS_INDEX_DIR": str(work / "index"),
        "SUPPORTBOT_PATHS_DATA_DIR": str(work / name),
        "WEBCHAT_API_KEYS": f"bench={API_KEY}",
        "WEBCHAT_SESSION_SECRET": "bench-secret-0123456789abcdef0123456789",
    }
    return env | extra


def serve_reference() -> None:
    """The reference: the old http.server endpoint over the configured bot."""
    from reference_openai_http_server import OpenAIChannel

    from supportbot.app import create_dialogue_manager
    from supportbot.config import load_config

    manager = create_dialogue_manager(load_config(), show_progress=False)
    manager.warm_up()
    channel = OpenAIChannel(manager, "127.0.0.1", 0)
    threading.Thread(target=channel.run, daemon=True).start()
    print(f"serving {channel.url.removesuffix('/v1')}", file=sys.stderr, flush=True)
    threading.Event().wait()


class FixedRetriever:
    """Retrieval that costs nothing: the same help page for every question."""

    def retrieve(self, question: str):
        from supportbot.retrieval.documents import Chunk, ScoredChunk

        chunk = Chunk("returns#0", "returns", "Return policy", "returns.md", "Returns are accepted within 30 days.", "https://example.com/returns")
        return [ScoredChunk(chunk, 0.9)]


def echo_manager(db: Path):
    """The dialogue manager with free retrieval and the echo model, its text as written (answer_mode generative)."""
    from fakes import EchoGenerator, grounding_checker

    from supportbot.app import create_embedder
    from supportbot.bot.dialogue import DialogueManager
    from supportbot.bot.store import ConversationStore
    from supportbot.config import BotConfig, Config
    from supportbot.generation.base import GenerationSettings

    checker = grounding_checker(create_embedder(Config()))  # not loaded: generative answers are not checked
    bot = BotConfig(answer_mode="generative")
    return DialogueManager(FixedRetriever(), EchoGenerator(ECHO_ANSWER), ConversationStore(db), bot, GenerationSettings(), 1, checker)


def bare_echo_app():
    """The reference ASGI app: uvicorn and nothing else, streaming the echo answer as the same SSE events."""

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        stream = json.loads(body or b"{}").get("stream", False)
        words = ECHO_ANSWER.split()
        if not stream:
            payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": " ".join(words)}}]}).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": payload})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        for n, word in enumerate(words):
            event = {"choices": [{"index": 0, "delta": {"content": word if n == 0 else " " + word}}]}
            await send({"type": "http.response.body", "body": f"data: {json.dumps(event)}\n\n".encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})

    return app


def serve_echo(kind: str, work: Path) -> None:
    from supportbot.channels.web.app import create_app
    from supportbot.channels.web.server import WebServer
    from supportbot.channels.web.sessions import ApiKeys, ConversationTokens
    from supportbot.config import WebConfig

    config = WebConfig(port=0, rate_limit_per_key=0)
    if kind == "bare":
        app = bare_echo_app()
    else:
        tokens = ConversationTokens.from_env(os.environ, 3600)
        app = create_app(echo_manager(work / "echo.sqlite3"), config, tokens, ApiKeys.from_env(os.environ), warm_up=False)
    server = WebServer(app, config)
    print(f"serving {server.url}", file=sys.stderr, flush=True)
    server.run()


# -- clients ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    ttft: float | None = None
    seconds: float = 0.0
    error: str = ""


async def stream_one(client: httpx.AsyncClient, url: str, question: str, user: str) -> Outcome:
    body = {"model": "supportbot", "stream": True, "user": user, "messages": [{"role": "user", "content": question}]}
    started = time.perf_counter()
    ttft = None
    try:
        async with client.stream("POST", url + "/v1/chat/completions", json=body) as response:
            if response.status_code != 200:
                await response.aread()
                return Outcome(response.status_code, seconds=time.perf_counter() - started)
            finished = False
            async for line in response.aiter_lines():
                if ttft is None and '"content"' in line:
                    ttft = time.perf_counter() - started
                finished = finished or line == "data: [DONE]"
            if not finished:
                return Outcome(0, ttft, time.perf_counter() - started, "stream ended without [DONE]")
    except httpx.HTTPError as error:
        return Outcome(0, ttft, time.perf_counter() - started, repr(error))
    return Outcome(200, ttft, time.perf_counter() - started)


async def load(url: str, conversations: int, tag: str) -> tuple[list[Outcome], float]:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    limits = httpx.Limits(max_connections=conversations + 10, max_keepalive_connections=conversations + 10)
    async with httpx.AsyncClient(headers=headers, timeout=3600, limits=limits) as client:
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(stream_one(client, url, QUESTIONS[i % len(QUESTIONS)], f"{tag}-{i}") for i in range(conversations))
        )
        return list(outcomes), time.perf_counter() - started


def run_load(args: argparse.Namespace) -> None:
    from supportbot.app import build_index
    from supportbot.config import Config

    work = Path(tempfile.mkdtemp(prefix="supportbot-web-bench-"))
    build_index(Config(), ["bundled:sample-docs"], work / "index", show_progress=False)
    common = {"SUPPORTBOT_MODEL_MAX_NEW_TOKENS": str(args.max_new_tokens)}
    servers = [
        ("reference: http.server (before)", [sys.executable, __file__, "_serve-reference"], {}, "/healthz"),
        ("ASGI app, default slots", [sys.executable, "-m", "supportbot", "serve", "--port", "0"], {}, "/readyz"),
        (
            "ASGI app, every question admitted",
            [sys.executable, "-m", "supportbot", "serve", "--port", "0"],
            {"SUPPORTBOT_WEB_MAX_WAITING_ANSWERS": str(args.conversations), "SUPPORTBOT_WEB_MAX_WAIT": "3600"},
            "/readyz",
        ),
    ]
    rows = []
    for n, (name, command, extra, ready_path) in enumerate(servers):
        server = ServerProcess(name, command, server_env(work, f"data{n}", common | extra))
        try:
            server.wait_ready(ready_path)
            asyncio.run(load(server.url, 1, f"warm{n}"))  # the model's first answer is not what is measured
            idle_mib = server.memory_mib()
            stop = threading.Event()
            sampler = threading.Thread(target=server.sample_memory, args=(stop,))
            sampler.start()
            outcomes, wall = asyncio.run(load(server.url, args.conversations, f"load{n}"))
            stop.set()
            sampler.join()
            rows.append((name, outcomes, wall, idle_mib, max(server.rss_samples, default=idle_mib)))
        finally:
            server.stop()
    print(f"{args.conversations} concurrent streaming conversations, bundled model, max_new_tokens={args.max_new_tokens}, loopback, httpx")
    print("| server | answered | busy (503) | 429 | errors | TTFT p50 s | TTFT p99 s | last answer done s | RSS idle MiB | RSS peak MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, outcomes, wall, idle_mib, peak_mib in rows:
        ttfts = [o.ttft for o in outcomes if o.status == 200 and o.ttft is not None]
        errors = [o for o in outcomes if o.status not in (200, 429, 503)]
        print(
            f"| {name} | {sum(o.status == 200 for o in outcomes)} | {sum(o.status == 503 for o in outcomes)} "
            f"| {sum(o.status == 429 for o in outcomes)} | {len(errors)} | {percentile(ttfts, 50):.2f} | {percentile(ttfts, 99):.2f} "
            f"| {wall:.1f} | {idle_mib:.0f} | {peak_mib:.0f} |"
        )
        for error in errors[:3]:
            print(f"  error: status {error.status} {error.error}")


def run_overhead(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="supportbot-web-overhead-"))
    env = server_env(work, "echo", {})
    headers = {"Authorization": f"Bearer {API_KEY}"}
    results = {}
    for kind in ("bare", "ours"):
        server = ServerProcess(kind, [sys.executable, __file__, "_serve-echo", kind, str(work)], env)
        try:
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                for stream in (False, True):
                    body = {"stream": stream, "messages": [{"role": "user", "content": "Can I return this?"}]}
                    for _ in range(20):  # warm-up
                        client.post("/v1/chat/completions", json=body).raise_for_status()
                    times = []
                    for _ in range(args.requests):
                        started = time.perf_counter()
                        client.post("/v1/chat/completions", json=body).raise_for_status()
                        times.append((time.perf_counter() - started) * 1000)
                    results[kind, stream] = times
        finally:
            server.stop()
    manager = echo_manager(work / "direct.sqlite3")
    direct = []
    for i in range(args.requests):
        started = time.perf_counter()
        manager.reply("bench", f"direct-{i}", "Can I return this?").text()
        direct.append((time.perf_counter() - started) * 1000)
    print(f"{args.requests} sequential requests each, one keep-alive connection, echo answer of {len(ECHO_ANSWER.split())} pieces")
    print("| path | p50 ms | p95 ms | p50 over bare uvicorn ms |")
    print("| --- | --- | --- | --- |")
    for stream in (False, True):
        bare, ours = results["bare", stream], results["ours", stream]
        label = "streaming" if stream else "not streaming"
        print(f"| reference: bare uvicorn app, {label} | {percentile(bare, 50):.2f} | {percentile(bare, 95):.2f} | 0 |")
        print(
            f"| supportbot ASGI app, {label} | {percentile(ours, 50):.2f} | {percentile(ours, 95):.2f} "
            f"| {percentile(ours, 50) - percentile(bare, 50):.2f} |"
        )
    print(f"| of which the dialogue manager alone (retrieval stub, echo, SQLite store; in-process) | {percentile(direct, 50):.2f} | {percentile(direct, 95):.2f} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    load_parser = commands.add_parser("load", help="concurrent streaming conversations against the bundled model")
    load_parser.add_argument("--conversations", type=int, default=50)
    load_parser.add_argument("--max-new-tokens", type=int, default=32)
    overhead_parser = commands.add_parser("overhead", help="per-request cost of the ASGI stack with an echo generator")
    overhead_parser.add_argument("--requests", type=int, default=300)
    commands.add_parser("_serve-reference")
    echo_parser = commands.add_parser("_serve-echo")
    echo_parser.add_argument("kind", choices=["bare", "ours"])
    echo_parser.add_argument("work", type=Path)
    args = parser.parse_args()
    if args.command == "load":
        run_load(args)
    elif args.command == "overhead":
        run_overhead(args)
    elif args.command == "_serve-reference":
        serve_reference()
    else:
        serve_echo(args.kind, args.work)


if __name__ == "__main__":
    main()

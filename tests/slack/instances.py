"""Real `supportbot slack` processes on one store, for the multi-instance test and benchmark.

Each instance is the CLI itself, configured by environment variables: BM25 retrieval over a
prebuilt index (no embedding model to load), approved answers off, and the `openai` backend
pointed at a local OpenAI-compatible double that echoes the question, so what is exercised is
the event handling and the store, not a model.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from slack_double import SIGNING_SECRET
from slack_helpers import BOT_TOKEN, REPO

sys.path.insert(0, str(REPO / "tests" / "generation"))
from openai_double import OpenAIDouble

__all__ = ["BotProcess", "OpenAIDouble", "echo_answer", "instance_env"]

LISTENING = re.compile(r"listening on (http://\S+/slack/events)")


def echo_answer(delay_s: float = 0.0) -> Callable[[list[dict], dict], Iterator[str]]:
    """An OpenAI-double answer naming the question and how many earlier messages the prompt carried."""

    def answer(messages: list[dict], body: dict) -> Iterator[str]:
        earlier = len(messages) - 2  # minus the system prompt and the question
        for word in f"Answer to '{messages[-1]['content']}' with {earlier} earlier messages [1].".split():
            if delay_s:
                time.sleep(delay_s)
            yield word + " "

    return answer


def instance_env(slack_api_url: str, store_url: str, index_dir: Path, model_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_"))}
    env.update(
        PYTHONPATH=str(REPO),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SUPPORTBOT_SLACK_API_URL=slack_api_url,
        SUPPORTBOT_STORE_URL=store_url,
        SUPPORTBOT_PATHS_INDEX_DIR=str(index_dir),
        SUPPORTBOT_PATHS_DATA_DIR=str(index_dir.parent / "instance-data"),
        SUPPORTBOT_RETRIEVAL_MODE="bm25",
        SUPPORTBOT_BOT_APPROVED_MIN_SCORE="1.1",
        SUPPORTBOT_BOT_ANSWER_MODE="generative",  # the double's text as written: the event handling is under test
        SUPPORTBOT_MODEL_BACKEND="openai",
        SUPPORTBOT_MODEL_NAME="double",
        SUPPORTBOT_MODEL_BASE_URL=model_url,
        SUPPORTBOT_SLACK_UPDATE_INTERVAL="0.05",
    )
    env.update({f"SUPPORTBOT_{key.upper()}": value for key, value in settings.items()})
    return env


class BotProcess:
    """One `supportbot slack --port 0` process; `url` is its events URL once it listens. `options` go before the
    command, as `supportbot -v slack` takes them."""

    def __init__(self, env: dict[str, str], timeout: float = 90.0, options: Sequence[str] = ()) -> None:
        command = [sys.executable, "-c", "from supportbot.cli import main; main()", *options, "slack", "--host", "127.0.0.1", "--port", "0"]
        self.process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.log: list[str] = []
        self._listening = threading.Event()
        self.url = ""
        threading.Thread(target=self._read_log, daemon=True).start()
        if not self._listening.wait(timeout):
            self.kill()
            raise AssertionError("the bot did not start listening:\n" + "".join(self.log))

    def _read_log(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)
            found = LISTENING.search(line)
            if found:
                self.url = found.group(1)
                self._listening.set()

    def kill(self) -> None:
        """SIGKILL: no cleanup, no released claims; what a crashed machine looks like to the others."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

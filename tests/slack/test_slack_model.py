"""The Slack bot with the real bundled model: in-process, and as the `supportbot slack` command."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
from slack_double import SIGNING_SECRET, mention, post_event
from slack_helpers import BOT_TOKEN, REPO, final_text

pytestmark = pytest.mark.slow


def test_real_model_answer_streams_into_the_thread_with_sources(start_bot, chat_generator):
    bot = start_bot(generator=chat_generator, update_interval=0.2)
    body = mention("How long do refunds take?")
    post_event(bot.url, body)
    text = final_text(bot, "C1", body["event"]["ts"])
    assert text.strip() and text != bot.manager.bot.error_message
    assert len(bot.double.calls_to("chat.update")) >= 2  # edits while streaming, then the final one
    blocks = bot.double.thread_messages("C1", body["event"]["ts"])[0]["blocks"]
    assert any(b["type"] == "context" and "Sources" in b["elements"][0]["text"] for b in blocks)
    assert len(bot.double.calls_to("chat.postMessage")) == 1


def test_cli_answers_over_http_and_stops_cleanly_on_sigterm(slack_double, sample_index_dir, chat_generator, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        PYTHONPATH=str(REPO),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SUPPORTBOT_SLACK_API_URL=slack_double.api_url,
        SUPPORTBOT_PATHS_INDEX_DIR=str(sample_index_dir),
        SUPPORTBOT_MODEL_MAX_NEW_TOKENS="12",
    )
    command = [sys.executable, "-c", "from supportbot.cli import main; main()", "slack", "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.monotonic() + 240
        while port is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line or process.poll() is None, "supportbot slack exited before listening"
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)/slack/events", line)
            port = int(match.group(1)) if match else None
        body = mention("Do you ship internationally?")
        assert post_event(f"http://127.0.0.1:{port}/slack/events", body)[0] == 200

        class Bot:  # what final_text needs
            double = slack_double

        assert final_text(Bot, "C1", body["event"]["ts"]).strip()
        process.send_signal(signal.SIGTERM)
        rest = process.communicate(timeout=60)[1]
        assert process.returncode == 0
        assert "every accepted event was answered" in rest
        assert BOT_TOKEN not in rest and SIGNING_SECRET not in rest
    finally:
        if process.poll() is None:
            process.kill()

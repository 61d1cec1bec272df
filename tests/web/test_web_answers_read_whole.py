"""An answer the client got in full is stored as whole, with the bundled chat model as `serve` runs it.

The grounded answer stops the model on purpose (it said enough, or left its sources); that stop once marked every
such answer `interrupted`, in GET /v1/conversation and in `conversations export` ("grounded (interrupted)").
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from web_helpers import TOKEN_HEADER, start_bot

from supportbot.app import dialogue_manager_for_index
from supportbot.config import Config, WebConfig
from supportbot.generation.registry import create_generator
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore

pytestmark = pytest.mark.slow


@pytest.fixture(params=[("grounded", "auto"), ("generative", "transformers")], ids=["grounded", "generative-transformers"])
def served_bot(request, sample_index_dir: Path, embedder, isolated_data_dir: Path):
    """`SUPPORTBOT_BOT_ANSWER_MODE=grounded supportbot serve` (llama_cpp on a CPU), and a generative answer from the
    transformers backend (`auto` on a GPU), which sets the model's stop event whenever an answer ends."""
    config = Config()
    config.bot.answer_mode, config.model.backend = request.param
    config.model.max_new_tokens = 120 if config.bot.answer_mode == "grounded" else 24
    store = ConversationStore(isolated_data_dir / "conversations.sqlite3")
    manager = dialogue_manager_for_index(config, load_index(sample_index_dir), embedder, create_generator(config), store)
    bot = start_bot(manager, WebConfig())
    yield bot
    bot.stop()


def test_an_answer_the_client_got_whole_is_not_stored_as_interrupted(served_bot):
    body = {"model": "supportbot", "user": "customer-1", "messages": [{"role": "user", "content": "How long do refunds take?"}]}
    with served_bot.keyed() as client:
        answered = client.post("/v1/chat/completions", json=body, timeout=300)
        assert answered.status_code == 200, answered.text
        choice = answered.json()["choices"][0]
        assert choice["finish_reason"] == "stop" and choice["message"]["content"].strip()
        if served_bot.manager.bot.answer_mode == "grounded":
            assert "5-7 business days" in choice["message"]["content"]
        token = answered.json()["supportbot"]["conversation_token"]
        conversation = client.get("/v1/conversation", headers={TOKEN_HEADER: token}).json()
    (answer,) = [m for m in conversation["messages"] if m["role"] == "assistant"]
    assert answer["content"] == choice["message"]["content"] and answer["interrupted"] is False

    exported = subprocess.run(
        [sys.executable, "-m", "supportbot", "conversations", "export", "--since", "1d", "-o", "-"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert exported.returncode == 0, exported.stderr
    (line,) = exported.stdout.splitlines()
    assert json.loads(line)["supportbot"]["answer_kinds"] == [answer["kind"]]  # "grounded", not "grounded (interrupted)"

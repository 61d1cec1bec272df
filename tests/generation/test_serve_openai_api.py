"""`supportbot serve`'s channel: the bot behind an OpenAI-compatible endpoint, read by real HTTP clients."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from supportbot.bot.dialogue import DialogueManager
from supportbot.bot.store import ConversationStore
from supportbot.channels.openai_api import OpenAIChannel
from supportbot.config import Config
from supportbot.generation.base import GenerationSettings
from supportbot.generation.openai_backend import OpenAIGenerator

pytestmark = pytest.mark.slow


@pytest.fixture
def served_bot(sample_index_dir, llama_cpp_generator, tmp_path):
    from supportbot.app import create_embedder, create_grounding_checker, create_retriever

    config = Config()
    config.paths.index_dir = str(sample_index_dir)
    manager = DialogueManager(
        create_retriever(config, show_progress=False),
        llama_cpp_generator,
        ConversationStore(tmp_path / "conversations.sqlite3"),
        config.bot,
        GenerationSettings(max_new_tokens=12),
        top_k=3,
        checker=create_grounding_checker(config, create_embedder(config)),
    )
    channel = OpenAIChannel(manager, port=0)
    thread = threading.Thread(target=channel.run, daemon=True)
    thread.start()
    yield channel
    channel.stop()
    thread.join(5)


def test_streams_the_bots_answer_with_sources_to_an_openai_client(served_bot):
    client = OpenAIGenerator(served_bot.url, "supportbot")
    pieces = list(client.stream([{"role": "user", "content": "How long do refunds take?"}], GenerationSettings(max_new_tokens=12)))
    assert len(pieces) > 1 and "".join(pieces).strip()
    stored = served_bot.manager.store
    conversations = stored._db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    assert conversations == 2  # the question and the answer


def test_non_streaming_request_returns_one_completion_and_keeps_the_conversation(served_bot):
    body = {"model": "supportbot", "user": "c42", "messages": [{"role": "user", "content": "How long do refunds take?"}]}
    response = httpx.post(served_bot.url + "/chat/completions", json=body, timeout=60)
    payload = response.json()
    assert response.status_code == 200 and response.headers["X-Conversation-Id"] == "c42"
    assert payload["choices"][0]["message"]["content"].strip()
    assert payload["supportbot"]["sources"]
    history = served_bot.manager.history("api", "c42")
    assert [m["role"] for m in history] == ["user", "assistant"]


def test_request_without_a_user_message_is_a_400(served_bot):
    response = httpx.post(served_bot.url + "/chat/completions", json={"messages": [{"role": "system", "content": "x"}]})
    assert response.status_code == 400
    assert "role: user" in json.loads(response.text)["error"]["message"]

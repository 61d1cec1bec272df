"""Two `supportbot serve` instances on one PostgreSQL store (behind a load balancer) continue each other's conversations."""

from __future__ import annotations

from fakes import grounding_checker
from slack_double import SlackDouble
from slack_helpers import BOT_TOKEN
from web_helpers import ScriptedGenerator, ask, new_session, start_bot

from supportbot.bot.dialogue import DialogueManager
from supportbot.channels.web.handoff import SlackHandoff
from supportbot.config import BotConfig, RetrievalConfig, SlackConfig, WebConfig
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore


def test_a_conversation_moves_between_two_instances_on_one_postgres(sample_index_dir, embedder, postgres_url, client_address):
    retrieval = RetrievalConfig()
    retriever = DenseRetriever(load_index(sample_index_dir), embedder, retrieval.top_k, retrieval.min_score)
    stores = [ConversationStore(postgres_url) for _ in range(2)]  # each instance with its own connection pool
    double = SlackDouble()  # where both post handoffs
    slack = SlackConfig(api_url=double.api_url, handoff_channel="CHANDOFF")
    bots = [
        start_bot(
            DialogueManager(retriever, ScriptedGenerator(), store, BotConfig(answer_mode="generative"),
                            GenerationSettings(max_new_tokens=24), retrieval.top_k, grounding_checker(embedder)),
            WebConfig(),  # both sign conversation tokens with one secret, as WEBCHAT_SESSION_SECRET makes them
            handoff=SlackHandoff.from_config(slack, {"SLACK_BOT_TOKEN": BOT_TOKEN}),
        )
        for store in stores
    ]
    try:
        with bots[0].client(client_address) as first, bots[1].client(client_address) as second:
            session = new_session(first)
            asked_first = ask(first, "How long do refunds take?", session)
            asked_second = ask(second, "And for gift cards?", session)
            second.post("/v1/handoff", json={}, headers=session)
            while_handed = ask(first, "Hello?", session)
            seen_by_first = first.get("/v1/conversation", headers=session).json()
    finally:
        for bot in bots:
            bot.stop()
        for store in stores:
            store.close()
        double.close()
    assert asked_first.status_code == asked_second.status_code == 200
    messages = seen_by_first["messages"]
    assert [(m["role"], m["content"]) for m in messages if m["role"] == "user"] == [
        ("user", "How long do refunds take?"), ("user", "And for gift cards?")
    ]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[3]["content"] == asked_second.json()["choices"][0]["message"]["content"]
    # the handoff asked for on the second instance pauses the bot on the first
    assert seen_by_first["in_handoff"] and while_handed.status_code == 409

"""With privacy.redact_stored, the handoff posted to Slack masks the customer's email in the page's address too,
as it does in what they wrote: a tracking page's address often carries what they typed into its form."""

from __future__ import annotations

import pytest
from fakes import grounding_checker
from slack_double import SlackDouble
from slack_helpers import BOT_TOKEN
from web_helpers import ScriptedGenerator, ask, new_session, start_bot

from supportbot.bot.dialogue import DialogueManager
from supportbot.channels.web.handoff import SlackHandoff
from supportbot.config import BotConfig, RetrievalConfig, SlackConfig, WebConfig
from supportbot.generation.base import GenerationSettings
from supportbot.privacy import redact
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore


def posted_handoff(page: str, redact_stored: bool, sample_index_dir, embedder, postgres_url, client_address) -> str:
    """The text Slack got when a customer who gave their email asked for a person on `page`."""
    retrieval = RetrievalConfig()
    retriever = DenseRetriever(load_index(sample_index_dir), embedder, retrieval.top_k, retrieval.min_score)
    store = ConversationStore(postgres_url, redact=redact if redact_stored else None)  # as create_store builds it
    manager = DialogueManager(retriever, ScriptedGenerator(), store, BotConfig(answer_mode="generative"),
                              GenerationSettings(max_new_tokens=24), retrieval.top_k, grounding_checker(embedder))
    double = SlackDouble()
    handoff = SlackHandoff.from_config(SlackConfig(api_url=double.api_url, handoff_channel="CHANDOFF"), {"SLACK_BOT_TOKEN": BOT_TOKEN})
    bot = start_bot(manager, WebConfig(), handoff=handoff)
    try:
        with bot.client(client_address) as client:
            session = new_session(client)
            ask(client, "Where is my order? My email is jane.doe@example.com", session)
            handed = client.post("/v1/handoff", json={"page": page}, headers=session)
    finally:
        bot.stop()
        store.close()
        double.close()
    assert handed.json()["posted_to_slack"]
    (post,) = double.calls_to("chat.postMessage")
    return post["text"]


@pytest.mark.parametrize(
    "page",
    ["https://help.example.com/track?email=jane.doe@example.com", "https://help.example.com/track?email=jane.doe%40example.com"],
)
def test_the_page_address_is_masked_as_the_customers_words_are(page, sample_index_dir, embedder, postgres_url, client_address):
    text = posted_handoff(page, True, sample_index_dir, embedder, postgres_url, client_address)
    assert "jane.doe" not in text
    assert "<https://help.example.com/track?email=[email]|" in text  # still a link to the page, its email masked


def test_without_redact_stored_the_page_is_posted_as_it_came(sample_index_dir, embedder, postgres_url, client_address):
    page = "https://help.example.com/track?email=jane.doe%40example.com"
    text = posted_handoff(page, False, sample_index_dir, embedder, postgres_url, client_address)
    assert f"<{page}|" in text and "My email is jane.doe@example.com" in text

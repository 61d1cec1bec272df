"""A key holder whose conversation token has expired is told where a new one comes from (its chat completions),
not to start a new conversation as a browser is."""

from __future__ import annotations

import time

from web_helpers import SESSION_SECRET, TOKEN_HEADER, ask

from supportbot.channels.web.sessions import ConversationTokens

TOLD = (
    "the conversation token has expired: ask POST /v1/chat/completions without it (X-Conversation-Id or user names "
    "the conversation again) and send supportbot.conversation_token from the response in X-Conversation-Token"
)


def _expired_token(conversation_id: str) -> str:
    yesterday = ConversationTokens(SESSION_SECRET.encode(), 3600, clock=lambda: time.time() - 86400)
    return yesterday.issue(conversation_id)[0]


def test_a_key_holder_with_an_expired_token_is_told_to_get_one_from_a_chat_completion(web_bot):
    # It was told to "start a new conversation (POST /v1/sessions)": an empty one, not the one it had.
    with web_bot.keyed() as client:
        first = ask(client, "How long do refunds take?", {"X-Conversation-Id": "ticket-9"})
        conversation_id = web_bot.tokens.verify(first.json()["supportbot"]["conversation_token"]).conversation_id
        expired = {TOKEN_HEADER: _expired_token(conversation_id)}
        read = client.get("/v1/conversation", headers=expired)
        assert read.status_code == 401 and read.json()["error"]["message"] == TOLD
        asked = ask(client, "And for a damaged item?", expired)
        assert asked.status_code == 401 and asked.json()["error"]["message"] == TOLD

        again = ask(client, "And for a damaged item?", {"X-Conversation-Id": "ticket-9"})  # doing as told works
        token = {TOKEN_HEADER: again.json()["supportbot"]["conversation_token"]}
        messages = client.get("/v1/conversation", headers=token).json()["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]


def test_a_browser_with_an_expired_token_is_still_told_to_start_a_new_conversation(web_bot, client_address):
    with web_bot.client(client_address) as client:
        read = client.get("/v1/conversation", headers={TOKEN_HEADER: _expired_token("old-conversation")})
    assert read.status_code == 401
    assert read.json()["error"]["message"] == "the conversation token has expired: start a new conversation (POST /v1/sessions)"

"""A key holder who names its conversation (X-Conversation-Id) and then reads or rates it is told where its token is."""

from __future__ import annotations

from web_helpers import TOKEN_HEADER, ask

TOLD = (
    "send the conversation's token in X-Conversation-Token: supportbot.conversation_token from the chat completion's "
    "response (X-Conversation-Id and user name a conversation only in POST /v1/chat/completions)"
)


def test_reading_a_named_conversation_without_its_token_says_to_use_the_completions_token(web_bot):
    # It was told to "start a new conversation (POST /v1/sessions)": an empty one, not the one it named.
    with web_bot.keyed() as client:
        answer = ask(client, "How long do refunds take?", {"X-Conversation-Id": "ticket-77"})
        read = client.get("/v1/conversation", headers={"X-Conversation-Id": "ticket-77"})
        assert read.status_code == 401 and read.json()["error"]["message"] == TOLD
        message_id = answer.json()["supportbot"]["message_id"]
        rated = client.post("/v1/feedback", json={"message_id": message_id, "rating": "up"}, headers={"X-Conversation-Id": "ticket-77"})
        assert rated.status_code == 401 and rated.json()["error"]["message"] == TOLD

        token = {TOKEN_HEADER: answer.json()["supportbot"]["conversation_token"]}  # doing as told works
        assert [m["role"] for m in client.get("/v1/conversation", headers=token).json()["messages"]] == ["user", "assistant"]
        assert client.post("/v1/feedback", json={"message_id": message_id, "rating": "up"}, headers=token).status_code == 201


def test_a_browser_without_a_token_is_still_told_to_start_a_conversation(web_bot, client_address):
    with web_bot.client(client_address) as client:
        read = client.get("/v1/conversation")
    assert read.status_code == 401
    assert read.json()["error"]["message"] == "send the conversation's token in X-Conversation-Token, or start a new conversation (POST /v1/sessions)"

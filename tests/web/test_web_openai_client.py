"""The real `openai` Python client against the bot: with an API key, streaming and not; refused without one."""

from __future__ import annotations

import openai
import pytest
from web_helpers import API_KEY

QUESTION = "How long do refunds take?"


def client(bot) -> openai.OpenAI:
    return openai.OpenAI(base_url=bot.url + "/v1", api_key=API_KEY, max_retries=0, timeout=30)


def test_a_completion_carries_the_answer_its_numbered_sources_and_a_token(web_bot):
    completion = client(web_bot).chat.completions.create(model="supportbot", messages=[{"role": "user", "content": QUESTION}])
    assert completion.choices[0].message.content == f"Answer to '{QUESTION}' with 0 earlier messages [1]."
    extras = completion.supportbot
    assert extras["kind"] == "generated" and extras["message_id"]
    assert [s["number"] for s in extras["sources"]] == list(range(1, len(extras["sources"]) + 1))
    assert "refund" in extras["sources"][0]["title"].lower() and extras["sources"][0]["url"].startswith("https://")
    assert web_bot.tokens.verify(extras["conversation_token"]).conversation_id == extras["conversation_id"]


def test_a_streamed_completion_arrives_word_by_word_with_sources_in_the_final_event(web_bot):
    stream = client(web_bot).chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": QUESTION}], stream=True, user="stream-test"
    )
    chunks = list(stream)
    pieces = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert len(pieces) > 5 and "".join(pieces) == f"Answer to '{QUESTION}' with 0 earlier messages [1]."
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop" and final.supportbot["sources"][0]["number"] == 1
    assert final.supportbot["conversation_id"].startswith("backend:") and "stream-test" not in final.supportbot["conversation_id"]


def test_a_stream_asked_for_usage_ends_with_openais_usage_chunk(web_bot):
    # stream_options.include_usage was accepted and no usage came: a client counting tokens read nothing.
    asked = [
        list(client(web_bot).chat.completions.create(
            model="supportbot", messages=[{"role": "user", "content": question}], stream=True, stream_options={"include_usage": True}
        ))
        for question in (QUESTION, "Thanks!")
    ]
    for chunks in asked:
        *answer, last = chunks
        assert last.choices == [] and all(chunk.usage is None and chunk.choices for chunk in answer)
        assert answer[-1].choices[0].finish_reason == "stop" and answer[-1].supportbot["kind"]
    answered, thanked = (chunks[-1].usage for chunks in asked)
    assert answered.prompt_tokens > 0 and answered.completion_tokens > 0
    assert answered.total_tokens == answered.prompt_tokens + answered.completion_tokens
    assert (thanked.prompt_tokens, thanked.completion_tokens, thanked.total_tokens) == (0, 0, 0)  # small talk: the model wrote nothing


def test_models_lists_the_bot(web_bot):
    assert [model.id for model in client(web_bot).models.list()] == ["supportbot"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": openai.omit}], ids=["wrong key", "no key"])
def test_without_a_valid_key_the_client_is_refused(web_bot, headers):
    refused_client = openai.OpenAI(base_url=web_bot.url + "/v1", api_key="sk-not-a-key-000000000000", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as refused:
        refused_client.chat.completions.create(model="supportbot", messages=[{"role": "user", "content": QUESTION}], extra_headers=headers)
    assert refused.value.status_code == 401


def test_sampling_settings_are_accepted_and_a_second_choice_is_refused_naming_n(web_bot):
    # n=2 was answered with one choice: a client reading choices[1] failed far from the cause.
    openai_client = client(web_bot)
    messages = [{"role": "user", "content": QUESTION}]
    completion = openai_client.chat.completions.create(
        model="supportbot", messages=messages, temperature=0.3, top_p=0.9, max_tokens=200, seed=1, stop=["\n\n"], n=1
    )
    with pytest.raises(openai.BadRequestError) as refused:
        openai_client.chat.completions.create(model="supportbot", messages=messages, n=2)
    assert completion.choices[0].message.content == f"Answer to '{QUESTION}' with 0 earlier messages [1]."
    assert refused.value.body == {"message": "n: this bot gives one answer per request; send 1 or leave n out (not 2)", "type": "invalid_request_error"}

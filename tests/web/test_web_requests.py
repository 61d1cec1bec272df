"""What a chat request may hold, and a 400 that says what to fix for one the bot cannot read or honour."""

from __future__ import annotations

import json

import pytest
from web_helpers import ask, new_session

REFUNDS = "How long do refunds take?"
JSON = {"Content-Type": "application/json"}
NAME_THE_MODEL = 'send the model\'s name as a string, "supportbot" (GET /v1/models lists it)'


def error_of(response) -> str:
    assert response.status_code == 400, response.text
    return response.json()["error"]["message"]


class TestContentParts:
    def test_text_parts_are_read_each_on_a_line_of_their_own(self, web_bot):
        # They were glued: "How long do" + "refunds take?" was asked as "How long dorefunds take?".
        parts = [{"type": "text", "text": "How long do"}, {"type": "text", "text": "refunds take?"}]
        with web_bot.keyed() as client:
            answer = ask(client, parts)
        assert answer.status_code == 200
        assert answer.json()["choices"][0]["message"]["content"].startswith("Answer to 'How long do\nrefunds take?'")

    @pytest.mark.parametrize(
        "part, said", [({"text": None}, "it is null"), ({"text": 5}, "it is 5"), ({"text": ["a"]}, "it is a list"), ({}, "there is none")]
    )
    def test_a_text_part_whose_text_is_not_a_string_is_400_naming_it(self, web_bot, part, said):
        # {"text": null} was asked as the question "None".
        with web_bot.keyed() as client:
            response = ask(client, [{"type": "text", "text": "Hello"}, {"type": "text", **part}])
        assert error_of(response) == f"messages[0].content[1].text: send the text as a string ({said})"

    @pytest.mark.parametrize(
        "part",
        [
            {"type": "image_url", "image_url": {"url": "https://help.example.com/receipt.png"}},
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
            {"type": "file", "file": {"file_id": "file-123"}},
        ],
        ids=lambda part: part["type"],
    )
    def test_a_part_other_than_text_is_400_saying_only_text_is_read(self, web_bot, part):
        with web_bot.keyed() as client:
            response = ask(client, [{"type": "text", "text": "Is this receipt enough for a refund?"}, part])
        assert error_of(response) == (
            f'messages[0].content[1]: only text parts are read here (this one is "{part["type"]}"); send {{"type": "text", "text": ...}}'
        )


class TestOpenAiParameters:
    @pytest.mark.parametrize(
        "parameters, refused",
        [
            ({"n": 3}, "n: this bot gives one answer per request"),
            ({"tools": [{"type": "function", "function": {"name": "lookup"}}], "tool_choice": "required"}, "tool_choice: this bot calls no tools"),
            ({"tool_choice": {"type": "function", "function": {"name": "lookup"}}}, "tool_choice: this bot calls no tools"),
            ({"function_call": {"name": "lookup"}}, "function_call: this bot calls no functions"),
            ({"response_format": {"type": "json_object"}}, "response_format: this bot answers in plain text"),
            ({"response_format": {"type": "json_schema", "json_schema": {"name": "a"}}}, "response_format: this bot answers in plain text"),
            ({"logprobs": True}, "logprobs: this bot gives no log probabilities"),
            ({"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}}, "modalities: this bot answers in text only"),
        ],
        ids=["n", "tool_choice required", "tool_choice named", "function_call", "json_object", "json_schema", "logprobs", "audio"],
    )
    def test_what_the_bot_cannot_give_is_400_naming_the_parameter(self, web_bot, parameters, refused):
        # Each was answered 200 with one plain-prose choice, which a client relying on it would misread.
        with web_bot.keyed() as client:
            response = ask(client, REFUNDS, **parameters)
        assert error_of(response).startswith(refused)

    @pytest.mark.parametrize(
        "parameter, value, said",
        [
            ("temperature", 50, "Input should be less than or equal to 2, not 50"),
            ("temperature", "hot", 'Input should be a valid number, not "hot"'),
            ("top_p", 1.5, "Input should be less than or equal to 1, not 1.5"),
            ("presence_penalty", -3, "Input should be greater than or equal to -2, not -3"),
            ("max_tokens", 0, "Input should be greater than or equal to 1, not 0"),
            ("max_tokens", -5, "Input should be greater than or equal to 1, not -5"),
            ("n", 0, "Input should be greater than or equal to 1, not 0"),
            ("user", 5, "Input should be a valid string, not 5"),
        ],
    )
    def test_a_value_outside_openais_own_range_is_400_naming_it(self, web_bot, parameter, value, said):
        with web_bot.keyed() as client:
            response = ask(client, REFUNDS, **{parameter: value})
        assert error_of(response) == f"{parameter}: {said} (see /openapi.json)"

    @pytest.mark.parametrize(
        "parameter, value, said",
        [
            ("model", "", f'{NAME_THE_MODEL}, not ""'),
            ("model", None, f"{NAME_THE_MODEL}, not null"),
            ("model", 5, f"{NAME_THE_MODEL}, not 5"),
            ("stop", 5, "send a string or a list of up to 4 strings, not 5"),
            ("stop", {"end": "."}, "send a string or a list of up to 4 strings, not an object"),
            ("stop", ["a", "b", "c", "d", "e"], "send a string or a list of up to 4 strings (this list has 5)"),
            ("stop", ["END", 7], "send a string or a list of up to 4 strings (stop[1] is 7)"),
            ("stream_options", True, 'send an object such as {"include_usage": true}, not true'),
            ("stream_options", {"include_usage": "yes"}, 'send include_usage as true or false, not "yes"'),
            ("seed", "7", 'Input should be a valid integer, not "7" (see /openapi.json)'),
            ("seed", 1.5, "Input should be a valid integer, not 1.5 (see /openapi.json)"),
            ("seed", 2**64, f"Input should be less than or equal to {2**63 - 1}, not {2**64} (see /openapi.json)"),
            ("max_tokens", 10**12, "Input should be less than or equal to 1048576, not 1000000000000 (see /openapi.json)"),
            ("max_completion_tokens", "100", 'Input should be a valid integer, not "100" (see /openapi.json)'),
            ("metadata", "ticket-9", 'send an object of up to 16 string values, not "ticket-9"'),
            ("metadata", {"ticket": 9}, 'send an object of up to 16 string values (metadata["ticket"] is 9)'),
            ("metadata", {f"k{n}": "v" for n in range(17)}, "send an object of up to 16 string values (this one has 17)"),
            ("metadata", {"k" * 65: "v"}, "keys are at most 64 characters (one has 65)"),
            ("metadata", {"note": "x" * 600}, 'values are at most 512 characters (metadata["note"] has 600)'),
        ],
    )
    def test_a_parameter_sent_as_openai_would_refuse_it_is_400_naming_it_and_what_to_send(self, web_bot, parameter, value, said):
        # Each was answered 200 as if it had been read (model "" too; model 5 was refused without saying what to send).
        with web_bot.keyed() as client:
            response = ask(client, REFUNDS, **{parameter: value})
        assert error_of(response) == f"{parameter}: {said}"

    def test_what_openai_accepts_for_those_parameters_is_still_answered(self, web_bot):
        accepted = {
            "model": "gpt-4o-mini", "stop": ["a", "b", "c", "d"], "seed": -(2**63), "max_tokens": 1_048_576, "max_completion_tokens": 1,
            "metadata": {f"k{n}": "v" * 512 for n in range(16)}, "stream_options": {"include_usage": False, "some_future_flag": 1},
        }
        with web_bot.keyed() as client:
            answered = ask(client, REFUNDS, **accepted)
            stop_string = ask(client, REFUNDS, stop="refunds", metadata=None, stream_options=None)
        for response in (answered, stop_string):
            assert response.status_code == 200, response.text
            assert response.json()["choices"][0]["message"]["content"] == f"Answer to '{REFUNDS}' with 0 earlier messages [1]."  # stop is not used
        assert answered.json()["model"] == "supportbot"

    def test_what_the_bot_can_honour_or_ignore_is_answered_and_only_n_above_1_is_refused(self, web_bot):
        accepted = {
            "n": 1, "temperature": 0.2, "top_p": 1, "max_tokens": 200, "seed": 7, "stop": ["\n\n"], "user": "ticket-9",
            "tools": [{"type": "function", "function": {"name": "lookup"}}], "tool_choice": "auto", "parallel_tool_calls": False,
            "response_format": {"type": "text"}, "logprobs": False, "modalities": ["text"], "metadata": {"source": "tests"},
            "stream_options": {"include_usage": True}, "store": False, "some_future_field": {"any": "thing"},
        }
        with web_bot.keyed() as client:
            answered = ask(client, REFUNDS, **accepted)
            refused = ask(client, REFUNDS, **(accepted | {"n": 2}))
        assert answered.status_code == 200 and answered.json()["choices"][0]["message"]["content"].startswith(f"Answer to '{REFUNDS}'")
        assert error_of(refused).startswith("n: ")


class TestWhatToFix:
    @pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", None], ids=["curl -d's form type", "none"])
    def test_json_sent_without_its_content_type_is_told_to_send_it(self, web_bot, content_type):
        body = json.dumps({"messages": [{"role": "user", "content": REFUNDS}]}).encode()
        headers = {"Content-Type": content_type} if content_type else {}
        with web_bot.keyed() as client:
            response = client.post("/v1/chat/completions", content=body, headers=headers)
        assert error_of(response) == (
            f"send the body as JSON with the header Content-Type: application/json (this request's Content-Type: {content_type or 'none'})"
        )

    def test_a_body_that_is_not_utf8_or_is_nested_too_deeply_says_so(self, web_bot):
        with web_bot.keyed() as client:
            latin1 = client.post("/v1/chat/completions", content='{"messages": [{"role": "user", "content": "¿reembolso?"}]}'.encode("latin-1"), headers=JSON)
            deep = client.post("/v1/chat/completions", content=b'{"messages": ' + b"[" * 5000 + b"]" * 5000 + b"}", headers=JSON)
        assert error_of(latin1) == "the body is not UTF-8 (byte 43 is 0xbf): send JSON encoded as UTF-8"
        assert error_of(deep).startswith("the body's JSON is nested too deeply to read")

    def test_talk_to_a_person_needs_no_body(self, web_bot, client_address):
        with web_bot.client(client_address) as client:
            session = new_session(client)
            without_body = client.post("/v1/handoff", headers=session)
        assert without_body.status_code == 200 and without_body.json()["in_handoff"] is False  # no Slack here: told no one can be reached
        assert without_body.json()["message"]

    def test_a_get_of_the_chat_route_is_told_to_post(self, web_bot):
        with web_bot.keyed() as client:
            got = client.get("/v1/chat/completions")
            put = client.put("/v1/handoff")
        assert got.status_code == 405 and got.json()["error"] == {
            "message": "GET is not served at /v1/chat/completions: send POST (see /openapi.json)",
            "type": "method_not_allowed",
        }
        assert put.json()["error"]["message"] == "PUT is not served at /v1/handoff: send POST or DELETE (see /openapi.json)"

    @pytest.mark.parametrize("question", ["\u200b\u200b", " \ufeff\u2060 ", "\u200c\u200d\n\u3164"], ids=["zero-width", "BOM, joiner", "ZWNJ, ZWJ, filler"])
    def test_a_question_of_invisible_characters_is_the_empty_message_400(self, web_bot, question):
        # It was answered with the fallback, as if asked something.
        with web_bot.keyed() as client:
            response = ask(client, question)
            spaces = ask(client, "   ")
        assert error_of(response) == error_of(spaces) == "empty message: type a question"

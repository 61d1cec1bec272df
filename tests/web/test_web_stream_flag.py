"""`stream` is true or false, as OpenAI takes it: "yes" was read as true and the client got events it did not ask for."""

from __future__ import annotations

import pytest
from web_helpers import ask

REFUNDS = "How long do refunds take?"


@pytest.mark.parametrize("value, said", [("yes", '"yes"'), ("false", '"false"'), (1, "1"), ({"on": True}, "an object")])
def test_a_stream_flag_that_is_not_true_or_false_is_400_naming_it(web_bot, value, said):
    with web_bot.keyed() as client:
        response = ask(client, REFUNDS, stream=value)
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    assert response.json()["error"] == {"message": f"stream: send true or false, not {said}", "type": "invalid_request_error"}


def test_true_and_false_are_still_answered_as_before(web_bot):
    with web_bot.keyed() as client:
        streamed = ask(client, REFUNDS, stream=True)
        whole = ask(client, REFUNDS, stream=False)
    assert streamed.status_code == 200 and streamed.headers["content-type"].startswith("text/event-stream")
    assert whole.status_code == 200 and whole.json()["choices"][0]["message"]["content"].startswith(f"Answer to '{REFUNDS}'")

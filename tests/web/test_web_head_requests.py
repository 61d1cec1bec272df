"""HEAD, as uptime checkers send it: every GET route answers it with GET's status and headers, and no body."""

from __future__ import annotations

import pytest
from web_helpers import new_session


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/widget.js", "/widget.css", "/metrics", "/v1/widget/setup"])
def test_head_answers_as_get_does_without_the_body(web_bot, client_address, path):
    with web_bot.client(client_address) as client:
        got, head = client.get(path), client.head(path)
    assert got.status_code == head.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"] and head.content == b""


def test_head_of_a_conversation_checks_the_token_as_get_does(web_bot, client_address):
    with web_bot.client(client_address) as client:
        session = new_session(client)
        with_token, without = client.head("/v1/conversation", headers=session), client.head("/v1/conversation")
    assert with_token.status_code == 200 and without.status_code == 401 and without.content == b""


def test_a_wrong_method_on_a_get_route_is_told_head_is_served_too(web_bot, client_address):
    with web_bot.client(client_address) as client:
        refused = client.delete("/healthz")
        head_on_post_route = client.head("/v1/chat/completions")
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
    assert head_on_post_route.status_code == 405 and head_on_post_route.headers["Allow"] == "POST"

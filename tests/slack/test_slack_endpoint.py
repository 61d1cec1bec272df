"""The events endpoint against what anyone on the internet may send: each gets a status at once, nothing reaches bolt."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from urllib.parse import urlsplit

import pytest
from slack_double import SIGNING_SECRET, mention, post_event
from slack_helpers import final_text

from supportbot.channels.slack.intake import MAX_BODY_BYTES


def signed(body: bytes) -> str:
    """Slack's signature headers for any bytes (slack_sdk's signer takes UTF-8 only)."""
    timestamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return f"X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: v0={digest}\r\n"


def raw_post(url: str, headers: str, body: bytes = b"") -> str:
    """Send a request as written, and return the status line of what comes back ("" when the connection drops)."""
    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=5) as connection:
        connection.sendall(f"POST {where.path} HTTP/1.1\r\nHost: slack\r\n{headers}\r\n".encode() + body)
        try:
            return connection.makefile("rb").readline().decode().strip()
        except (ConnectionError, TimeoutError):
            return ""


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ("Content-Type: application/json\r\nContent-Length: 5\r\n", b"hello", "401"),  # unsigned: not read as JSON
        ("Content-Type: application/json\r\nContent-Length: 4\r\n", b"\xff\xfe{}", "401"),
        ("Content-Length: abc\r\n", b"", "400"),
        ("Content-Length: -5\r\n", b"", "400"),
        (f"Content-Type: application/json\r\nContent-Length: {300_000_000}\r\n", b"{", "413"),  # refused before it is sent
    ],
)
def test_junk_gets_a_status_at_once_and_the_bot_goes_on(start_bot, capfd, headers, body, status):
    # A body that was not JSON or UTF-8, or a Content-Length of "abc", killed the request thread: no status at all,
    # a traceback on stderr; a 300 MB body was read into memory whole before the signature was looked at.
    bot = start_bot()
    assert raw_post(bot.url, headers, body).split(" ")[1:2] == [status]
    assert "Traceback" not in capfd.readouterr().err
    assert bot.double.calls_to("chat.postMessage") == []
    real = mention("How long do refunds take?")
    assert post_event(bot.url, real)[0] == 200
    assert "How long do refunds take?" in final_text(bot, "C1", real["event"]["ts"])


@pytest.mark.parametrize("body", [b"hello", b"\xff\xfe{}", b"[1, 2]", b"payload=not-json"])
def test_a_signed_body_that_is_no_slack_payload_gets_400(start_bot, body):
    bot = start_bot()
    headers = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" + signed(body)
    assert raw_post(bot.url, headers, body).split(" ")[1:2] == ["400"]


def test_a_body_over_the_limit_gets_413_even_when_signed(start_bot):
    bot = start_bot()
    body = json.dumps(mention("x" * MAX_BODY_BYTES)).encode()
    headers = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" + signed(body)
    assert raw_post(bot.url, headers, body).split(" ")[1:2] == ["413"]
    assert bot.double.calls_to("chat.postMessage") == []


def test_a_body_that_is_not_utf8_under_a_wrong_signature_gets_401(start_bot):
    # Checking the signature decoded the body as UTF-8 first (slack_sdk's signer does): it raised instead.
    bot = start_bot()
    headers = "Content-Type: application/json\r\nContent-Length: 4\r\n" + signed(b"{}")  # signed for another body
    assert raw_post(bot.url, headers, b"\xff\xfe{}").split(" ")[1:2] == ["401"]

"""A request body that stops arriving is a JSON 408 after BODY_STALL_SECONDS, and does not hold up a stopping server.

Before, the client waited for ever, and a SIGTERM waited web.shutdown_grace (60 s) for it, then sent it a plain-text
"Internal Server Error" and logged a CancelledError.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from web_helpers import API_KEY, start_bot

from supportbot.config import WebConfig

BODY_STALL_SECONDS = 10  # middleware.BODY_STALL_SECONDS, as docs/web.md states it

STALLED = (
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: bot\r\nAuthorization: Bearer " + API_KEY.encode()
    + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
)
TOLD = (
    f"the request body stopped arriving (1 of the 100 bytes its Content-Length announced came, then nothing for "
    f"{BODY_STALL_SECONDS:g} s): send the whole body right after the headers"
)


def _reply(sock: socket.socket) -> tuple[str, dict[str, str], dict]:
    """The status line, headers and JSON body of the one response the server sends before it closes the connection."""
    raw = b""
    while chunk := sock.recv(65536):  # the server closes the connection after it (socket.timeout: no reply)
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return status, headers, json.loads(body)


@pytest.fixture
def stalled_upload(web_bot) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", web_bot.server.socket.getsockname()[1]), timeout=BODY_STALL_SECONDS + 10)
    sock.sendall(STALLED)
    yield sock
    sock.close()


def test_a_body_that_stops_arriving_is_a_json_408_saying_what_to_send(stalled_upload):
    started = time.monotonic()
    status, headers, body = _reply(stalled_upload)
    assert status == "HTTP/1.1 408 Request Timeout" and headers["content-type"] == "application/json"
    assert body == {"error": {"message": TOLD, "type": "invalid_request_error"}}
    assert headers["connection"] == "close"  # the rest of the body, if it comes, is not read as a new request
    assert BODY_STALL_SECONDS - 1 < time.monotonic() - started < BODY_STALL_SECONDS + 5


def test_stopping_the_server_waits_for_a_stalled_body_no_longer_than_the_stall_limit(web_manager, caplog):
    bot = start_bot(web_manager, WebConfig())  # web.shutdown_grace: 60 s, what the stop used to wait
    sock = socket.create_connection(("127.0.0.1", bot.server.socket.getsockname()[1]), timeout=BODY_STALL_SECONDS + 10)
    try:
        sock.sendall(STALLED)
        time.sleep(0.5)  # the request is in, its body stalled
        started = time.monotonic()
        stopping = threading.Thread(target=bot.server.stop, args=(BODY_STALL_SECONDS + 10,))
        stopping.start()
        status, _, body = _reply(sock)
        stopping.join()
        assert status == "HTTP/1.1 408 Request Timeout" and body["error"]["message"] == TOLD
        assert not stopping.is_alive() and time.monotonic() - started < BODY_STALL_SECONDS + 5
        assert "CancelledError" not in caplog.text
    finally:
        sock.close()
        bot.server.should_exit = True

"""A request body that trickles in (a byte every few seconds, never pausing long enough to count as stalled) is a JSON
408 once it has taken BODY_DEADLINE_SECONDS, not held until the client finishes or the server stops.

Before, a client sending one byte every 9 s stayed under the 10 s stall limit for as long as its Content-Length lasted
(a 1 MB body: over 100 days), and only a stopping server's web.shutdown_grace cut it.
"""

from __future__ import annotations

import json
import socket

from web_helpers import API_KEY

BODY_DEADLINE_SECONDS = 30  # middleware.BODY_DEADLINE_SECONDS, as docs/web.md states it
BYTE_EVERY_SECONDS = 1.0  # well under the 10 s stall limit
DECLARED = 200  # at a byte a second, a body that would take over three minutes

HEAD = (
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: bot\r\nAuthorization: Bearer " + API_KEY.encode()
    + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(DECLARED).encode() + b"\r\n\r\n"
)


def _trickle_until_answered(sock: socket.socket) -> tuple[int, bytes]:
    """Send the body a byte at a time, waiting BYTE_EVERY_SECONDS for a response after each; the bytes sent and the
    response (empty when the whole body went out unanswered)."""
    body = json.dumps({"messages": [{"role": "user", "content": "x" * DECLARED}]}).encode()[:DECLARED]
    sock.settimeout(BYTE_EVERY_SECONDS)
    for sent in range(DECLARED):
        sock.sendall(body[sent:sent + 1])
        try:
            first = sock.recv(65536)
        except TimeoutError:
            continue
        sock.settimeout(10)
        raw = first
        while chunk := sock.recv(65536):  # the server closes the connection after its answer
            raw += chunk
        return sent + 1, raw
    return DECLARED, b""


def test_a_body_that_trickles_in_is_a_json_408_once_it_has_taken_the_deadline(web_bot):
    sock = socket.create_connection(("127.0.0.1", web_bot.server.socket.getsockname()[1]), timeout=10)
    try:
        sock.sendall(HEAD)
        sent, raw = _trickle_until_answered(sock)
    finally:
        sock.close()
    assert sent < DECLARED, "the server waited for the whole trickled body"
    head, _, body = raw.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    assert status == "HTTP/1.1 408 Request Timeout" and headers["content-type"] == "application/json"
    assert headers["connection"] == "close"  # the rest of the body, if it comes, is not read as a new request
    message = json.loads(body)["error"]["message"]
    assert message.startswith(f"the request body took over {BODY_DEADLINE_SECONDS} s to arrive (")
    assert f"of the {DECLARED} bytes its Content-Length announced came by then): send the whole body right after the headers" in message

"""What the events endpoint reads of a POST before bolt sees it: a bounded body, Slack's signature, then parsing.

Anyone can reach the endpoint. A body that was not UTF-8 JSON, or a `Content-Length: abc`, raised
in the request thread (a traceback on stderr, the connection dropped with no status), and an
unsigned body of any size was read into memory whole before anything was refused. Now each ends
in one status with a one-line reason: 400 for a malformed request, 413 for a body over
MAX_BODY_BYTES (not read), 401 for a bad or stale signature, checked before the body is parsed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import BinaryIO

from slack_bolt import BoltRequest

# Slack caps a message at 40,000 characters. Its largest deliveries carry one twice (an event's text and its
# rich-text blocks, or a button click's message and blocks): about 700 KiB in the worst case, CJK text
# percent-encoded at 9 bytes a character. 2 MiB leaves room for files' and attachments' metadata besides.
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_AGE_S = 300  # Slack's own limit on a signature's age, against replays


class Refusal(Exception):
    """A request the endpoint answers with `status` and a one-line reason, without bolt; `body_unread` when the
    client may still be sending it."""

    def __init__(self, status: int, reason: str, body_unread: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.body_unread = body_unread


def body_length(headers: Mapping[str, str]) -> int:
    """The declared body size, within MAX_BODY_BYTES."""
    declared = (headers.get("Content-Length") or "0").strip()
    if not declared.isdigit():
        raise Refusal(400, "Content-Length is not a number of bytes", body_unread=True)
    length = int(declared)
    if length > MAX_BODY_BYTES:
        raise Refusal(413, f"body of {length} bytes is over the limit of {MAX_BODY_BYTES}", body_unread=True)
    return length


def verified(body: bytes, headers: Mapping[str, str], signing_secret: str) -> None:
    """Slack's signature, "v0=" and the HMAC-SHA256 of "v0:TIMESTAMP:BODY", over the raw bytes: slack_sdk's
    SignatureVerifier decodes them as UTF-8 first and raises on any other body. Nothing is parsed before it."""
    if not signing_secret:
        return  # verification off (bolt's request_verification_enabled): only in tests
    timestamp, signature = headers.get("X-Slack-Request-Timestamp") or "", headers.get("X-Slack-Signature") or ""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_S:
        raise Refusal(401, "missing or stale Slack request timestamp")
    digest = hmac.new(signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(f"v0={digest}".encode(), signature.encode("latin-1", errors="replace")):
        raise Refusal(401, "missing or invalid Slack signature")


def read_request(headers: Mapping[str, str], stream: BinaryIO, query: str, signing_secret: str) -> BoltRequest:
    """The request as bolt takes it, or a Refusal."""
    body = stream.read(body_length(headers))
    verified(body, headers, signing_secret)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "body is not UTF-8") from None
    try:
        return BoltRequest(body=text, query=query, headers={key.lower(): [value] for key, value in headers.items()})
    except (ValueError, TypeError, AttributeError):  # json.loads' error is a ValueError; a JSON list is no payload
        raise Refusal(400, "body is not a Slack payload (JSON, or a form with a JSON payload)") from None

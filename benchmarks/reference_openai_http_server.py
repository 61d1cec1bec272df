# The `supportbot serve` endpoint as it was before the ASGI app replaced it (supportbot/channels/openai_api.py
# as of 2431dac), kept unchanged as the named reference for benchmarks/web.py. Not used by supportbot itself.
"""The bot as an OpenAI-compatible `/v1/chat/completions` endpoint, so any web chat widget can use it.

The endpoint answers like a model would, but the answer comes from the whole bot: retrieval over
your documents, the prompt, the conversation store. Clients of the OpenAI API resend the whole
history each turn; the bot keeps its own, so only the last user message is read, and the
conversation is named by the `user` field of the request or an `X-Conversation-Id` header (without
either, each request is a new one-shot conversation). Each response carries the id back in
`X-Conversation-Id`, and the final stream event carries the answer's sources under `supportbot`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from supportbot.bot.dialogue import DialogueManager
from supportbot.errors import MessageError

log = logging.getLogger(__name__)

MODEL_ID = "supportbot"
MAX_BODY_BYTES = 1_000_000


class OpenAIChannel:
    """Serves the dialogue manager over HTTP until stopped; conversations are stored under channel 'api'."""

    name = "api"

    def __init__(self, manager: DialogueManager, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.manager = manager
        self.host = host
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        self._ready.wait()
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def run(self) -> None:
        self._server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self._server.daemon_threads = True
        self._ready.set()
        log.info("serving %s/chat/completions", self.url)
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()


def _chunk(completion_id: str, created: int, delta: dict, finish_reason: str | None = None, extra: dict | None = None) -> dict:
    event = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return event | (extra or {})


def _supportbot_extra(reply, conversation_id: str) -> dict:
    """What the answer is and the numbered sources its citation markers name; known once the answer has ended."""
    sources = [source.to_dict() for source in reply.cited_sources()]
    return {"supportbot": {"conversation_id": conversation_id, "kind": reply.kind, "sources": sources}}


def _handler(channel: OpenAIChannel):
    manager = channel.manager

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "supportbot"
        disable_nagle_algorithm = True  # stream each piece at once

        def log_message(self, format: str, *args) -> None:
            log.debug("%s %s", self.address_string(), format % args)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._json(200, {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "supportbot"}]})
            elif self.path == "/healthz":
                self._json(200, {"status": "ok"})
            else:
                self._error(404, f"no route {self.path}: use POST /v1/chat/completions")

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._error(404, f"no route {self.path}: use POST /v1/chat/completions")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._error(413, f"request body over {MAX_BODY_BYTES} bytes")
                return
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                question = next(m["content"] for m in reversed(body["messages"]) if m.get("role") == "user")
            except (ValueError, KeyError, TypeError, StopIteration):
                self._error(400, "expected JSON with a messages list holding at least one {role: user, content: ...}")
                return
            conversation_id = self.headers.get("X-Conversation-Id") or body.get("user") or uuid.uuid4().hex
            try:
                reply = manager.reply(channel.name, str(conversation_id), str(question))
            except MessageError as error:
                self._error(400, str(error))
                return
            completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
            created = int(time.time())
            if body.get("stream"):
                self._stream(reply, completion_id, created, conversation_id)
            else:
                text = reply.text()
                self._json(
                    200,
                    {
                        "id": completion_id,
                        "object": "chat.completion",
                        "created": created,
                        "model": MODEL_ID,
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                    }
                    | _supportbot_extra(reply, conversation_id),
                    {"X-Conversation-Id": conversation_id},
                )

        def _stream(self, reply, completion_id: str, created: int, conversation_id: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("X-Conversation-Id", conversation_id)
            self.end_headers()
            try:
                self._event(_chunk(completion_id, created, {"role": "assistant"}))
                for piece in reply:
                    self._event(_chunk(completion_id, created, {"content": piece}))
                self._event(_chunk(completion_id, created, {}, "stop", _supportbot_extra(reply, conversation_id)))
                self._write(b"data: [DONE]\n\n")
                self._write(b"")
            except (BrokenPipeError, ConnectionResetError):
                reply.cancel()  # the client went away: stop generating, keep what was said
                self.close_connection = True

        def _write(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _event(self, event: dict) -> None:
            self._write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())

        def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str) -> None:
            self._json(status, {"error": {"message": message, "type": "invalid_request_error"}})

    return Handler

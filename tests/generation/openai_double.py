"""A local OpenAI-compatible server double on 127.0.0.1 for the `openai` backend's tests and benchmark.

It answers `POST /v1/chat/completions` with server-sent events, either from a real Generator (the
bundled model) or from canned pieces, and can be told to fail the next requests: an HTTP status
(429, 503), or a connection dropped after some pieces. Every request it receives is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Fault:
    """What the double does instead of answering normally: send `status`, or drop after `drop_after` pieces."""

    status: int = 0
    drop_after: int = -1
    retry_after: str | None = None
    echo_authorization: bool = False  # the error names the key it got, as OpenAI's 401 does


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class OpenAIDouble:
    """Run with `with OpenAIDouble(answer) as server:`; `server.base_url` ends in /v1."""

    answer: Callable[[list[dict], dict], Iterator[str]]
    faults: list[Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    base_url: str = ""

    def __enter__(self) -> OpenAIDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # each SSE event goes out at once, as a real server sends it

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # a client that hangs up between requests

            def do_GET(self) -> None:
                self._json(200, {"object": "list", "data": [{"id": "double", "object": "model"}]})

            def do_POST(self) -> None:
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client stopped reading: what a real server sees too

            def _answer(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                double.requests.append(RecordedRequest(self.path, dict(self.headers), body))
                fault = double.faults.pop(0) if double.faults else Fault()
                if fault.status:
                    extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    message = f"injected {fault.status}"
                    if fault.echo_authorization:
                        message = f"Incorrect API key provided: {self.headers.get('Authorization')}"
                    self._json(fault.status, {"error": {"message": message}}, extra)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close" if fault.drop_after >= 0 else "keep-alive")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for number, piece in enumerate(double.answer(body["messages"], body)):
                    if number == fault.drop_after:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # mid-stream: no terminating chunk, no [DONE]
                        self.close_connection = True
                        return
                    self._event({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
                self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                self._chunk(b"data: [DONE]\n\n")
                self._chunk(b"")

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _event(self, event: dict) -> None:
                self._chunk(f"data: {json.dumps(event)}\n\n".encode())

            def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def canned(pieces: list[str], delay_s: float = 0.0) -> Callable[[list[dict], dict], Iterator[str]]:
    """An answer function that streams fixed pieces, optionally `delay_s` apart."""

    def answer(messages: list[dict], body: dict) -> Iterator[str]:
        for piece in pieces:
            if delay_s:
                time.sleep(delay_s)
            yield piece

    return answer


def from_generator(generator) -> Callable[[list[dict], dict], Iterator[str]]:
    """An answer function backed by a real supportbot Generator, honouring max_tokens and greedy decoding."""
    from supportbot.generation.base import GenerationSettings

    def answer(messages: list[dict], body: dict) -> Iterator[str]:
        settings = GenerationSettings(max_new_tokens=body.get("max_tokens", 32), temperature=body.get("temperature", 0.0))
        yield from generator.stream(messages, settings)

    return answer

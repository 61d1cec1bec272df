"""Plain ASGI middleware: request ids for the logs, a cap on request bodies (their size, how long they may stall and how
long they may take),
a JSON 500 for any exception nothing else answered, HEAD served as GET, and every response counted."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid

from prometheus_client import Counter
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from supportbot.channels.web.schemas import error_body
from supportbot.observability import log_context

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # anything else (too long, odd characters) is replaced, not logged
# Seconds a request body may pause before it is a 408. Clients send their JSON (at most web.max_body_bytes) right
# after the headers, so a pause means a lost packet or a client that stopped: TCP resends a lost one within about
# 7 s even after two more losses (1 + 2 + 4 s), and 10 s is a sixth of web.shutdown_grace's 60, so a stopping
# server waits at most that long on an upload that never comes (uvicorn has no such timeout, and waited forever).
BODY_STALL_SECONDS = 10.0
# Seconds a whole request body may take, however steadily it trickles: a client sending a byte every 9 s never stalls,
# and held its request (and a stopping server) until web.shutdown_grace. 30 s carries web.max_body_bytes (1 MB) over
# any link faster than about 270 kbit/s, and the widget's largest question (4,000 characters, under 16 KB of JSON) at
# 550 bytes/s, far below any mobile uplink; and it is half of web.shutdown_grace's 60, so a stopping server waits at
# most that long on an upload.
BODY_DEADLINE_SECONDS = 30.0


async def send_json(send: Send, status: int, body: dict) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class RequestIds:
    """Every log line written for a request names it: the caller's X-Request-Id (a proxy's), else a new one, sent back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]}
            await send(message)

        with log_context(request_id=request_id):
            await self.app(scope, receive, with_id)


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing passes it on as it is (413) instead of calling it a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over {limit} bytes (web.max_body_bytes)")


def _came(received: int, declared: bytes) -> str:
    return f"{received} of the {int(declared)} bytes its Content-Length announced" if declared.isdigit() else f"{received} bytes"


class BodyStalled(HTTPException):
    """408 for a body that stopped arriving; the connection closes, as the rest of the body may still come on it."""

    def __init__(self, received: int, declared: bytes, stall: float) -> None:
        super().__init__(
            408,
            f"the request body stopped arriving ({_came(received, declared)} came, then nothing for {stall:g} s): "
            "send the whole body right after the headers",
            headers={"Connection": "close"},
        )


class BodyTooSlow(HTTPException):
    """408 for a body still arriving at the deadline (it trickles in); the connection closes, as BodyStalled's does."""

    def __init__(self, received: int, declared: bytes, deadline: float) -> None:
        super().__init__(
            408,
            f"the request body took over {deadline:g} s to arrive ({_came(received, declared)} came by then): "
            "send the whole body right after the headers",
            headers={"Connection": "close"},
        )


class BodyLimit:
    """413 for a body over `limit` bytes, whether its Content-Length says so or its chunks add up to it; 408 for one
    that pauses `stall` seconds before its end, or has not ended `deadline` seconds after the request came in."""

    def __init__(self, app: ASGIApp, limit: int, stall: float = BODY_STALL_SECONDS, deadline: float = BODY_DEADLINE_SECONDS) -> None:
        self.app = app
        self.limit = limit
        self.stall = stall
        self.deadline = deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            error = BodyTooLarge(self.limit)
            await send_json(send, 413, error_body(error.detail, "request_too_large"))
            return
        received = 0
        complete = False
        loop = asyncio.get_running_loop()
        ends = loop.time() + self.deadline

        async def counted() -> Message:
            nonlocal received, complete
            if complete:  # after the body only a disconnect comes, which a streamed answer waits for as long as it runs
                return await receive()
            left = ends - loop.time()
            try:
                message = await asyncio.wait_for(receive(), min(self.stall, max(left, 0)))
            except TimeoutError:
                if left <= self.stall:
                    log.warning("%s %s: the request body was still arriving after %g s (%d bytes): answered 408",
                                scope.get("method"), scope.get("path"), self.deadline, received)
                    raise BodyTooSlow(received, declared, self.deadline) from None
                log.warning("%s %s: the request body stalled after %d bytes: answered 408", scope.get("method"), scope.get("path"), received)
                raise BodyStalled(received, declared, self.stall) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            received += len(message.get("body", b""))
            if received > self.limit:
                raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)


class JsonErrors:
    """An exception no handler took becomes a logged JSON 500 inside the CORS layer, so a browser can read it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if started:
                raise  # the status line is out: let the server close the connection
            await send_json(send, 500, error_body("the server failed to answer; the error is in its log", "server_error"))


class HeadAsGet:
    """HEAD is GET without the body (RFC 9110): FastAPI's routes take only the methods they name, so every GET route
    (/healthz, /readyz, /widget.js...) would refuse the HEAD uptime checkers send."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}  # the headers still describe the body a GET gets
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class CountedResponses:
    """Counts every response by route and status (supportbot_http_responses_total), the 500s of JsonErrors included,
    so an operator can alert on errors from the metrics alone."""

    def __init__(self, app: ASGIApp, counter: Counter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                # the route the router picked (it writes it into the scope): its path, never the one asked for, which
                # anyone can vary without end; none for a 404, or a body refused before routing (BodyLimit)
                route = getattr(scope.get("route"), "path", "unmatched")
                self.counter.labels(route, str(message["status"])).inc()
            await send(message)

        await self.app(scope, receive, counted)

"""The ASGI app behind `supportbot serve`: the OpenAI-compatible API, the widget's routes and files, health checks.

FastAPI, because its request and response models (schemas.py) both check what comes in and are the
OpenAPI document at /openapi.json, so the document cannot drift from the code; it is Starlette
underneath (CORS middleware, streaming responses) and pydantic is already in the dependency tree.

`create_app` is where routes and middleware are added: the routers (completions, conversations)
and the health and static routes below; metrics or logging middleware go next to BodyLimit.
Every GET route answers HEAD too (uptime checkers send it), as Starlette's own routes do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from supportbot.bot.dialogue import DialogueManager
from supportbot.channels.web.access import Gate, MeteredRefusals, RefusalCounter, RefusalCounts
from supportbot.channels.web.answers import AnswerSlots
from supportbot.channels.web.completions import completions_router
from supportbot.channels.web.context import CHANNEL, WebContext
from supportbot.channels.web.conversations import conversations_router
from supportbot.channels.web.handoff import SlackHandoff
from supportbot.channels.web.middleware import BodyLimit, CountedResponses, HeadAsGet, JsonErrors, RequestIds
from supportbot.channels.web.parameters import OPENAI_PARAMETER
from supportbot.channels.web.schemas import TOKEN_HEADER, ApiError, error_body, shown
from supportbot.channels.web.sessions import ApiKeys, ConversationTokens, RateLimiter
from supportbot.config import WebConfig
from supportbot.errors import StoreError
from supportbot.observability import METRICS_PATH

log = logging.getLogger(__name__)

STATIC_FILES = {"widget.js": "text/javascript; charset=utf-8", "widget.css": "text/css; charset=utf-8"}
# How long /readyz waits for the store: under the 1 s a prober often allows (Kubernetes' default), so its 503 arrives.
STORE_PROBE_SECONDS = 0.5


def _validation_message(error: RequestValidationError, request: Request) -> str:
    first = error.errors()[0]
    if first.get("type") == "json_invalid":
        return f"the body is not valid JSON ({first.get('ctx', {}).get('error', 'decode error')})"
    if tuple(first.get("loc", ())) == ("body",) and first.get("type") == "missing":
        return "the request has no body: send JSON with Content-Type: application/json (see /openapi.json)"
    if isinstance(first.get("input"), bytes):  # not read as JSON: curl -d sends a form's type, some clients none
        sent = request.headers.get("content-type") or "none"
        return f"send the body as JSON with the header Content-Type: application/json (this request's Content-Type: {sent})"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    if first.get("type") == OPENAI_PARAMETER:  # its message says what was sent and what to send
        return f"{where}: {first.get('msg')}"
    given = f", not {shown(first.get('input'))}" if first.get("type") != "missing" else ""  # a missing field's input is its parent
    return f"{where}: {first.get('msg', 'invalid')}{given} (see /openapi.json)"


def _unreadable_body(error: HTTPException) -> str | None:
    """What to fix when FastAPI could not parse the body (its message, "There was an error parsing the body", says neither)."""
    cause = error.__cause__
    if isinstance(cause, UnicodeDecodeError):
        return f"the body is not UTF-8 (byte {cause.start} is 0x{cause.object[cause.start]:02x}): send JSON encoded as UTF-8"
    if isinstance(cause, RecursionError):
        return "the body's JSON is nested too deeply to read: send the shape /openapi.json gives for this route"
    return None


def _allowed_methods(request: Request, error: HTTPException) -> str:
    """The methods served at this path: from the API description, which has every route on it (Starlette's Allow
    names one route's), else from Allow (the widget's files and /metrics are left out of the description)."""
    described = request.app.openapi()["paths"].get(request.url.path, {})
    methods = [method.upper() for method in described] or (error.headers or {}).get("Allow", "").split(", ")
    return " or ".join(method for method in methods if method not in ("", "HEAD")) or "another method"


def _with_head(headers: dict[str, str] | None) -> dict[str, str] | None:
    """A 405's Allow naming HEAD wherever it names GET (HeadAsGet serves it; FastAPI's routes list only GET)."""
    allowed = (headers or {}).get("Allow", "").split(", ")
    if "GET" not in allowed or "HEAD" in allowed:
        return headers
    return {**(headers or {}), "Allow": ", ".join([*allowed, "HEAD"])}


def _add_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), error.status, headers=error.headers)

    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        message = str(error.detail)
        if error.status_code == 404:
            message = f"no route {request.method} {request.url.path} (see /openapi.json)"
        elif error.status_code == 405:
            message = f"{request.method} is not served at {request.url.path}: send {_allowed_methods(request, error)} (see /openapi.json)"
        elif error.status_code == 400:
            message = _unreadable_body(error) or message
        kind = {413: "request_too_large", 404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "invalid_request_error")
        return JSONResponse(error_body(message, kind), error.status_code, headers=_with_head(getattr(error, "headers", None)))

    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(_validation_message(error, request), "invalid_request_error"), 400)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)


class StoreProbe:
    """Whether the conversation store answers now, for /readyz; the log says when that changes, and why.

    A store that cannot be reached fails every customer's request, so the instance should get none; but a
    probe must answer within its prober's timeout whatever the store does, and cost the store little when it
    is fine. So: one round trip on a pooled connection (no new connection per probe), waiting at most
    `timeout`; one probe at a time, so a store that hangs holds one thread, not one per probe (a SQLite file has
    nothing to reach: its ping always answers).
    """

    def __init__(self, ping: Callable[[float], None], timeout: float = STORE_PROBE_SECONDS) -> None:
        self._ping = ping
        self._timeout = timeout
        self._one_at_a_time = threading.Lock()
        self._answered = True

    def answers(self) -> bool:
        if not self._one_at_a_time.acquire(timeout=self._timeout):
            return self._changed(False, f"the last check of the store has not come back in {self._timeout:g} s")
        try:
            self._ping(self._timeout)
        except StoreError as error:
            return self._changed(False, str(error))
        finally:
            self._one_at_a_time.release()
        return self._changed(True, "")

    def _changed(self, answers: bool, why: str) -> bool:
        if answers != self._answered:
            if answers:
                log.info("the conversation store answers again: /readyz says ready")
            else:
                log.warning("the conversation store does not answer (%s): /readyz says store_unreachable", why)
        self._answered = answers
        return answers


def _add_health_routes(app: FastAPI, web: WebContext) -> None:
    store = StoreProbe(web.manager.store.database.ping)

    @app.get("/healthz", tags=["health"])
    def alive() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "Still loading, failed to load, or the store does not answer."}})
    def ready() -> JSONResponse:
        """The index and the model are loaded and the conversation store answers: answers can start.

        A plain `def`, so the store check runs on a worker thread, never on the event loop."""
        build = {"index_build": web.manager.index_build}  # which index build answers (a rebuild is picked up live)
        if web.warm_up_error:
            return JSONResponse({"status": "failed", "error": web.warm_up_error, **build}, 503)
        if not web.ready.is_set():
            return JSONResponse({"status": "loading", **build}, 503)
        if not store.answers():
            return JSONResponse({"status": "store_unreachable", **build}, 503)
        return JSONResponse({"status": "ready", **build})

    @app.get(METRICS_PATH, include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics (see docs/operations.md); keep this path to your network at the proxy."""
        body, content_type = web.manager.metrics.exposition()
        return Response(body, media_type=content_type)


def _add_widget_files(app: FastAPI) -> None:
    folder = resources.files("supportbot.channels.web") / "static"
    files = {name: (folder / name).read_bytes() for name in STATIC_FILES}

    def route(name: str):
        def serve_file() -> Response:
            return Response(files[name], media_type=STATIC_FILES[name], headers={"Cache-Control": "public, max-age=300"})

        return serve_file

    for name in STATIC_FILES:
        app.add_api_route(f"/{name}", route(name), methods=["GET"], include_in_schema=False)


def create_app(
    manager: DialogueManager,
    config: WebConfig,
    tokens: ConversationTokens,
    keys: ApiKeys,
    *,
    handoff: SlackHandoff | None = None,
    refusals: RefusalCounter | None = None,
    warm_up: bool = True,
) -> FastAPI:
    """The app for `manager`, signing conversation tokens with `tokens` and admitting the callers `keys` name.

    The model loads in the background after startup (`/readyz` says when); `warm_up=False` marks
    the bot ready at once, for a manager that is already warm.
    """
    refusals = MeteredRefusals(refusals or RefusalCounts(), manager.metrics, CHANNEL)
    gate = Gate(config, keys, tokens, RateLimiter(), refusals)
    slots = AnswerSlots(config.max_concurrent_answers, config.max_waiting_answers, config.max_wait)
    if handoff is not None:  # the page's address masked as the customer's words are (privacy.redact_stored)
        handoff = handoff.masking_pages(manager.as_stored)
    web = WebContext(manager, config, tokens, gate, slots, refusals, handoff)
    # waiting for a slot, or for the answer before theirs in their conversation
    manager.metrics.queue_depth.labels(CHANNEL).set_function(lambda: slots.queued + web.turns.waiting)

    def load() -> None:
        try:
            manager.warm_up()
        except Exception as error:
            log.exception("the bot could not load")
            web.warm_up_error = str(error)
            return
        web.ready.set()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            threading.Thread(target=load, name="supportbot-warm-up", daemon=True).start()
        else:
            web.ready.set()
        yield
        web.executor.shutdown(wait=False)  # the server has let answers in progress finish by now

    app = FastAPI(title="supportbot", summary="A support bot that answers from your documents, with sources.",
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    _add_error_handlers(app)
    _add_health_routes(app, web)
    app.include_router(completions_router(web))
    app.include_router(conversations_router(web))
    if config.widget:
        _add_widget_files(app)
    app.add_middleware(BodyLimit, limit=config.max_body_bytes)
    app.add_middleware(JsonErrors)
    app.add_middleware(CountedResponses, counter=manager.metrics.http_responses)
    app.add_middleware(RequestIds)
    if config.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.allowed_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", TOKEN_HEADER],  # not Authorization: API keys stay on servers
            max_age=600,
        )
    app.add_middleware(HeadAsGet)
    return app

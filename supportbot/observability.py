"""What a support team watches: Prometheus metrics, and logs (JSON lines with ids, personal data masked).

Metrics live in a registry per `Metrics` object (one per running bot), not in the global one, so
two bots in one process (tests, benchmarks) never collide. Channels name the request and the
conversation they are working on with `log_context`; every log line written meanwhile carries both.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest
from prometheus_client.exposition import start_http_server

from supportbot.privacy import redact

METRICS_PATH = "/metrics"
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_conversation_id: contextvars.ContextVar[str] = contextvars.ContextVar("conversation_id", default="")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
RATE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class FinishedAnswer(Protocol):
    """What the metrics read from a finished Reply (bot/reply.py)."""

    kind: str
    prompt: Any
    started_at: float
    first_token_at: float | None
    piece_count: int
    dropped_sentences: int


class Metrics:
    """The bot's Prometheus metrics: answers, latencies, feedback, handoffs, queue, refusals, live index, HTTP responses."""

    def __init__(self) -> None:
        registry = self.registry = CollectorRegistry()
        self.answers = Counter(
            "supportbot_answers",
            "Answers by channel and kind: generated, grounded (every sentence supported), grounded-dropped (some of the "
            "model's sentences dropped as unsupported), extractive, approved, fallback, error.",
            ["channel", "kind"], registry=registry,
        )
        self.dropped_sentences = Counter(
            "supportbot_grounded_dropped_sentences", "The model's sentences not shown because the sources did not support them.",
            ["channel"], registry=registry,
        )
        self.retrieval_seconds = Histogram(
            "supportbot_retrieval_seconds", "Time to retrieve the sources of one question.", buckets=LATENCY_BUCKETS, registry=registry
        )
        self.first_token_seconds = Histogram(
            "supportbot_first_token_seconds", "From the question to the model's first piece of answer.",
            ["channel"], buckets=LATENCY_BUCKETS, registry=registry,
        )
        self.answer_seconds = Histogram(
            "supportbot_answer_seconds", "From the question to the whole answer, by kind.", ["channel", "kind"],
            buckets=LATENCY_BUCKETS, registry=registry,
        )
        self.tokens_per_second = Histogram(
            "supportbot_generation_tokens_per_second",
            "Streamed pieces per second after the first (a piece is a token for llama_cpp and openai, about a word for transformers).",
            buckets=RATE_BUCKETS, registry=registry,
        )
        self.feedback = Counter("supportbot_feedback", "Ratings of answers, up or down.", ["channel", "rating"], registry=registry)
        self.handoffs = Counter(
            "supportbot_handoffs", "Handoffs to a person: 'started', or 'failed' (the team could not be told).",
            ["channel", "outcome"], registry=registry,
        )
        self.queue_depth = Gauge("supportbot_queue_depth", "Accepted questions waiting for a worker.", ["channel"], registry=registry)
        self.refused = Counter(
            "supportbot_refused_requests", "Requests refused, by reason: a rate limit (rate_limit_ip, _session, _key; web) or busy (web, Slack).",
            ["channel", "reason"], registry=registry,
        )
        self.index = Info("supportbot_index", "The index build the bot answers from.", registry=registry)
        self.http_responses = Counter(
            "supportbot_http_responses",
            "Responses of `supportbot serve` by route (the path it is served at, as /v1/chat/completions; 'unmatched' for "
            "a 404, or a body refused before routing) and status code; "
            "a 5xx is a failure the log explains.",
            ["route", "status"], registry=registry,
        )

    def answered(self, channel: str, reply: FinishedAnswer) -> None:
        """Count a finished answer and observe how long it took."""
        now = time.perf_counter()
        kind = str(reply.kind)
        if kind == "grounded" and reply.dropped_sentences:
            kind = "grounded-dropped"
        self.answers.labels(channel, kind).inc()
        if reply.dropped_sentences:
            self.dropped_sentences.labels(channel).inc(reply.dropped_sentences)
        self.answer_seconds.labels(channel, kind).observe(now - reply.started_at)
        if reply.prompt is None or reply.first_token_at is None:
            return  # not written by the model: no first token or generation rate to speak of
        self.first_token_seconds.labels(channel).observe(reply.first_token_at - reply.started_at)
        if reply.piece_count > 1 and now > reply.first_token_at:
            self.tokens_per_second.observe((reply.piece_count - 1) / (now - reply.first_token_at))

    def exposition(self) -> tuple[bytes, str]:
        """The body and content type of a /metrics response."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def serve(self, host: str, port: int) -> int:
        """Serve /metrics on a port of its own (the console, Slack in Socket Mode); the port it got."""
        server, _ = start_http_server(port, host, registry=self.registry)
        return int(server.server_address[1])


# logs


@contextmanager
def log_context(request_id: str | None = None, conversation_id: str | None = None) -> Iterator[None]:
    """Every log line written inside the block (in this thread) names this request and conversation."""
    tokens = []
    if request_id is not None:
        tokens.append((_request_id, _request_id.set(request_id)))
    if conversation_id is not None:
        tokens.append((_conversation_id, _conversation_id.set(conversation_id)))
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


class TextFormatter(logging.Formatter):
    """Plain lines for a terminal, personal data masked."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request and conversation ids, error; personal data masked."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": _request_id.get(),
            "conversation_id": _conversation_id.get(),
        }
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure_logging(verbose: bool = False, format: str = "text") -> None:
    """Log to stderr: supportbot at INFO (DEBUG with `verbose`), libraries at WARNING; `format` 'text' or 'json'."""
    handler = logging.StreamHandler(sys.stderr)
    if format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("supportbot").setLevel(logging.DEBUG if verbose else logging.INFO)

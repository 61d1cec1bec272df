"""Each /v1 request's caller: an API key, or a browser holding (or about to get) a conversation token; rate-limited.

A caller with an API key is limited per key; anyone else per IP address and, with a token, per
conversation. A refused request is counted by `RefusalCounter.refused(reason)` so metrics can hook in.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from supportbot.channels.web.schemas import TOKEN_HEADER, ApiError
from supportbot.channels.web.sessions import (
    API_KEYS_ENV,
    ApiKeys,
    ConversationToken,
    ConversationTokens,
    RateLimiter,
    TokenError,
)
from supportbot.config import WebConfig
from supportbot.observability import Metrics

NEW_SESSION_HINT = "start a new conversation (POST /v1/sessions)"
# A key holder's tokens come from its chat completions, where X-Conversation-Id or `user` names a conversation again.
NEW_KEY_HOLDER_TOKEN_HINT = (
    "ask POST /v1/chat/completions without it (X-Conversation-Id or user names the conversation again) and send "
    f"supportbot.conversation_token from the response in {TOKEN_HEADER}"
)


class RefusalCounter(Protocol):
    """Told about each refused request: 'rate_limit_ip', 'rate_limit_session', 'rate_limit_key' or 'busy'."""

    def refused(self, reason: str) -> None: ...


class RefusalCounts:
    """Refusals counted in memory (the default RefusalCounter)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def refused(self, reason: str) -> None:
        self.counts[reason] += 1


class MeteredRefusals:
    """Counts each refusal in the bot's metrics (supportbot_refused_requests_total) and tells `inner` too."""

    def __init__(self, inner: RefusalCounter, metrics: Metrics, channel: str) -> None:
        self.inner = inner
        self.metrics = metrics
        self.channel = channel

    def refused(self, reason: str) -> None:
        self.metrics.refused.labels(self.channel, reason).inc()
        self.inner.refused(reason)


@dataclass(frozen=True)
class Caller:
    """Who is asking: `key_name` for an API key (None for a browser), `token` when one was sent."""

    key_name: str | None
    token: ConversationToken | None

    def who(self) -> str:
        """How the store names this caller as a rater or handoff requester (never an address or a key)."""
        return f"key:{self.key_name}" if self.key_name else "visitor"

    def conversation(self) -> str:
        """The conversation the token names; 401 without one."""
        if self.token is None:
            raise ApiError(401, self._no_token_hint(), "authentication_error")
        return self.token.conversation_id

    def _no_token_hint(self) -> str:
        # A key holder names its conversations (X-Conversation-Id, `user`) only when asking; a new session would be
        # another, empty conversation. Its token comes back with every answer.
        if self.key_name is not None:
            return (
                f"send the conversation's token in {TOKEN_HEADER}: supportbot.conversation_token from the chat completion's "
                "response (X-Conversation-Id and user name a conversation only in POST /v1/chat/completions)"
            )
        return f"send the conversation's token in {TOKEN_HEADER}, or {NEW_SESSION_HINT}"


class Gate:
    """A FastAPI dependency: checks the caller's credentials and rate limits, and returns the Caller."""

    def __init__(self, config: WebConfig, keys: ApiKeys, tokens: ConversationTokens, limiter: RateLimiter, refusals: RefusalCounter):
        self.config = config
        self.keys = keys
        self.tokens = tokens
        self.limiter = limiter
        self.refusals = refusals

    def _limit(self, client: str, limit: int, scope: str) -> None:
        wait = self.limiter.check(client, limit)
        if wait:
            self.refusals.refused(f"rate_limit_{scope}")
            raise ApiError(
                429,
                f"too many requests (over {limit} a minute per {scope}): retry in {math.ceil(wait)} s",
                "rate_limit_exceeded",
                {"Retry-After": str(math.ceil(wait))},
            )

    def __call__(self, request: Request) -> Caller:
        address = request.client.host if request.client else "unknown"
        key_name = None
        authorization = request.headers.get("authorization", "")
        if authorization:
            scheme, _, presented = authorization.partition(" ")
            key_name = self.keys.name_for(presented.strip()) if scheme.lower() == "bearer" else None
            if key_name is None:
                self._limit(f"ip:{address}", self.config.rate_limit_per_ip, "ip")  # guessing keys costs the guesser's IP
                raise ApiError(401, f"the API key is not valid: send Authorization: Bearer <a key from {API_KEYS_ENV}>", "authentication_error")
            self._limit(f"key:{key_name}", self.config.rate_limit_per_key, "key")
        else:
            self._limit(f"ip:{address}", self.config.rate_limit_per_ip, "ip")
        token = None
        if raw := request.headers.get(TOKEN_HEADER, ""):
            try:
                token = self.tokens.verify(raw)
            except TokenError as error:
                hint = NEW_SESSION_HINT if key_name is None else NEW_KEY_HOLDER_TOKEN_HINT
                raise ApiError(401, f"{error}: {hint}", "invalid_token") from None
            if key_name is None:
                self._limit(f"session:{token.conversation_id}", self.config.rate_limit_per_session, "session")
        return Caller(key_name, token)

"""Who may talk to which conversation: signed conversation tokens, API keys, and per-client rate limits.

Secrets come only from the environment and are never logged or shown in an error:
WEBCHAT_SESSION_SECRET signs tokens, WEBCHAT_API_KEYS holds the keys of server-to-server callers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from supportbot.errors import ConfigError

log = logging.getLogger(__name__)

SESSION_SECRET_ENV = "WEBCHAT_SESSION_SECRET"
API_KEYS_ENV = "WEBCHAT_API_KEYS"
MIN_SECRET_CHARS = 32
MIN_KEY_CHARS = 20
TOKEN_VERSION = "v1"
_KEY_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class TokenError(Exception):
    """A conversation token that is malformed, forged or expired; `str()` says which, never the token."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class ConversationToken:
    conversation_id: str
    expires_at: float


class ConversationTokens:
    """Issues and checks `v1.<conversation id>.<expiry>.<HMAC-SHA256>` tokens.

    The conversation id inside is readable but cannot be changed without the secret, so a client
    reaches only the conversations whose tokens it was given.
    """

    def __init__(self, secret: bytes, ttl_seconds: float, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ConfigError(f"{SESSION_SECRET_ENV} is too short: use at least {MIN_SECRET_CHARS} random characters (the value is not shown)")
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    @classmethod
    def from_env(cls, environ: Mapping[str, str], ttl_seconds: float) -> ConversationTokens:
        secret = environ.get(SESSION_SECRET_ENV, "").strip()
        if not secret:
            log.warning(
                "%s is not set: conversation tokens are signed with a random key and end when the server stops; "
                "set it to %d+ random characters (python -c 'import secrets; print(secrets.token_hex(32))')",
                SESSION_SECRET_ENV,
                MIN_SECRET_CHARS,
            )
            return cls(secrets.token_bytes(32), ttl_seconds)
        return cls(secret.encode("utf-8"), ttl_seconds)

    def _signature(self, body: str) -> str:
        return _b64(hmac.new(self._secret, body.encode("ascii"), hashlib.sha256).digest())

    def named_conversation_id(self, key_name: str, name: str) -> str:
        """The stored id of the conversation an API key holder names: the key's name and a keyed hash of the name.

        Callers name conversations after their users, often by email address; the id is stored, exported and
        readable inside the token, so it keeps the name out. The same name reaches the same conversation for as
        long as the secret stays the same (one secret to keep: a deployment already shares this one).
        """
        digest = hmac.new(self._secret, f"conversation name\0{key_name}\0{name}".encode(), hashlib.sha256).digest()
        return f"{key_name}:{_b64(digest[:18])}"

    def new_conversation_id(self) -> str:
        return secrets.token_urlsafe(16)

    def issue(self, conversation_id: str) -> tuple[str, float]:
        """A token for `conversation_id` and when it expires (seconds since the epoch)."""
        expires_at = int(self._clock() + self.ttl_seconds)
        body = f"{TOKEN_VERSION}.{_b64(conversation_id.encode('utf-8'))}.{expires_at}"
        return f"{body}.{self._signature(body)}", float(expires_at)

    def verify(self, token: str) -> ConversationToken:
        """The token's conversation, or TokenError."""
        if not token.isascii():
            raise TokenError("the conversation token is malformed")
        version, _, rest = token.partition(".")
        encoded_id, _, rest = rest.partition(".")
        expiry, _, signature = rest.partition(".")
        if version != TOKEN_VERSION or not encoded_id or not expiry.isdigit() or not signature:
            raise TokenError("the conversation token is malformed")
        body = f"{version}.{encoded_id}.{expiry}"
        if not hmac.compare_digest(signature.encode("ascii"), self._signature(body).encode("ascii")):
            raise TokenError("the conversation token's signature does not match")
        if int(expiry) < self._clock():
            raise TokenError("the conversation token has expired")
        try:
            conversation_id = _unb64(encoded_id).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TokenError("the conversation token is malformed") from None
        return ConversationToken(conversation_id, float(expiry))


class ApiKeys:
    """Named keys of server-to-server callers (`name=key,...` or `key,...` in WEBCHAT_API_KEYS)."""

    def __init__(self, keys: Mapping[str, str]) -> None:
        self._keys = {name: key.encode("utf-8") for name, key in keys.items()}

    def __repr__(self) -> str:  # the keys themselves must never reach a log
        return f"ApiKeys(names={sorted(self._keys)})"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ApiKeys:
        keys: dict[str, str] = {}
        entries = [entry.strip() for entry in environ.get(API_KEYS_ENV, "").split(",") if entry.strip()]
        for position, entry in enumerate(entries, start=1):
            name, has_name, key = entry.partition("=")
            if not has_name:
                name, key = f"key{position}", entry
            if not _KEY_NAME_RE.match(name):
                raise ConfigError(f"{API_KEYS_ENV}: entry {position} has a bad name: use letters, digits, '-' or '_' before '='")
            if len(key) < MIN_KEY_CHARS:
                raise ConfigError(
                    f"{API_KEYS_ENV}: the key of entry {position} ({name}) is shorter than {MIN_KEY_CHARS} characters "
                    "(the value is not shown)"
                )
            if name in keys:
                raise ConfigError(f"{API_KEYS_ENV}: the name {name} is used twice")
            # One key under two names would be logged and stored under whichever name happened to match.
            if same := next((other for other, known in keys.items() if known == key), None):
                raise ConfigError(
                    f"{API_KEYS_ENV}: {same} and {name} have the same key: give each caller a key of its own (the value is not shown)"
                )
            keys[name] = key
        return cls(keys)

    def name_for(self, presented: str) -> str | None:
        """The name of the key `presented` is, compared in constant time with every key; None if none."""
        presented_bytes = presented.encode("utf-8")
        found = None
        for name, key in self._keys.items():
            if hmac.compare_digest(presented_bytes, key):
                found = name
        return found


class RateLimiter:
    """At most `limit` requests per client in any `window` seconds (a sliding log: the 61st in a minute waits)."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic, max_clients: int = 100_000) -> None:
        self.window = window
        self._clock = clock
        self._max_clients = max_clients
        self._log: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, limit: int) -> float:
        """Count a request from `client`: 0 if allowed, else the seconds until it would be (nothing counted)."""
        if limit <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            times = self._log.setdefault(client, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= limit:
                return max(times[0] + self.window - now, 0.001)
            times.append(now)
            if len(self._log) > self._max_clients:
                self._forget_idle(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, times in self._log.items() if not times or times[-1] <= now - self.window]:
            del self._log[client]

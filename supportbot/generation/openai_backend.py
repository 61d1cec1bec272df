"""Generation through any OpenAI-compatible endpoint (vLLM, TGI, llama.cpp's server, Ollama, OpenAI).

This is how supportbot scales past one machine: the model runs on a serving cluster and the bot
streams from `POST {base_url}/chat/completions`. Only what every such server accepts is sent
(model, messages, max_tokens, temperature, top_p, stream), so `repetition_penalty` is left to the server.

Token counts decide what fits in the prompt. With `tokenizer` set they are exact; otherwise they are
estimated for a byte-level BPE tokenizer (GPT-2 style, Llama 3, Qwen, SmolLM2), erring high: a token
per 3 letters or spaces (English averages 4 to 5 characters per token), a token per digit or
punctuation mark, and a token per byte of non-ASCII text (such tokenizers can spend one per byte on
scripts they saw little of). A prompt that fits by the estimate fits the server's window.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from supportbot.errors import BackendError, ConfigError, ModelLoadError
from supportbot.generation.base import ChatMessage, GenerationSettings
from supportbot.generation.transformers_backend import chat_prompt_ids, truncate_tokens
from supportbot.model_sources import resolve_reference

log = logging.getLogger(__name__)

DEFAULT_CONTEXT_WINDOW = 4096
LETTERS_PER_TOKEN_ESTIMATE = 3
TOKENS_PER_MESSAGE_ESTIMATE = 6  # role markers and separators: ChatML and Llama 3 templates add 5
RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
MAX_BACKOFF_S = 30.0
# What a key looks like in an error body (the group keeps the word "Bearer"); quotes and commas end it, as in JSON.
_SECRET_SHAPES = re.compile(r"""(Bearer\s+)[^\s"',;]+|\bsk-[\w-]+""", re.IGNORECASE)


def estimate_tokens(text: str) -> int:
    """Tokens `text` may take in a byte-level BPE tokenizer, erring high (see the module docstring)."""
    letters = other_ascii = non_ascii_bytes = 0
    for char in text:
        if char.isascii():
            if char.isalpha() or char == " ":
                letters += 1
            else:
                other_ascii += 1
        else:
            non_ascii_bytes += len(char.encode("utf-8"))
    return math.ceil(letters / LETTERS_PER_TOKEN_ESTIMATE) + other_ascii + non_ascii_bytes


class _Retry(Exception):
    """A failure before the answer started: worth another attempt after `delay` seconds."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after")
    try:
        return min(MAX_BACKOFF_S, max(0.0, float(value))) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class OpenAIGenerator:
    """Streams answers from an OpenAI-compatible `/chat/completions` endpoint; the HTTP client opens on first use."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str = "",
        request_timeout: float = 60.0,
        max_retries: int = 3,
        context_window: int = 0,
        tokenizer: str = "",
        backoff_s: float = 0.5,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"model.base_url: '{base_url}' is not an http(s) URL: use e.g. http://127.0.0.1:8000/v1")
        if request_timeout <= 0 or max_retries < 0:
            raise ConfigError("model.request_timeout must be > 0 and model.max_retries >= 0")
        self.base_url = base_url.rstrip("/")
        self.model_name = model
        self.api_key_env = api_key_env
        self.request_timeout = request_timeout
        self.max_retries = max_retries
        self.requested_context_window = context_window
        self.tokenizer_reference = tokenizer
        self.backoff_s = backoff_s
        self._client = None
        self._tokenizer = None
        self._reachable = False
        self._lock = threading.Lock()

    # -- setup -----------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise ConfigError(
                    f"model.api_key_env names ${self.api_key_env}, which is not set: export it, or set api_key_env = \"\""
                )
            headers["Authorization"] = f"Bearer {key}"
        return headers

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                import httpx

                timeout = httpx.Timeout(self.request_timeout, connect=min(10.0, self.request_timeout))
                self._client = httpx.Client(timeout=timeout, headers={"User-Agent": "supportbot"})
            return self._client

    def _load_tokenizer(self):
        from transformers import AutoTokenizer

        resolved = resolve_reference(self.tokenizer_reference)
        try:
            if resolved.endswith(".gguf"):
                return AutoTokenizer.from_pretrained(str(Path(resolved).parent), gguf_file=Path(resolved).name)
            return AutoTokenizer.from_pretrained(resolved)
        except (OSError, ValueError) as error:
            raise ModelLoadError(
                f"model.tokenizer: cannot load '{self.tokenizer_reference}' ({str(error).splitlines()[0]}): "
                "point it at a local tokenizer folder or .gguf, or leave it empty to estimate token counts"
            ) from error

    def warm_up(self) -> None:
        """Check the key variable and that the server answers at all; load the local tokenizer if configured."""
        import httpx

        headers = self._headers()  # fail early on a missing API key variable
        if self.tokenizer_reference and self._tokenizer is None:
            self._tokenizer = self._load_tokenizer()
        if not self._reachable:
            try:
                self.client.get(f"{self.base_url}/models", headers=headers, timeout=min(5.0, self.request_timeout))
            except httpx.TransportError as error:
                raise BackendError(
                    f"cannot reach {self.base_url} ({error.__class__.__name__}: {error}): start the server, "
                    "or fix model.base_url"
                ) from None
            self._reachable = True  # any HTTP answer will do: some servers have no /models

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- token budget ----------------------------------------------------------------------------

    @property
    def context_window(self) -> int:
        return self.requested_context_window if self.requested_context_window > 0 else DEFAULT_CONTEXT_WINDOW

    def count_tokens(self, messages: Sequence[ChatMessage]) -> int:
        if self.tokenizer_reference:
            self.warm_up()
            return len(chat_prompt_ids(self._tokenizer, messages))
        return sum(TOKENS_PER_MESSAGE_ESTIMATE + estimate_tokens(m["content"]) for m in messages) + TOKENS_PER_MESSAGE_ESTIMATE

    def truncate(self, text: str, max_tokens: int) -> str:
        if self.tokenizer_reference:
            self.warm_up()
            return truncate_tokens(self._tokenizer, text, max_tokens)
        if estimate_tokens(text) <= max_tokens:
            return text
        low, high = 0, len(text)  # the longest prefix whose estimate fits
        while low < high:
            mid = (low + high + 1) // 2
            low, high = (mid, high) if estimate_tokens(text[:mid]) <= max_tokens else (low, mid - 1)
        return text[:low]

    # -- generation ------------------------------------------------------------------------------

    def _payload(self, messages: Sequence[ChatMessage], settings: GenerationSettings) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model_name,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": settings.max_new_tokens,
            "temperature": settings.temperature,
            "stream": True,
        }
        if settings.temperature > 0:
            payload["top_p"] = settings.top_p
        return payload

    def _backoff(self, attempt: int, suggested: float | None) -> float:
        return suggested if suggested is not None else min(MAX_BACKOFF_S, self.backoff_s * 2**attempt)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        settings: GenerationSettings,
        stop: threading.Event | None = None,
    ) -> Iterator[str]:
        """Yield the answer's text pieces; retries 429/5xx/connection failures until the first piece arrives."""
        stop = stop or threading.Event()
        payload = self._payload(messages, settings)
        headers = self._headers()
        url = f"{self.base_url}/chat/completions"
        for attempt in range(self.max_retries + 1):
            started = [False]
            try:
                yield from self._attempt(url, payload, headers, stop, started)
                return
            except _Retry as failure:
                if attempt == self.max_retries:
                    raise BackendError(
                        f"{url} failed after {attempt + 1} attempts ({failure.reason}): check that the server is up "
                        "and model.base_url is right, or raise model.max_retries"
                    ) from None
                delay = self._backoff(attempt, failure.delay)
                log.warning("%s: %s; retrying in %.1f s (%d/%d)", url, failure.reason, delay, attempt + 1, self.max_retries)
                if stop.wait(delay):
                    return

    def _scrubbed(self, text: str) -> str:
        """A server's words without secrets: the configured key's value, `Bearer <token>`, `sk-...` keys; on one line."""
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        if key:
            text = text.replace(key, "***")
        return " ".join(_SECRET_SHAPES.sub(lambda match: (match.group(1) or "") + "***", text).split())

    def _attempt(self, url: str, payload: dict, headers: dict, stop: threading.Event, started: list[bool]) -> Iterator[str]:
        import httpx

        try:
            with self.client.stream("POST", url, json=payload, headers=headers) as response:
                if response.status_code != 200:
                    # servers echo what they got: a rejected key must not reach the log or the console
                    body = self._scrubbed(response.read().decode("utf-8", errors="replace"))[:300]
                    if response.status_code in RETRYABLE_STATUS:
                        raise _Retry(f"HTTP {response.status_code}", _retry_after(response.headers))
                    hint = f": check the key in ${self.api_key_env}" if response.status_code in (401, 403) else ""
                    raise BackendError(f"{url} answered HTTP {response.status_code} ({body.strip()}){hint}")
                yield from self._read_events(response, url, stop, started)
        except httpx.TransportError as error:
            reason = f"{error.__class__.__name__}: {error}" if str(error) else error.__class__.__name__
            if not started[0]:
                raise _Retry(reason) from None
            raise BackendError(f"the connection to {url} dropped mid-answer ({reason}); the answer is incomplete") from None

    def _read_events(self, response, url: str, stop: threading.Event, started: list[bool]) -> Iterator[str]:
        finished = False
        for line in response.iter_lines():
            if stop.is_set():
                return
            if not line.startswith("data:"):
                continue  # blank separators, comments (": keep-alive") and event names
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                event = json.loads(data)
            except json.JSONDecodeError:
                raise BackendError(f"{url} sent a stream event that is not JSON: {data[:120]!r}") from None
            if "error" in event:
                raise BackendError(f"{url} reported an error mid-stream: {self._scrubbed(json.dumps(event['error']))[:300]}")
            for choice in event.get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    started[0] = True
                    yield text
                finished = finished or bool(choice.get("finish_reason"))
        if not finished:
            if not started[0]:
                raise _Retry("the stream ended before the answer started")
            raise BackendError(f"the connection to {url} closed mid-answer (no finish_reason, no [DONE]); the answer is incomplete")

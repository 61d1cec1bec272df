"""Which Slack failures are worth trying again, and the Web API client's retry handlers.

slack_sdk counts one call's retries across all its handlers (`RetryState.current_attempt`) and
checks each handler's `max_retry_count` against that total, so two 429s waited out used up a 5xx's
retries; each handler here counts only its own. Its ServerErrorRetryHandler retries 500 and 503
only, once by default; a proxy's 502 or 504 is as passing. A message post is not retried on a
5xx: Slack may have posted it already, and the poster finds such a post by its metadata before it
posts again (poster.py), where a blind retry would show it twice.
"""

from __future__ import annotations

import time
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

SERVER_ERROR_RETRIES = 3  # after about 0.5 s, 1 s and 2 s (plus up to 1 s of jitter each): a blip, not an outage
# Slack's own words for "try again" (https://api.slack.com/methods/chat.update#errors), besides HTTP 429 and 5xx.
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def is_transient(error: BaseException) -> bool:
    """Whether `error` says Slack could not take a call now (unreachable, rate limited, a 5xx), not that it never will."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 200)
        return status == 429 or status >= 500 or error.response.get("error") in TRANSIENT_ERRORS
    return isinstance(error, OSError)  # refused, reset, timed out


def describe(error: BaseException) -> str:
    """One line for the log: Slack's error code and HTTP status, or the exception's own words."""
    if isinstance(error, SlackApiError):
        return f"{error.response.get('error')} (HTTP {getattr(error.response, 'status_code', '?')})"
    return f"{type(error).__name__}: {error}"


class _OwnCount:
    """Counts the retries this handler granted in one call apart from the other handlers'."""

    max_retry_count: int
    _can_retry: Any  # the handler's own test of the response or error

    def can_retry(self, *, state: RetryState, **kwargs: Any) -> bool:
        if not self._can_retry(state=state, **kwargs):
            return False
        counts = state.custom_values = state.custom_values or {}
        used = counts.get(type(self).__name__, 0)
        if used >= self.max_retry_count:
            return False
        counts[type(self).__name__] = used + 1
        return True


class ConnectionRetry(_OwnCount, ConnectionErrorRetryHandler):
    """A refused or reset connection."""


class RateLimitRetry(_OwnCount, RateLimitErrorRetryHandler):
    """HTTP 429, waited out for its Retry-After."""


class ServerErrorRetry(_OwnCount, RetryHandler):
    """HTTP 5xx on any method but chat.postMessage, after a backoff that grows with this handler's own retries."""

    def _can_retry(self, *, state: RetryState, request: Any, response: Any = None, error: Any = None) -> bool:
        return response is not None and response.status_code >= 500 and not request.url.split("?")[0].endswith("/chat.postMessage")

    def prepare_for_next_attempt(self, *, state: RetryState, request: Any, response: Any = None, error: Any = None) -> None:
        state.next_attempt_requested = True
        retries = (state.custom_values or {}).get(type(self).__name__, 1)
        time.sleep(self.interval_calculator.calculate_sleep_duration(retries - 1))
        state.increment_current_attempt()


def retry_handlers(max_rate_limit_retries: int) -> list[RetryHandler]:
    return [
        ConnectionRetry(max_retry_count=2),
        RateLimitRetry(max_retry_count=max_rate_limit_retries),
        ServerErrorRetry(max_retry_count=SERVER_ERROR_RETRIES),
    ]

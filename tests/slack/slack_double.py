"""A Slack Web API double on 127.0.0.1: records every call, answers like Slack, can answer 429 or 500.

It also signs Events API payloads the way Slack does, and can serve Socket Mode over a real
websocket (websockets' sync server) so the bolt socket-mode handler runs end to end in-process.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_sdk.signature import SignatureVerifier

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
SIGNING_SECRET = "5f3a9c1e7b2d4a6f8e0c1b3d5a7f9e2c"


def reply_metadata(event_id: str) -> dict[str, Any]:
    """The message metadata the bot puts on its replies."""
    return {"event_type": "supportbot_reply", "event_payload": {"event_id": event_id}}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    limited: bool = False  # answered 429, 500 or a `refuse` error: not applied
    at: float = field(default_factory=time.monotonic)


class SlackDouble:
    """Answers /api/<method>; `rate_limit[method] = n` makes the next n calls to it get 429 + Retry-After, and
    `server_errors[method] = n` HTTP 500 (Slack's internal_error).

    `members[channel]` and `user_groups[group]` list who is in them; `refuse_posts_to[channel]`
    is the error chat.postMessage answers for that channel (e.g. "not_in_channel"), and `refuse[method]`
    the error a method answers every time (e.g. chat.update "message_not_found": the message was deleted).
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.rate_limit: dict[str, int] = {}
        self.server_errors: dict[str, int] = {}
        self.retry_after = 1
        self.auth_error: str | None = None
        self.socket_url = ""
        self.members: dict[str, list[str]] = {}
        self.user_groups: dict[str, list[str]] = {}
        self.refuse_posts_to: dict[str, str] = {}
        self.refuse: dict[str, str] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                method = self.path.rsplit("/", 1)[-1].split("?")[0]
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                status, headers, body = double._answer(method, _parse(raw, self.headers.get("Content-Type", "")))
                payload = json.dumps(body).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            self.calls.append(Call(method, params))
            if self.rate_limit.get(method, 0) > 0:
                self.rate_limit[method] -= 1
                self.calls[-1].limited = True
                return 429, {"Retry-After": str(self.retry_after)}, {"ok": False, "error": "ratelimited"}
            if self.server_errors.get(method, 0) > 0:
                self.server_errors[method] -= 1
                self.calls[-1].limited = True
                return 500, {}, {"ok": False, "error": "internal_error"}
            if method in self.refuse:
                self.calls[-1].limited = True
                return 200, {}, {"ok": False, "error": self.refuse[method]}
            if method == "auth.test":
                if self.auth_error:
                    return 200, {}, {"ok": False, "error": self.auth_error}
                return 200, {}, {"ok": True, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "team_id": "T1", "user": "supportbot"}
            if method == "chat.postMessage" and params.get("channel") in self.refuse_posts_to:
                return 200, {}, {"ok": False, "error": self.refuse_posts_to[params["channel"]]}
            if method == "chat.postMessage":
                ts = f"1800000000.{next(self._ts):06d}"
                message = {**params, "ts": ts, "bot_id": BOT_ID}
                self._messages.append(message)
                return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
            if method == "chat.delete":
                kept = [m for m in self._messages if (m.get("channel"), m["ts"]) != (params.get("channel"), params.get("ts"))]
                if len(kept) == len(self._messages):
                    return 200, {}, {"ok": False, "error": "message_not_found"}
                self._messages = kept
                return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
            if method == "chat.update":
                return 200, {}, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
            if method == "conversations.replies":
                thread = [m for m in self._messages if m.get("thread_ts") == params.get("ts")]
                return 200, {}, {"ok": True, "messages": thread, "has_more": False}
            if method == "chat.getPermalink":
                link = f"https://example.slack.com/archives/{params.get('channel')}/p{params.get('message_ts', '').replace('.', '')}"
                return 200, {}, {"ok": True, "channel": params.get("channel"), "permalink": link}
            if method == "conversations.members":
                if params.get("channel") not in self.members:
                    return 200, {}, {"ok": False, "error": "channel_not_found"}
                return 200, {}, {"ok": True, "members": self.members[params["channel"]], "response_metadata": {"next_cursor": ""}}
            if method == "usergroups.users.list":
                if params.get("usergroup") not in self.user_groups:
                    return 200, {}, {"ok": False, "error": "no_such_subteam"}
                return 200, {}, {"ok": True, "users": self.user_groups[params["usergroup"]]}
            if method == "apps.connections.open":
                return 200, {}, {"ok": True, "url": self.socket_url}
            return 200, {}, {"ok": True}

    # reading what arrived

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [call.params for call in self.calls if call.method == method]

    def thread_messages(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Bot messages in a thread, each with the text of its latest update."""
        with self._lock:
            posted = [dict(m) for m in self._messages if m.get("channel") == channel and m.get("thread_ts") == thread_ts]
            updates = [call.params for call in self.calls if call.method == "chat.update" and not call.limited]
        for message in posted:
            for update in updates:
                if update.get("ts") == message["ts"]:
                    message["text"], message["blocks"] = update.get("text"), update.get("blocks")
        return posted

    def wait_for(self, condition: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.02)
        raise AssertionError(f"condition not met within {timeout}s; calls: {[c.method for c in self.calls]}")


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(raw or "{}")
    params: dict[str, Any] = {key: values[0] for key, values in urllib.parse.parse_qs(raw).items()}
    for key in ("blocks", "metadata"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


# events as Slack sends them

_event_ids = itertools.count(1)
_message_ts = itertools.count(1)


def new_ts() -> str:
    return f"1700000000.{next(_message_ts):06d}"


def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "unused",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": "T1", "user_id": BOT_USER_ID, "is_bot": True}],
    }


def mention(text: str, channel: str = "C1", user: str = "U1", thread_ts: str | None = None, event_id: str | None = None) -> dict[str, Any]:
    ts = new_ts()
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "channel": channel, "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_body(event, event_id)


def message(text: str, channel: str = "D1", user: str | None = "U1", channel_type: str = "im", thread_ts: str | None = None, **extra: Any) -> dict[str, Any]:
    ts = new_ts()
    event = {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel, "channel_type": channel_type, "event_ts": ts, **extra}
    if user is None:
        del event["user"]
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_body(event)


def block_action(action_id: str, value: str, channel: str, message_ts: str, thread_ts: str, user: str = "U1") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user},
        "api_app_id": "A1",
        "channel": {"id": channel},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "message": {"type": "message", "ts": message_ts, "thread_ts": thread_ts, "bot_id": BOT_ID, "text": "answer"},
        "trigger_id": "1.2.3",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": str(time.time())}],
    }


def signed_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None, content_type: str = "application/json") -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature, "Content-Type": content_type}


def post_event(url: str, body: dict[str, Any], retry_num: int | None = None, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> tuple[int, float]:
    """POST a signed event over HTTP as Slack does; return (status, seconds until the response)."""
    raw = json.dumps(body)
    headers = signed_headers(raw, secret, timestamp)
    if retry_num is not None:
        headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
    return _post(url, raw.encode(), headers)


def post_action(url: str, payload: dict[str, Any], secret: str = SIGNING_SECRET) -> tuple[int, float]:
    raw = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return _post(url, raw.encode(), signed_headers(raw, secret, content_type="application/x-www-form-urlencoded"))


def _post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, float]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status, time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - started

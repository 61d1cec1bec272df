"""Runs the Slack bot: the HTTP Events API on a threaded http.server, or Socket Mode, and a clean stop.

bolt's own `App.start()` serves one request at a time and cannot be stopped from another thread;
this adapter answers concurrent deliveries (each ack takes milliseconds) and shuts down on SIGTERM.
What it reads of a POST, and what it refuses before bolt sees it, is intake.py's. The same server
answers GET /metrics (Prometheus).
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from supportbot.bot.dialogue import DialogueManager
from supportbot.channels.slack.app import create_app, create_client, library_logger
from supportbot.channels.slack.bot import SlackBot
from supportbot.channels.slack.intake import Refusal, read_request
from supportbot.channels.slack.store import SlackStore
from supportbot.channels.slack.tokens import SlackTokens
from supportbot.config import SlackConfig
from supportbot.errors import ConfigError
from supportbot.observability import METRICS_PATH, Metrics
from supportbot.privacy import redact
from supportbot.store import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class BoltHTTPServer(ThreadingHTTPServer):
    """POST /slack/events -> App.dispatch (signed requests only, when `signing_secret` is set); GET /metrics -> the
    bot's metrics; anything else is 404."""

    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops connections in a burst; the client retries 1 s later

    def __init__(self, app: App, host: str, port: int, metrics: Metrics, path: str = EVENTS_PATH, signing_secret: str = "") -> None:
        class Handler(BaseHTTPRequestHandler):
            timeout = 10  # seconds a read may wait: a client that stops sending mid-request does not hold a thread

            def do_POST(self) -> None:
                request_path, _, query = self.path.partition("?")
                try:
                    if request_path != path:
                        raise Refusal(404, "no such path", body_unread=True)
                    request = read_request(self.headers, self.rfile, query, signing_secret)
                except Refusal as refusal:
                    log.info("refused a POST to %s: %d %s", request_path[:100], refusal.status, refusal)
                    self._send(BoltResponse(status=refusal.status, body=f"{refusal}\n"))
                    if refusal.body_unread:
                        self._drop_unread()
                    return
                self._send(app.dispatch(request))

            def _drop_unread(self) -> None:
                """Read and drop, for up to a second, what the client still sends: closing on unread data resets the
                connection, and the client may lose the status before it reads it."""
                self.close_connection = True
                deadline = time.monotonic() + 1.0
                try:
                    self.connection.shutdown(socket.SHUT_WR)
                    self.connection.settimeout(0.2)
                    while time.monotonic() < deadline and self.connection.recv(65536):
                        pass
                except OSError:
                    pass

            def do_GET(self) -> None:
                if self.path.partition("?")[0] != METRICS_PATH:
                    self._send(BoltResponse(status=404, body=""))
                    return
                body, content_type = metrics.exposition()
                self._send(BoltResponse(status=200, body=body.decode("utf-8"), headers={"content-type": content_type}))

            def _send(self, response: BoltResponse) -> None:
                payload = response.body.encode("utf-8") if isinstance(response.body, str) else bytes(response.body or b"")
                self.send_response(response.status)
                for key, values in response.headers.items():
                    if key.lower() != "content-length":
                        for value in values:
                            self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("http: " + format, *args)

        super().__init__((host, port), Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client that hung up mid-response is one line in the log, anything else a logged traceback; socketserver
        printed both to stderr."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s hung up: %s", client_address[0], sys.exc_info()[1])
        else:
            log.exception("request from %s failed", client_address[0])


def check_token(tokens: SlackTokens, config: SlackConfig) -> str:
    """Ask Slack (auth.test) whether the bot token works, before loading any model; return the bot's user id."""
    try:
        return create_client(tokens, config).auth_test()["user_id"]
    except (SlackApiError, OSError) as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else error
        raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN at {config.api_url} ({reason}): check the token and slack.api_url") from None


class SlackService:
    """The bot with its store, client, App and listener; `start` returns once it is listening.

    `database` is the conversation store's (the Slack tables live beside the conversations);
    `redact_stored` masks personal data in what the Slack tables keep once an event is answered.
    """

    def __init__(
        self, manager: DialogueManager, tokens: SlackTokens, config: SlackConfig, database: Database, redact_stored: bool = False
    ) -> None:
        self.tokens = tokens
        self.config = config
        self.store = SlackStore(database, redact=redact if redact_stored else None)
        self.bot = SlackBot(manager, self.store, create_client(tokens, config), config)
        self.app: App | None = None
        self.http: BoltHTTPServer | None = None
        self.socket_handler = None
        self.stopped = False

    @property
    def port(self) -> int:
        return self.http.port if self.http else 0

    def start(self, host: str = "0.0.0.0", port: int = 3000, bot_user_id: str = "") -> None:
        """Listen (HTTP) or connect (Socket Mode); `bot_user_id`, when `check_token` already asked Slack, saves asking again."""
        try:
            self.app = create_app(self.bot, self.tokens)
            bot_user_id = bot_user_id or self.bot.client.auth_test()["user_id"]
        except (BoltError, SlackApiError, OSError) as error:
            raise ConfigError(
                f"Slack did not accept SLACK_BOT_TOKEN at {self.config.api_url} ({error}): check the token and slack.api_url"
            ) from None
        self.bot.start(bot_user_id)
        if self.tokens.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            self.socket_handler = SocketModeHandler(self.app, app_token=self.tokens.app_token, logger=library_logger("supportbot.slack.socket"))
            self.socket_handler.connect()
            log.info("Slack bot %s connected in Socket Mode", bot_user_id)
            return
        try:
            self.http = BoltHTTPServer(self.app, host, port, self.bot.metrics, signing_secret=self.tokens.signing_secret)
        except OSError as error:
            self.bot.stop(0)
            raise ConfigError(f"cannot listen on {host}:{port} ({error.strerror}): pass another --port") from None
        threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.2}, name="slack-http", daemon=True).start()
        log.info("Slack bot %s listening on http://%s:%d%s", bot_user_id, host, self.port, EVENTS_PATH)

    def stop(self, grace: float | None = None) -> None:
        """Stop listening first, then let the answers in progress finish."""
        if self.stopped:
            return
        self.stopped = True
        log.info("stopping the Slack bot: no new events; finishing answers in progress")
        if self.http is not None:
            self.http.shutdown()
            self.http.server_close()
        if self.socket_handler is not None:
            self.socket_handler.close()
        self.bot.stop(self.config.shutdown_grace if grace is None else grace)

"""Runs the web app on uvicorn: in the foreground (`supportbot serve`, SIGTERM and Ctrl-C stop it gracefully)
or on a background thread (tests, benchmarks). Stopping lets answers in progress finish, up to web.shutdown_grace."""

from __future__ import annotations

import socket
import threading

import uvicorn
from starlette.types import ASGIApp

from supportbot.config import WebConfig
from supportbot.errors import ConfigError


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (`socket.getsockname()` says which).

    A port out of range, an address that is not this machine's or a port in use is a one-line ConfigError.
    """
    if not 0 <= port <= 65535:
        raise ConfigError(f"port {port} is out of range: pass a --port (web.port) from 1 to 65535, or 0 for a free one")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:  # socket.gaierror too: a host name that does not resolve
        sock.close()
        reason = error.strerror or str(error)
        fix = "pass another --host (web.host)" if isinstance(error, socket.gaierror) else "pass another --port (web.port) or --host"
        raise ConfigError(f"cannot listen on {host}:{port} ({reason}): {fix}") from None
    sock.set_inheritable(True)
    return sock


class WebServer:
    def __init__(self, app: ASGIApp, config: WebConfig, host: str | None = None, port: int | None = None) -> None:
        self.socket = bind(host or config.host, config.port if port is None else port)
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                timeout_graceful_shutdown=config.shutdown_grace,
                proxy_headers=True,
                forwarded_allow_ips=config.forwarded_allow_ips,
                log_config=None,  # supportbot's logging, not uvicorn's own handlers
                access_log=False,  # who asked what is in the conversation store, not in a log
                timeout_keep_alive=5,
            )
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def run(self) -> None:
        """Serve until SIGTERM or Ctrl-C (from the main thread) or `stop()`."""
        self.server.run(sockets=[self.socket])

    def start(self) -> WebServer:
        """Serve on a background thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self.run, name="supportbot-web", daemon=True)
        self._thread.start()
        while not self.server.started and self._thread.is_alive():
            self._thread.join(0.01)
        return self

    def stop(self, timeout: float | None = None) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)

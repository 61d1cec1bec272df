"""PostgreSQL through psycopg 3 and a connection pool, so several bot instances can share one store.

Statements are written once for both engines with `?` placeholders; psycopg wants `%s`. Keep
passwords out of `store.url` in files: libpq reads PGPASSWORD (or ~/.pgpass), and
SUPPORTBOT_STORE_URL can carry the whole URL from the environment.

A pooled connection is checked (one empty statement) before it is lent: when the server restarts,
every idle connection has died with it, and each would otherwise fail one customer's request.

An outage fails fast and ends promptly. When the pool has nothing that answers (a dead connection, or none
lent within LEND_SECONDS with connections to spare), the request opens a connection of its own: while the
server is down that fails at once with libpq's reason, instead of after the pool's 30 s timeout; once it is
back it succeeds, whatever retry delay the pool's own reconnection is waiting out. TCP keepalives and a TCP
user timeout bound how long a server that vanished from the network (no refusal, no reset) holds a request.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from supportbot.errors import StoreError
from supportbot.store.base import Cursor, Row
from supportbot.store.engines import display_url

log = logging.getLogger(__name__)

# Seconds libpq waits for each connection (its floor is 2): a server that is up accepts in milliseconds, well under
# a second with TLS across regions; one that does not within 3 s is unreachable, and the customer hears so.
CONNECT_TIMEOUT = 3
# Seconds a request waits for the pool before opening a connection of its own: a pool lends an idle connection at
# once and opens a new one in milliseconds; one that lent nothing in a second, with connections to spare, cannot
# connect (the server is down) or is waiting out a retry delay (the server is back).
LEND_SECONDS = 1.0
# Seconds the pool retries a failed connection (after 1, 2, 2 s) before it gives up; a request starts a new try.
# psycopg_pool's 300 s let its back-off grow to minutes between tries: after a 35 s outage a request waited 25 s.
RECONNECT_SECONDS = 5.0
# libpq defaults, unless store.url sets them (`?connect_timeout=10`). Keepalives probe a connection idle for 10 s (in
# the pool, or waiting on a statement); tcp_user_timeout drops one whose packets, or probes, go unacknowledged for 5 s
# (a lost network), where the kernel would retransmit for some 15 minutes.
LIBPQ_DEFAULTS = {
    "connect_timeout": str(CONNECT_TIMEOUT),
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "5000",
}
_LIBPQ_PREFIXES = ("connection failed: ", "connection is bad: ")  # psycopg's words before libpq's reason
_PASSWORD_PARAMETER = re.compile(r"[?&]password=([^&]*)", re.IGNORECASE)


def to_psycopg(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class _Transaction:
    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor:
        if not args:
            return self._connection.execute(sql)  # no parameters: sent as written, `%` included
        return self._connection.execute(to_psycopg(sql), tuple(args))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._connection.cursor() as cursor:  # psycopg pipelines the rows: one round trip, not one per row
            cursor.executemany(to_psycopg(sql), rows)


class PostgresDatabase:
    """A pool of autocommit connections; each `transaction()` borrows one for one explicit transaction."""

    dialect = "postgres"

    def __init__(self, url: str, pool_size: int = 8) -> None:
        self.display_url = display_url(url)
        self._url = url
        self._options = _libpq_options(url)
        self._connect().close()  # one plain connection first: its error says why (the pool's timeout would not)
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True, **self._options},
            name="supportbot-store",
            open=False,
            reconnect_timeout=RECONNECT_SECONDS,
        )
        self._pool.open(wait=True, timeout=10)
        self._lent = 0  # connections out with requests, the pool's and their own: at most pool_size opened for them
        self._lent_lock = threading.Lock()

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self._url, autocommit=True, **self._options)
        except psycopg.Error as error:
            raise _cannot_connect(error, self._url) from None

    @contextmanager
    def _connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection]:
        """A connection that answers, within `timeout` seconds (the pool's 30 by default) when the pool is busy.

        The pool's next idle one, checked; when it has died (a restart, a failover), or the pool lends none within
        LEND_SECONDS though it has connections to spare, a new connection of this request's own, closed after it.
        Not the pool's own `check=`: it waits 1, 2, 4... seconds between dead connections, and a full pool of them
        outlasts its timeout.
        """
        connection, pooled = self._borrow(self._pool.timeout if timeout is None else timeout)
        try:
            with connection:  # as the pool's own connection(): a transaction left open is rolled back
                yield connection
        finally:
            self._give_back(connection, pooled)

    def _borrow(self, timeout: float) -> tuple[psycopg.Connection, bool]:
        deadline = time.monotonic() + timeout
        connection = self._from_pool(deadline, timeout)
        if connection is not None:
            try:
                ConnectionPool.check_connection(connection)
            except psycopg.OperationalError as error:
                log.debug("a pooled connection to %s had died (%s): connecting anew", self.display_url, _reason(error))
                self._give_back(connection, pooled=True)
            else:
                return connection, True
        with self._lent_lock:
            self._lent += 1
        try:
            return self._connect(), False
        except BaseException:
            self._give_back(None, pooled=False)
            raise

    def _from_pool(self, deadline: float, timeout: float) -> psycopg.Connection | None:
        """The pool's next idle connection, unchecked; None when the pool lends none within LEND_SECONDS but has
        connections to spare; the wait to `deadline` when every connection is out with a request."""
        try:
            connection = self._pool.getconn(min(LEND_SECONDS, deadline - time.monotonic()))
        except PoolTimeout:
            if time.monotonic() >= deadline:
                raise StoreError(f"no connection to {self.display_url} within {timeout:g} s") from None
            if self._lent < self._pool.max_size:
                return None
            try:
                connection = self._pool.getconn(max(0.001, deadline - time.monotonic()))
            except PoolTimeout:
                raise StoreError(
                    f"every connection to {self.display_url} (store.pool_size = {self._pool.max_size}) was in use for "
                    f"{timeout:g} s: raise store.pool_size, or look for slow statements in the server's log"
                ) from None
        with self._lent_lock:
            self._lent += 1
        return connection

    def _give_back(self, connection: psycopg.Connection | None, pooled: bool) -> None:
        with self._lent_lock:
            self._lent -= 1
        if pooled:
            self._pool.putconn(connection)  # a dead one is closed and replaced by the pool
        elif connection is not None:
            connection.close()

    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        with self._connection() as connection, connection.transaction():
            yield _Transaction(connection)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._connection() as connection:
            return _Transaction(connection).execute(sql, args).fetchall()

    def ping(self, timeout: float) -> None:
        """Raise StoreError unless a connection answers within about `timeout` seconds (for /readyz).

        The pool's connection, not a new one, while it has one that answers: what customers' requests use, at the
        cost of one round trip.
        """
        try:
            with self._connection(timeout) as connection:
                connection.execute("")
        except psycopg.Error as error:
            raise StoreError(f"{self.display_url} does not answer ({_reason(error)})") from None

    def close(self) -> None:
        self._pool.close()


def _libpq_options(url: str) -> dict[str, str]:
    """LIBPQ_DEFAULTS less what `url` (or PGCONNECT_TIMEOUT) sets: an operator's choice wins."""
    try:
        given = conninfo_to_dict(url)
    except psycopg.Error as error:  # a URL libpq cannot read
        raise _cannot_connect(error, url) from None
    if os.environ.get("PGCONNECT_TIMEOUT"):
        given.setdefault("connect_timeout", os.environ["PGCONNECT_TIMEOUT"])
    return {key: value for key, value in LIBPQ_DEFAULTS.items() if key not in given}


def _cannot_connect(error: psycopg.Error, url: str) -> StoreError:
    return StoreError(f"cannot connect to {display_url(url)} ({_reason(error, url)}): check store.url and that the server is running")


def _reason(error: psycopg.Error, url: str = "") -> str:
    """libpq's reason on one line ("connection to server at ... failed: Connection refused"), without its hint lines
    (a tab, then "Is the server running...?"), or the password of `url`, which a malformed URL's error quotes."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip() and not line.startswith("\t")]
    reason = lines[0] if lines else type(error).__name__
    for prefix in _LIBPQ_PREFIXES:
        reason = reason.removeprefix(prefix)
    return _without_password(reason, url) if url else reason


def _without_password(text: str, url: str) -> str:
    """`text` with `url` as display_url shows it, and its password (user info or password=), as written or decoded, masked."""
    text = text.replace(url, display_url(url))
    user_info = url.partition("://")[2].partition("/")[0].rpartition("@")[0]  # urlsplit raises on some malformed URLs
    for secret in [user_info.partition(":")[2], *_PASSWORD_PARAMETER.findall(url)]:
        for written in {secret, unquote(secret)} - {""}:
            text = text.replace(written, "***")
    return text

"""PostgreSQL through psycopg 3 and a connection pool, so several bot instances can share one store.

Statements are written once for both engines with `?` placeholders; psycopg wants `%s`. Keep
passwords out of `store.url` in files: libpq reads PGPASSWORD (or ~/.pgpass), and
SUPPORTBOT_STORE_URL can carry the whole URL from the environment.

A pooled connection is checked (one empty statement) before it is lent: when the server restarts,
every idle connection has died with it, and each would otherwise fail one customer's request.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from supportbot.errors import StoreError
from supportbot.store.base import Cursor, Row
from supportbot.store.engines import display_url

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10
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
        try:  # one plain connection first: its error says why (the pool's timeout would not)
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
        except psycopg.Error as error:
            raise StoreError(f"cannot connect to {self.display_url} ({_reason(error, url)}): check store.url and that the server is running") from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
            name="supportbot-store",
            open=False,
        )
        self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)

    @contextmanager
    def _connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection]:
        """A pooled connection that answers, waiting at most `timeout` seconds (the pool's 30 by default) for one.

        A dead one is handed back, which closes it and opens another, and the next is tried: after a restart, as
        many as the pool held. Not the pool's own `check=`: it waits 1, 2, 4... seconds between dead connections,
        and a full pool of them outlasts its timeout.
        """
        deadline = time.monotonic() + (self._pool.timeout if timeout is None else timeout)
        for _ in range(self._pool.max_size + 1):
            connection = self._pool.getconn(max(0.0, deadline - time.monotonic()))
            try:
                ConnectionPool.check_connection(connection)
            except psycopg.OperationalError as error:
                log.debug("a pooled connection to %s had died (%s): trying another", self.display_url, _reason(error))
                self._pool.putconn(connection)
                continue
            try:
                with connection:  # as the pool's own connection(): a transaction left open is rolled back
                    yield connection
            finally:
                self._pool.putconn(connection)
            return
        raise StoreError(f"every connection to {self.display_url} the pool lent had died: check the server and its log")

    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        with self._connection() as connection, connection.transaction():
            yield _Transaction(connection)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._connection() as connection:
            return _Transaction(connection).execute(sql, args).fetchall()

    def ping(self, timeout: float) -> None:
        """Raise StoreError unless a pooled connection answers within about `timeout` seconds (for /readyz).

        The pool's connection, not a new one: what customers' requests use, at the cost of one round trip.
        """
        try:
            with self._connection(timeout) as connection:
                connection.execute("")
        except PoolTimeout:
            raise StoreError(f"no connection to {self.display_url} within {timeout:g} s") from None
        except psycopg.Error as error:
            raise StoreError(f"{self.display_url} does not answer ({_reason(error)})") from None

    def close(self) -> None:
        self._pool.close()


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

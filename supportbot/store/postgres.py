"""PostgreSQL through psycopg 3 and a connection pool, so several bot instances can share one store.

Statements are written once for both engines with `?` placeholders; psycopg wants `%s`. Keep
passwords out of `store.url` in files: libpq reads PGPASSWORD (or ~/.pgpass), and
SUPPORTBOT_STORE_URL can carry the whole URL from the environment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from supportbot.errors import StoreError
from supportbot.store.base import Cursor, Row
from supportbot.store.engines import display_url

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10


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
            reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
            raise StoreError(f"cannot connect to {self.display_url} ({reason}): check store.url and that the server is running") from None
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
    def transaction(self) -> Iterator[_Transaction]:
        with self._pool.connection() as connection, connection.transaction():
            yield _Transaction(connection)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._pool.connection() as connection:
            return _Transaction(connection).execute(sql, args).fetchall()

    def close(self) -> None:
        self._pool.close()

"""The seam between the conversation store and its database engines (SQLite, PostgreSQL).

The store and the channels' own tables write their SQL once, with `?` placeholders and the SQL
both engines share (`ON CONFLICT`, `RETURNING`); an engine runs it in a transaction. Only
migrations, and the few statements where the engines differ (`FOR UPDATE SKIP LOCKED`), look
at `dialect`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgres"]
Row = tuple[Any, ...]


class Cursor(Protocol):
    """What a statement returns: its rows (for a query or `RETURNING`) and how many rows it changed."""

    rowcount: int
    description: Any

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> list[Row]: ...

    def fetchmany(self, size: int) -> list[Row]: ...


class Transaction(Protocol):
    """Statements run between one BEGIN and its COMMIT (or ROLLBACK, when the block raises)."""

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...


class Database(Protocol):
    """A conversation database: SQLite file or PostgreSQL server; safe to share between threads."""

    dialect: Dialect
    display_url: str  # where it is, for messages: never with a password

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A write transaction; SQLite takes its write lock at the start, so read-then-write is safe."""
        ...

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """One read-only statement's rows."""
        ...

    def ping(self, timeout: float) -> None:
        """Raise StoreError unless the database answers within about `timeout` seconds (/readyz asks)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class StoredMessage:
    """A message as kept in the store."""

    id: int
    role: str
    content: str
    kind: str
    sources: list[dict[str, Any]]
    created_at: float
    interrupted: bool = False

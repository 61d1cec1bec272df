"""The embedded engine: one SQLite file in WAL mode, shared by the threads of a process.

Several processes may open the same file (each takes the write lock in turn, waiting up to 30 s),
but only one machine: for instances on several machines, use PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from supportbot.errors import StoreError
from supportbot.store.base import Row


class SqliteDatabase:
    """A connection shared by threads, in autocommit mode (transactions are explicit), on a WAL database."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.display_url = f"sqlite:///{self.path}"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the conversation store {self.path} ({error}): check paths.conversations_db or store.url") from None
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

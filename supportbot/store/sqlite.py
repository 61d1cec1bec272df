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

WAIT_FOR_LOCK = 30  # seconds a statement waits for another process's write lock


def _is_locked(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


class SqliteDatabase:
    """A connection shared by threads, in autocommit mode (transactions are explicit), on a WAL database."""

    dialect = "sqlite"

    def __init__(self, path: Path, must_exist: bool = False) -> None:
        """Opens the file at `path`, creating it (and its folder) unless `must_exist`."""
        self.path = Path(path)
        self.display_url = f"sqlite:///{self.path}"
        if must_exist and not self.path.is_file():
            raise StoreError(f"no conversation store at {self.path}: check --url / paths.conversations_db")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=WAIT_FOR_LOCK)
            self._db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if _is_locked(error):
                raise self._locked() from None
            raise StoreError(f"cannot open the conversation store {self.path} ({error}): check paths.conversations_db or store.url") from None
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the conversation store {self.path} ({error}): check paths.conversations_db or store.url") from None
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.Lock()

    def _locked(self) -> StoreError:
        return StoreError(f"the conversation store {self.path} is locked by another process; try again")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")  # waits up to WAIT_FOR_LOCK for another process's write
            except sqlite3.OperationalError as error:
                if _is_locked(error):
                    raise self._locked() from None
                raise
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    def ping(self, timeout: float) -> None:
        """A file this process has open: nothing to reach, so it always answers."""

    def close(self) -> None:
        with self._lock:
            self._db.close()

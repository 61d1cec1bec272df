"""Which engine a store location names: `postgresql://...`, `sqlite:///PATH`, or a plain SQLite file path.

As in SQLAlchemy, the path follows `sqlite:///`: `sqlite:///conversations.sqlite3` is relative,
`sqlite:////var/lib/supportbot/conversations.sqlite3` absolute.
"""

from __future__ import annotations

from pathlib import Path

from supportbot.errors import StoreError
from supportbot.store.base import Database
from supportbot.store.sqlite import SqliteDatabase

SQLITE_SCHEME = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_database(location: str | Path, pool_size: int = 8) -> Database:
    """The database at `location`; psycopg is imported only for PostgreSQL."""
    if isinstance(location, Path):
        return SqliteDatabase(location.expanduser())
    if location.startswith(POSTGRES_SCHEMES):
        from supportbot.store.postgres import PostgresDatabase

        return PostgresDatabase(location, pool_size)
    if location.startswith(SQLITE_SCHEME):
        return SqliteDatabase(Path(location[len(SQLITE_SCHEME) :]).expanduser())
    if location.startswith("sqlite:"):
        raise StoreError(f"store.url {location!r}: write sqlite:///relative/path or sqlite:////absolute/path")
    if "://" in location:
        scheme = location.split("://", 1)[0]
        raise StoreError(f"store.url: '{scheme}://' is not a store supportbot knows: use sqlite:///PATH or postgresql://USER@HOST/DB")
    return SqliteDatabase(Path(location).expanduser())

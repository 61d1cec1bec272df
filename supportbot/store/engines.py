"""Which engine a store location names: `postgresql://...`, `sqlite:///PATH`, or a plain SQLite file path.

As in SQLAlchemy, the path follows `sqlite:///`: `sqlite:///conversations.sqlite3` is relative,
`sqlite:////var/lib/supportbot/conversations.sqlite3` absolute.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from supportbot.errors import StoreError
from supportbot.store.base import Database
from supportbot.store.sqlite import SqliteDatabase

SQLITE_SCHEME = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# password=... in a URL's query or a libpq "key=value" string: the value, quoted or not
_USER_PASSWORD = re.compile(r"(://[^:/@]*):[^/]*@")  # user:password@ up to the host
_PASSWORD_PARAMETER = re.compile(r"((?:^|[?&\s])password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*)", re.IGNORECASE)
_KEY_VALUE = re.compile(r"\s*\w+\s*=")


def display_url(location: str) -> str:
    """`location` without its password (user info or password= parameter), fit for logs, messages and `config show`."""
    if "://" in location:
        try:
            parts = urlsplit(location)
        except ValueError:  # "postgresql://bot:pw@[bad/x" (an unclosed IPv6 bracket): its password goes all the same
            location = _USER_PASSWORD.sub(r"\1@", location)
        else:
            user_info, at, host = parts.netloc.rpartition("@")
            if at and ":" in user_info:
                location = urlunsplit(parts._replace(netloc=f"{user_info.split(':', 1)[0]}@{host}"))
    return _PASSWORD_PARAMETER.sub(r"\1***", location)


def open_database(location: str | Path, pool_size: int = 8, must_exist: bool = False) -> Database:
    """The database at `location`; psycopg is imported only for PostgreSQL.

    With `must_exist` (commands that only read or delete), a SQLite file that is not there is a StoreError
    instead of a new empty store; a PostgreSQL database must exist anyway.
    """
    if isinstance(location, Path):
        return SqliteDatabase(location.expanduser(), must_exist)
    if location.startswith(POSTGRES_SCHEMES):
        from supportbot.store.postgres import PostgresDatabase

        return PostgresDatabase(location, pool_size)
    if location.startswith(SQLITE_SCHEME):
        return SqliteDatabase(Path(location[len(SQLITE_SCHEME) :]).expanduser(), must_exist)
    if location.startswith("sqlite:"):
        raise StoreError(f"store.url {display_url(location)!r}: write sqlite:///relative/path or sqlite:////absolute/path")
    if "://" in location:
        scheme = location.split("://", 1)[0]
        raise StoreError(f"store.url: '{scheme}://' is not a store supportbot knows: use sqlite:///PATH or postgresql://USER@HOST/DB")
    if _KEY_VALUE.match(location) and any(character.isspace() for character in location):
        raise StoreError(
            "store.url looks like a libpq 'key=value' string, which supportbot does not read: "
            "use a postgresql://USER@HOST:PORT/DB URL (the password in PGPASSWORD)"
        )
    return SqliteDatabase(Path(location).expanduser(), must_exist)

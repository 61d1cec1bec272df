"""`supportbot store copy`: move a deployment's store to another engine (SQLite to PostgreSQL) row for row.

Every table of the given table sets is copied with its ids, in one transaction on the target, so a
failure leaves the target empty. The source is read in one transaction too (on SQLite that holds
its write lock): stop the bots first, and point them at the target afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

from supportbot.errors import StoreError
from supportbot.store.base import Database
from supportbot.store.migrations import TableSet, migrate

BATCH = 1000


def copy_store(source: Database, target: Database, table_sets: Sequence[TableSet]) -> dict[str, int]:
    """Copy all rows of `table_sets` from `source` into an empty `target`; rows copied per table."""
    migrate(source, *table_sets)
    migrate(target, *table_sets)
    tables = [table for table_set in table_sets for table in table_set.tables]
    for table in tables:
        if target.query(f"SELECT 1 FROM {table} LIMIT 1"):
            raise StoreError(f"{target.display_url} already has rows in {table}: copy only into an empty store")
    copied: dict[str, int] = {}
    with source.transaction() as reading, target.transaction() as writing:
        for table in tables:
            cursor = reading.execute(f"SELECT * FROM {table} ORDER BY 1")
            columns = [column[0] for column in cursor.description]
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            copied[table] = 0
            while rows := cursor.fetchmany(BATCH):
                writing.executemany(insert, rows)
                copied[table] += len(rows)
            if target.dialect == "postgres" and "id" in columns:  # new rows must get ids after the copied ones
                writing.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")
    return copied

"""A throwaway PostgreSQL server for tests and benchmarks: its own data folder, a free loopback port.

PostgreSQL refuses to run as root, and the tests run as root in CI: the server then runs as the
`postgres` user (runuser), from a folder that user owns. The binaries are PostgreSQL 15's on this
machine; `.ci/run` installs Debian's `postgresql` where they are missing.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN_DIRS = [Path("/usr/lib/postgresql") / version / "bin" for version in ("17", "16", "15", "14")]
SUPERUSER = "supportbot"


def find_binaries() -> Path | None:
    for folder in BIN_DIRS:
        if (folder / "pg_ctl").is_file():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """`start()` it, `new_database()` per test, `stop()` at the end."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable  # False: no fsync (tests); True: PostgreSQL's defaults (benchmarks)
        binaries = find_binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL server binaries not found: install Debian's `postgresql` package (.ci/run does)")
        self.bin = binaries
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="supportbot-pg-"))
        self.data = self.dir / "data"
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        result = subprocess.run([*prefix, *command], check=False, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> PostgresServer:
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def pg_ctl(self, *args: str) -> None:
        """pg_ctl on this server, as an operator runs it (`-l`: the server's output must not hold pg_ctl's pipes open)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", *args)

    def start_again(self) -> None:
        """Start the server after a `pg_ctl("stop")`, on its port and socket folder."""
        self.pg_ctl("-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

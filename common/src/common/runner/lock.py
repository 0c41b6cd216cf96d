"""The migration lock: one runner at a time per database, held for the whole run.

Deploy pipelines start ``update-db`` from several replicas at once. Each takes this lock
before it looks at what is pending, so the others wait, then find nothing left to do.

- PostgreSQL: session advisory lock ``pg_try_advisory_lock(22338, 1)`` (22338 is "WB"),
  scoped to the database by PostgreSQL itself, released when the session ends (even on
  kill -9, once the server notices the closed socket).
- MySQL/MariaDB: ``GET_LOCK`` on a name derived from the database name (those locks are
  server-wide), released when the session ends.
- SQLite: ``flock`` on ``<database file>.lock`` beside the database, released by the OS
  when the process dies.

A runner waits up to ``WORKBENCH_MIGRATION_LOCK_WAIT`` seconds, saying once who holds
the lock, then stops with one line.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, bindparam, func, select, text

from common.database import sqlite_file
from common.errors import WorkbenchError
from common.output import say

PG_LOCK_KEY = (22338, 1)
POLL_SECONDS = 0.2


class MigrationLockBusyError(WorkbenchError):
    """Another runner held the migration lock for longer than we were allowed to wait."""


@contextmanager
def migration_lock(connection: Connection, wait_seconds: float) -> Iterator[None]:
    """Hold the migration lock on ``connection`` (an autocommit connection) for the block."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        lock = _PostgresLock(connection)
    elif dialect in ("mysql", "mariadb"):
        lock = _MySQLLock(connection)
    elif dialect == "sqlite":
        lock = _FileLock(connection)
    else:  # pragma: no cover - parse_url refuses other databases
        raise WorkbenchError(f"no migration lock for {dialect}.")
    _acquire(lock.try_acquire, lock.holder, wait_seconds)
    try:
        yield
    finally:
        lock.release()


def _acquire(try_acquire: Callable[[], bool], holder: Callable[[], str], wait: float) -> None:
    if try_acquire():
        return
    started = time.monotonic()
    say(f"Another runner holds the migration lock ({holder()}); waiting up to {wait:g} s.")
    while time.monotonic() - started < wait:
        time.sleep(POLL_SECONDS)
        if try_acquire():
            say(f"Got the migration lock after {time.monotonic() - started:.1f} s.")
            return
    raise MigrationLockBusyError(
        f"another runner still holds the migration lock after {wait:g} s ({holder()}).",
        "let it finish and rerun update-db (it will find nothing left to do), or raise "
        "WORKBENCH_MIGRATION_LOCK_WAIT.",
    )


class _PostgresLock:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def try_acquire(self) -> bool:
        return bool(self.connection.scalar(select(func.pg_try_advisory_lock(*PG_LOCK_KEY))))

    def release(self) -> None:
        self.connection.scalar(select(func.pg_advisory_unlock(*PG_LOCK_KEY)))

    def holder(self) -> str:
        query = text(
            "SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :k1 "
            "AND l.objid = :k2 AND l.objsubid = 2 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).bindparams(k1=PG_LOCK_KEY[0], k2=PG_LOCK_KEY[1])
        row = self.connection.execute(query).first()
        if row is None:
            return "holder not visible"
        app = row.application_name or "no application_name"
        return f"pid {row.pid}, {app}, connected since {row.backend_start:%H:%M:%S %Z}"


class _MySQLLock:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        database = connection.scalar(select(func.database())) or ""
        # GET_LOCK names are server-wide and at most 64 characters
        self.name = "workbench-" + hashlib.sha1(database.encode()).hexdigest()

    def try_acquire(self) -> bool:
        return self.connection.scalar(select(func.get_lock(self.name, 0))) == 1

    def release(self) -> None:
        self.connection.scalar(select(func.release_lock(self.name)))

    def holder(self) -> str:
        owner = self.connection.scalar(select(func.is_used_lock(self.name)))
        if owner is None:
            return "holder not visible"
        query = text(
            "SELECT user, host, time FROM information_schema.processlist WHERE id = :id"
        ).bindparams(bindparam("id", owner))
        row = self.connection.execute(query).first()
        if row is None:
            return f"connection {owner}"
        return f"connection {owner}, {row.user}@{row.host}, for {row.time} s"


class _FileLock:
    def __init__(self, connection: Connection) -> None:
        database = sqlite_file(connection.engine.url)
        self.path = database.with_name(database.name + ".lock") if database else None
        self.handle: int | None = None

    def try_acquire(self) -> bool:
        if self.path is None:  # an in-memory database has a single connection anyway
            return True
        import fcntl

        if self.handle is None:
            self.handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(self.handle, 0)
        os.write(self.handle, str(os.getpid()).encode())
        return True

    def release(self) -> None:
        if self.handle is not None:
            os.close(self.handle)  # closing releases the flock
            self.handle = None

    def holder(self) -> str:
        try:
            pid = self.path.read_text().strip() if self.path else ""
        except OSError:
            pid = ""
        return f"process {pid}, lock file {self.path}" if pid else f"lock file {self.path}"

"""The migration lock: one runner at a time per database, held for the whole run.

Deploy pipelines start ``update-db`` from several replicas at once. Each takes this lock
before it looks at what is pending, so the others wait, then find nothing left to do.

- PostgreSQL: session advisory lock ``pg_try_advisory_lock(22338, 1)`` (22338 is "WB"),
  scoped to the database by PostgreSQL itself, released when the session ends (even on
  kill -9, once the server notices the closed socket). A run confined to one tenant
  schema (``tenant_schema``) uses a first key derived from the schema's name instead,
  so the tenants of one database are migrated side by side (``pg_lock_class``).
- MySQL/MariaDB: ``GET_LOCK`` on a name derived from the database name (those locks are
  server-wide), released when the session ends.
- SQLite: ``flock`` on ``<database file>.lock`` beside the database, released by the OS
  when the process dies.

A runner waits up to ``WORKBENCH_MIGRATION_LOCK_WAIT`` seconds, saying once who holds
the lock, then stops with one line.

The lock is held twice, on two keys: the first on the runner's control connection (the
one that writes history and reports who holds the lock), the second (``guard``) on the
connection the revisions run on. A server can end the control session while a revision
runs (an operator's ``pg_terminate_backend``, ``idle_session_timeout``, MySQL's
``wait_timeout``): the first key is then free, but a second runner also needs the second
key, which the revision's session keeps until that revision is over. So exclusion never
rests on one connection, and no runner reads where the database stands while another's
revision is uncommitted. A transaction-scoped lock (``pg_advisory_xact_lock``) would not
do: a second runner could take it between two revisions and start one the first had
already planned, and it would not cover ``autocommit_block`` steps. Checking the control
session alone before each revision would leave the window of the revision itself open.
``held()`` tells the runner whether the first key is still its own, so it stops before
its next revision (see ``common.runner.run``).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from common.database import sqlite_file
from common.errors import WorkbenchError
from common.output import say

PG_LOCK_KEY = (22338, 1)
PG_GUARD_KEY = (22338, 2)
POLL_SECONDS = 0.2


class MigrationLockBusyError(WorkbenchError):
    """Another runner held the migration lock for longer than we were allowed to wait."""


class MigrationLockLostError(WorkbenchError):
    """The control connection ended during a run; the runner stopped before its next step."""

    LAST = (
        "the migration lock's connection ended while {} ran, the last revision of the run; "
        "it ran under the lock's second key and is recorded."
    )

    @classmethod
    def stopped(
        cls, done: str | None, doing: str, following: str, direction: str, target: str
    ) -> MigrationLockLostError:
        """``done``: the revision the run finished (and recorded) after the loss, if any."""
        if done:
            where = f"after {doing} {done}; {following} was not started"
        else:
            where = f"before {doing} {following}, which was not started"
        if direction == "up":
            rerun = "uvx invoke update-db" + ("" if target == "head" else f" --revision {target}")
        elif target[:1] in "+-":  # a relative step would count from where the database is now
            rerun = "uvx invoke downgrade --revision <the revision you meant to reach>"
        else:
            rerun = f"uvx invoke downgrade --revision {target}"
        return cls(
            f"lost the migration lock (its connection ended) {where}.",
            f"rerun {rerun} to go on from there (what was done stays done); if a server "
            "timeout ended the connection (PostgreSQL idle_session_timeout, MySQL/MariaDB "
            "wait_timeout), raise it for this database user.",
        )


def pg_lock_class(schema: str = "") -> int:
    """The first key of a schema's lock pair: 22338 for the database, else from the name.

    PostgreSQL scopes advisory locks to the database, so tenant schemas of one database
    need keys of their own to be migrated side by side; a stable hash of the name gives
    each one its own pair (two names sharing a hash would only take turns).
    """
    if not schema:
        return PG_LOCK_KEY[0]
    digest = hashlib.sha1(f"workbench-schema:{schema}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


@contextmanager
def migration_lock(
    connection: Connection,
    wait_seconds: float,
    guard: Connection | None = None,
    schema: str = "",
) -> Iterator[MigrationLock | _FileLock]:
    """Hold the migration lock on ``connection`` (an autocommit connection) for the block,
    and its second key on ``guard`` (the revisions' connection) when given. ``schema``
    (PostgreSQL): the tenant schema the run migrates, which has a lock of its own."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        lock: MigrationLock | _FileLock = _PostgresLock(connection, guard, pg_lock_class(schema))
    elif dialect in ("mysql", "mariadb"):
        lock = _MySQLLock(connection, guard)
    elif dialect == "sqlite":
        lock = _FileLock(connection)
    else:  # pragma: no cover - parse_url refuses other databases
        raise WorkbenchError(f"no migration lock for {dialect}.")
    try:
        _acquire(lock.try_acquire, lock.holder, wait_seconds)
        yield lock
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


class MigrationLock:
    """One runner's keys, each on its own connection, taken in order (so no deadlock)."""

    def __init__(self, control: Connection, keys: list[tuple[Connection, Any]]) -> None:
        self.control = control
        self.keys = keys
        self.taken = 0

    def try_acquire(self) -> bool:
        for connection, key in self.keys[self.taken :]:
            if not self._on(connection, lambda c, k=key: self._try(c, k)):
                return False
            self.taken += 1
        return True

    def release(self) -> None:
        """Best effort: a key whose connection already ended was freed by the server."""
        for connection, key in reversed(self.keys[: self.taken]):
            if connection.invalidated:  # a statement saw its session end: nothing to free
                continue
            with suppress(SQLAlchemyError):
                self._on(connection, lambda c, k=key: self._release(c, k))
        self.taken = 0

    def held(self) -> bool:
        """Whether the control connection is alive and still holds the first key."""
        if not self.taken or self.control.invalidated:
            return False
        try:
            return bool(self._owns(self.control, self.keys[0][1]))
        except SQLAlchemyError:  # its session ended, and the server freed the key with it
            return False

    def holder(self) -> str:
        """Who holds the first key this runner has not got yet."""
        return self._holder(self.keys[min(self.taken, len(self.keys) - 1)][1])

    @staticmethod
    def _on(connection: Connection, call: Callable[[Connection], Any]) -> Any:
        """Run ``call``; the keys are session-level, so the revisions' connection is left
        without the transaction the statement began."""
        began = connection.in_transaction()
        result = call(connection)
        if not began and connection.in_transaction():
            connection.commit()
        return result

    def _try(self, connection: Connection, key: Any) -> bool:
        raise NotImplementedError

    def _release(self, connection: Connection, key: Any) -> None:
        raise NotImplementedError

    def _owns(self, connection: Connection, key: Any) -> bool:
        raise NotImplementedError

    def _holder(self, key: Any) -> str:
        raise NotImplementedError


_PG_HOLDER = text(
    "SELECT l.pid, a.application_name, a.backend_start FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :k1 "
    "AND l.objid = :k2 AND l.objsubid = 2 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
_PG_OWNS = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND classid = :k1 AND objid = :k2 AND objsubid = 2)"
)


class _PostgresLock(MigrationLock):
    def __init__(self, connection: Connection, guard: Connection | None, key: int) -> None:
        first, second = (key, PG_LOCK_KEY[1]), (key, PG_GUARD_KEY[1])
        keys = [(connection, first)] + ([(guard, second)] if guard else [])
        super().__init__(connection, keys)

    def _try(self, connection: Connection, key: Any) -> bool:
        return bool(connection.scalar(select(func.pg_try_advisory_lock(*key))))

    def _release(self, connection: Connection, key: Any) -> None:
        connection.scalar(select(func.pg_advisory_unlock(*key)))

    def _owns(self, connection: Connection, key: Any) -> bool:
        return bool(connection.scalar(_PG_OWNS.bindparams(k1=key[0], k2=key[1])))

    def _holder(self, key: Any) -> str:
        row = self.control.execute(_PG_HOLDER.bindparams(k1=key[0], k2=key[1])).first()
        if row is None:
            return "holder not visible"
        app = row.application_name or "no application_name"
        return f"pid {row.pid}, {app}, connected since {row.backend_start:%H:%M:%S %Z}"


def mysql_lock_name(database: str, key: int = 1) -> str:
    """GET_LOCK names are server-wide and at most 64 characters: derived from the database."""
    suffix = "" if key == 1 else f"-{key}"
    return "workbench-" + hashlib.sha1(database.encode()).hexdigest() + suffix


class _MySQLLock(MigrationLock):
    def __init__(self, connection: Connection, guard: Connection | None) -> None:
        database = connection.scalar(select(func.database())) or ""
        keys = [(connection, mysql_lock_name(database))]
        if guard is not None:
            keys.append((guard, mysql_lock_name(database, 2)))
        super().__init__(connection, keys)

    def _try(self, connection: Connection, key: Any) -> bool:
        return connection.scalar(select(func.get_lock(key, 0))) == 1

    def _release(self, connection: Connection, key: Any) -> None:
        connection.scalar(select(func.release_lock(key)))

    def _owns(self, connection: Connection, key: Any) -> bool:
        return bool(connection.scalar(select(func.is_used_lock(key) == func.connection_id())))

    def _holder(self, key: Any) -> str:
        owner = self.control.scalar(select(func.is_used_lock(key)))
        if owner is None:
            return "holder not visible"
        query = text(
            "SELECT user, host, time FROM information_schema.processlist WHERE id = :id"
        ).bindparams(bindparam("id", owner))
        row = self.control.execute(query).first()
        if row is None:
            return f"connection {owner}"
        return f"connection {owner}, {row.user}@{row.host}, for {row.time} s"


class _FileLock:
    """SQLite: one lock file, one process; the revisions share its database file."""

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

    def held(self) -> bool:
        """A flock ends only with the process (or its ``release``): nothing to lose."""
        return True

"""lock_timeout / statement_timeout per revision, and who blocked a revision that timed out.

A DDL statement that waits for a lock queues every later query on that table behind its
ACCESS EXCLUSIVE request, so a revision must give up quickly (``lock_timeout``) and retry
later rather than wait. Settings give the defaults; a revision overrides them with
module-level ``lock_timeout_ms = ...`` / ``statement_timeout_ms = ...``.

PostgreSQL: ``set_config(..., false)`` (session level, so it also holds inside an
``autocommit_block``). MySQL/MariaDB: ``lock_wait_timeout`` (whole seconds) for metadata
locks. SQLite has no lock timeouts to set.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from common.config import Settings

APPLICATION_NAME = "workbench update-db"
_PG_LOCK_NOT_AVAILABLE = "55P03"
_MYSQL_LOCK_WAIT_TIMEOUT = 1205


@dataclass(frozen=True)
class Timeouts:
    lock_timeout_ms: int
    statement_timeout_ms: int

    @classmethod
    def for_module(cls, module: Any, settings: Settings) -> Timeouts:
        """The settings, overridden by the revision module's own values if it has any."""
        return cls(
            int(getattr(module, "lock_timeout_ms", settings.lock_timeout_ms)),
            int(getattr(module, "statement_timeout_ms", settings.statement_timeout_ms)),
        )


def timeout_statement(dialect: str, timeouts: Timeouts):
    """The statement that sets ``timeouts`` for the session, or None where there is none."""
    if dialect == "postgresql":
        return select(
            func.set_config("lock_timeout", f"{timeouts.lock_timeout_ms}ms", False),
            func.set_config("statement_timeout", f"{timeouts.statement_timeout_ms}ms", False),
        )
    if dialect in ("mysql", "mariadb"):
        seconds = max(1, math.ceil(timeouts.lock_timeout_ms / 1000))
        # an integer, not user text: lock_wait_timeout takes no bound parameter
        return text(f"SET SESSION lock_wait_timeout = {int(seconds)}")
    return None


def prepare_session(connection: Connection, control: bool = False) -> None:
    """Name the session (so blockers and waiters can tell it apart) and, on PostgreSQL 14+,
    make the server notice a dead runner during a long statement and roll it back.

    The control session (history rows) commits without waiting for its WAL flush: the
    revision's own commit, which follows, flushes it anyway, and a ``running`` row lost
    in a server crash goes with the revision it announced. This saves a disk flush per
    revision.
    """
    if connection.dialect.name != "postgresql":
        return
    columns = [func.set_config("application_name", APPLICATION_NAME, False)]
    if control:
        columns.append(func.set_config("synchronous_commit", "off", False))
    if (connection.dialect.server_version_info or (0,)) >= (14,):
        columns.append(func.set_config("client_connection_check_interval", "1s", False))
    connection.execute(select(*columns))
    connection.commit()


def is_lock_timeout(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    original = exc.orig
    if getattr(original, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE:
        return True
    args = getattr(original, "args", ())
    return bool(args) and args[0] == _MYSQL_LOCK_WAIT_TIMEOUT


@dataclass(frozen=True)
class Blocker:
    """What a waiting revision was waiting for, seen while it waited."""

    table: str
    mode: str
    pid: int
    application_name: str
    query_start: Any
    state: str

    @property
    def wanted(self) -> str:
        return "locked" if self.mode == "held" else f"{self.mode} wanted"

    def describe(self) -> str:
        app = self.application_name or "no application_name"
        started = f"{self.query_start:%Y-%m-%d %H:%M:%S %Z}" if self.query_start else "unknown"
        return (
            f'table "{self.table}" ({self.wanted}) is held by pid {self.pid} '
            f"({app}, {self.state or 'unknown state'}, last query started {started})"
        )


_BLOCKERS = text(
    "SELECT coalesce(c.relname, l.locktype) AS tbl, l.mode, b.pid, b.application_name, "
    "b.query_start, b.state "
    "FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation "
    "CROSS JOIN LATERAL unnest(pg_blocking_pids(l.pid)) AS bp(pid) "
    "JOIN pg_stat_activity b ON b.pid = bp.pid "
    "WHERE l.pid = :pid AND NOT l.granted ORDER BY b.query_start LIMIT 1"
)


_HOLDERS = text(
    "SELECT c.relname AS tbl, l.mode, a.pid, a.application_name, a.query_start, a.state "
    "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
    "JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.granted AND l.pid <> pg_backend_pid() AND l.pid <> :pid "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND c.relname = ANY(:names) ORDER BY a.xact_start LIMIT 1"
)


def blocker_after(connection: Connection, statement: str | None, runner_pid: int) -> Blocker | None:
    """Who still holds a lock on a table the timed-out statement names.

    Used when the watch did not see the wait (a lock_timeout shorter than its delay): the
    blocking session usually still holds its lock a moment later.
    """
    names = sorted(set(re.findall(r"[A-Za-z_][A-Za-z0-9_$]*", statement or "")))
    if not names:
        return None
    row = connection.execute(_HOLDERS, {"pid": runner_pid, "names": names}).first()
    if row is None:
        return None
    return Blocker(row.tbl, "held", row.pid, row.application_name, row.query_start, row.state)


class BlockerWatch:
    """Watches a PostgreSQL backend while a revision runs, remembering who blocks it.

    After a lock timeout the server no longer reports who was in the way, so the watch
    looks while the revision waits. It connects only once a revision has run for
    ``delay`` seconds, so quick revisions cost nothing.
    """

    def __init__(self, engine: Engine, backend_pid: int, delay: float = 0.2) -> None:
        self.engine = engine
        self.pid = backend_pid
        self.delay = delay
        self.last: Blocker | None = None
        self._wait = delay
        self._active = threading.Event()
        self._stopped = threading.Event()  # wakes the watch at once: close() never waits
        self._connection: Connection | None = None
        self._thread = threading.Thread(target=self._run, name="blocker-watch", daemon=True)
        self._thread.start()

    def revision_started(self, lock_timeout_ms: int = 0) -> None:
        """Look sooner when the revision's lock_timeout is short, to catch its wait."""
        self.last = None
        self._wait = min(self.delay, lock_timeout_ms / 4000) if lock_timeout_ms else self.delay
        self._active.set()

    def revision_ended(self) -> None:
        self._active.clear()

    def close(self) -> None:
        self._stopped.set()
        self._active.set()
        self._thread.join(timeout=5)
        if self._connection is not None:
            self._connection.close()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._active.wait()
            if self._stopped.wait(self._wait) or not self._active.is_set():
                continue
            try:
                self._look()
            except Exception:  # a watch must never break the run it watches
                self._stopped.wait(self.delay)

    def _look(self) -> None:
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        row = self._connection.execute(_BLOCKERS, {"pid": self.pid}).first()
        if row is not None:
            self.last = Blocker(
                row.tbl, row.mode, row.pid, row.application_name, row.query_start, row.state
            )

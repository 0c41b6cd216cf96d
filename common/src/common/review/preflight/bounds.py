"""Reading the target safely: a read-only transaction, the table's size from its
statistics, and a time box on scans of large (or unmeasured) tables.

Statistics, not a count, choose the method: ``pg_class.reltuples`` (PostgreSQL),
``information_schema.tables.table_rows`` (MySQL/MariaDB), ``max(rowid)`` (SQLite, an index
lookup). Up to ``exact_rows`` the query simply runs: an exact count. Above that, or when
the table was never analysed, the same query runs under the server's statement time limit
(``statement_timeout``; MySQL ``max_execution_time``, MariaDB ``max_statement_time``;
SQLite a progress handler): it is exact if it finishes, and reported as not counted if not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, event, func, literal_column, select, table, text
from sqlalchemy.exc import DBAPIError

from common.errors import InvalidInputError

_PG_ROWS = text(
    "SELECT c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = :t AND n.nspname = coalesce(:s, current_schema())"
)
_MYSQL_ROWS = text(
    "SELECT table_rows FROM information_schema.tables "
    "WHERE table_schema = coalesce(:s, database()) AND table_name = :t"
)
_TIMEOUT_WORDS = (
    "statement timeout",
    "max_statement_time",
    "execution time exceeded",
    "maximum statement execution time",
    "interrupted",
)


@dataclass(frozen=True)
class Bounds:
    exact_rows: int = 1_000_000  # up to this estimate: exact count, no time limit
    timeout: float = 30.0  # seconds for a scan of a larger table

    @classmethod
    def given(cls, exact_rows: int, timeout: float) -> Bounds:
        """The bounds of ``--preflight-exact-rows``/``--preflight-timeout``, refused in one
        line before anything connects when they make no sense."""
        if exact_rows < 0 or timeout <= 0:
            raise InvalidInputError(
                "--preflight-exact-rows must be 0 or more and --preflight-timeout more than 0.",
                "give e.g. --preflight-exact-rows 1000000 --preflight-timeout 30.",
            )
        return cls(exact_rows, timeout)


class TimedOut(Exception):
    """The time-boxed scan did not finish."""


def estimated_rows(connection: Connection, name: str, schema: str | None) -> int | None:
    """The statistics' row count of the table; None when it has none (never analysed)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        rows = connection.execute(_PG_ROWS, {"t": name, "s": schema}).scalar()
        return None if rows is None or rows < 0 else int(rows)
    if dialect == "mysql":
        rows = connection.execute(_MYSQL_ROWS, {"t": name, "s": schema}).scalar()
        return None if rows is None else int(rows)
    rowid = select(func.max(literal_column("rowid"))).select_from(table(name, schema=schema))
    return int(connection.execute(rowid).scalar() or 0)


def method(rows: int | None, bounds: Bounds, statistic: str) -> tuple[bool, str]:
    """``(time_boxed, text)``: which way the table is counted, said in the finding."""
    if rows is not None and rows <= bounds.exact_rows:
        return False, f"exact count (~{rows:,} rows by {statistic})"
    size = "no statistics" if rows is None else f"~{rows:,} rows by {statistic}"
    return True, f"time-boxed scan ({size}; limit {bounds.timeout:g} s)"


STATISTIC = {"postgresql": "pg_class.reltuples", "mysql": "table_rows", "sqlite": "max(rowid)"}


def _is_timeout(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return any(word in message for word in _TIMEOUT_WORDS) or "57014" in message


@dataclass(frozen=True)
class TimeBox:
    """The time one step's queries have between them: a deadline, not a limit per
    statement. A step runs a count and then, when rows fail, a query for their sample keys
    (UNIQUE: a proof, a listing and a grouping), and ``--preflight-timeout 30`` means 30
    seconds for all of them, not 30 for each."""

    deadline: float  # time.monotonic() by which the step's queries must have finished

    @classmethod
    def starting(cls, seconds: float) -> TimeBox:
        return cls(time.monotonic() + seconds)

    def left(self) -> float:
        """Seconds left, never zero (to the servers, a limit of 0 is no limit)."""
        return max(self.deadline - time.monotonic(), 0.001)


def _mysql_limit_name(connection: Connection) -> str:
    """MariaDB and MySQL name their statement limit differently (the dialect knows which
    server it met, as ``render.instant_defaults`` asks it)."""
    mariadb = getattr(connection.dialect, "is_mariadb", False)
    return "max_statement_time" if mariadb else "max_execution_time"


def _server_limit(name: str, box: TimeBox) -> tuple[str, tuple]:
    """The statement giving the next statement what is left of ``box``, and its parameter."""
    ms = max(int(box.left() * 1000), 1)
    if name == "statement_timeout":
        return "SELECT set_config('statement_timeout', %s, true)", (str(ms),)
    if name == "max_statement_time":  # MariaDB: seconds
        return "SET SESSION max_statement_time = %s", (box.left(),)
    return "SET SESSION max_execution_time = %s", (ms,)


@contextmanager
def _rearmed(connection: Connection, name: str, box: TimeBox) -> Iterator[None]:
    """Before each statement of the block, the server's limit ``name`` is set to what is
    left of ``box``: PostgreSQL and MySQL limit one statement at a time, so the limit is
    moved with the deadline (on the statement's own cursor, through SQLAlchemy's
    ``before_cursor_execute`` event)."""

    def arm(conn, cursor, statement, parameters, context, executemany) -> None:
        cursor.execute(*_server_limit(name, box))

    previous = None
    if name != "statement_timeout":  # a session setting: put back after
        previous = connection.exec_driver_sql(f"SELECT @@SESSION.{name}").scalar()
    event.listen(connection, "before_cursor_execute", arm)
    try:
        yield
    finally:
        event.remove(connection, "before_cursor_execute", arm)
        if previous is not None:
            connection.exec_driver_sql(f"SET SESSION {name} = %s", (previous,))


@contextmanager
def _sqlite_limit(connection: Connection, box: TimeBox) -> Iterator[None]:
    driver = connection.connection.driver_connection
    driver.set_progress_handler(lambda: int(time.monotonic() > box.deadline), 10_000)
    try:
        yield
    finally:
        driver.set_progress_handler(None, 0)


def _limit(connection: Connection, box: TimeBox | None):
    """The context that holds the block's statements to ``box`` on this dialect."""
    dialect = connection.dialect.name
    if box is None:
        return _no_limit()
    if dialect == "sqlite":
        return _sqlite_limit(connection, box)
    name = "statement_timeout" if dialect == "postgresql" else _mysql_limit_name(connection)
    return _rearmed(connection, name, box)


@contextmanager
def read_only(connection: Connection, limit: float | TimeBox | None) -> Iterator[Connection]:
    """A read-only transaction on ``connection``, rolled back. ``limit``: the time its
    statements have between them, in seconds from now or as a ``TimeBox`` that several
    blocks share (raises TimedOut when it runs out); None for no limit."""
    if connection.in_transaction():
        connection.rollback()
    dialect = connection.dialect.name
    box = TimeBox.starting(limit) if isinstance(limit, int | float) else limit
    if dialect == "sqlite":
        connection.exec_driver_sql("PRAGMA query_only = ON")
    try:
        connection.exec_driver_sql("SET TRANSACTION READ ONLY") if dialect != "sqlite" else None
        with _limit(connection, box):
            yield connection
    except DBAPIError as exc:
        if box is not None and _is_timeout(exc):
            raise TimedOut() from None
        raise
    finally:
        connection.rollback()
        if dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA query_only = OFF")
            connection.commit()


@contextmanager
def _no_limit() -> Iterator[None]:
    yield

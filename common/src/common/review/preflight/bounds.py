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

from sqlalchemy import Connection, func, literal_column, select, table, text
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


@contextmanager
def _mysql_limit(connection: Connection, seconds: float) -> Iterator[None]:
    mariadb = "mariadb" in str(connection.exec_driver_sql("SELECT version()").scalar()).lower()
    name = "max_statement_time" if mariadb else "max_execution_time"
    value = seconds if mariadb else int(seconds * 1000)
    previous = connection.exec_driver_sql(f"SELECT @@SESSION.{name}").scalar()
    connection.exec_driver_sql(f"SET SESSION {name} = %s", (value,))
    try:
        yield
    finally:
        connection.exec_driver_sql(f"SET SESSION {name} = %s", (previous,))


@contextmanager
def _sqlite_limit(connection: Connection, seconds: float) -> Iterator[None]:
    deadline = time.monotonic() + seconds
    driver = connection.connection.driver_connection
    driver.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        yield
    finally:
        driver.set_progress_handler(None, 0)


@contextmanager
def read_only(connection: Connection, timeout: float | None) -> Iterator[Connection]:
    """A read-only transaction on ``connection``, rolled back; ``timeout`` seconds per
    statement when given (raises TimedOut)."""
    if connection.in_transaction():
        connection.rollback()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.exec_driver_sql("PRAGMA query_only = ON")
    try:
        connection.exec_driver_sql("SET TRANSACTION READ ONLY") if dialect != "sqlite" else None
        if dialect == "postgresql" and timeout is not None:
            ms = str(int(timeout * 1000))
            connection.execute(select(func.set_config("statement_timeout", ms, True)))
        limit = _no_limit()
        if timeout is not None and dialect == "mysql":
            limit = _mysql_limit(connection, timeout)
        elif timeout is not None and dialect == "sqlite":
            limit = _sqlite_limit(connection, timeout)
        with limit:
            yield connection
    except DBAPIError as exc:
        if timeout is not None and _is_timeout(exc):
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

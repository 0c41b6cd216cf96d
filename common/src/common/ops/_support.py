"""What every workbench operation needs: errors, reflection, transactions, lock timeouts.

The helpers run either inside a revision (``op.<name>``, where Alembic's
``autocommit_block()`` has switched the connection to AUTOCOMMIT) or as plain functions
on a connection the caller owns. ``own_transactions`` and ``autocommit`` hide that
difference so each helper is written once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, NoSuchTableError

from common.errors import WorkbenchError

#: lock_timeout of each batch / short DDL step: a blocked step fails fast and is retried
#: instead of queueing every application query behind it.
DEFAULT_LOCK_TIMEOUT_MS = 1_000


class OperationError(WorkbenchError):
    """A workbench operation cannot run as asked (bad table, unsupported database...)."""


def dialect_name(connection: Connection) -> str:
    name = connection.dialect.name
    return "mysql" if name == "mariadb" else name


def is_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def reflect_table(connection: Connection, table_name: str, schema: str | None = None) -> sa.Table:
    """The table with its columns and primary key, or a one-line error naming it."""
    try:
        return sa.Table(table_name, sa.MetaData(), autoload_with=connection, schema=schema)
    except NoSuchTableError:
        raise OperationError(
            f"table {table_name!r} does not exist.",
            "check the table name (and schema) passed to the operation.",
        ) from None


def column_of(table: sa.Table, name: str) -> sa.Column:
    if name not in table.c:
        raise OperationError(
            f"table {table.name!r} has no column {name!r}.",
            f"use one of: {', '.join(table.c.keys())}.",
        )
    return table.c[name]


def as_clause(where: Any) -> sa.ColumnElement | None:
    """``where`` as a SQL clause: text is wrapped in ``sa.text``; None stays None."""
    if where is None:
        return None
    if isinstance(where, str):
        return sa.text(where)
    return where


def _isolation_option(connection: Connection) -> str | None:
    return connection.get_execution_options().get("isolation_level")


@contextmanager
def own_transactions(connection: Connection) -> Iterator[Connection]:
    """A connection on which the caller may ``begin()`` and commit batches of its own.

    Inside ``autocommit_block()`` (a revision) the revision's work is already committed,
    so a sibling connection from the same engine runs the batches in real transactions.
    A plain caller's connection is used as is, but must not be inside a transaction:
    committing batches would silently commit the caller's pending work too.
    """
    if _isolation_option(connection) == "AUTOCOMMIT":
        with connection.engine.connect() as sibling:
            yield sibling
        return
    if connection.in_transaction():
        raise OperationError(
            "batched operations commit each batch on their own, but the connection is "
            "inside a transaction.",
            "commit first, or call it from a revision as op.<name>(...).",
        )
    yield connection


@contextmanager
def autocommit(connection: Connection) -> Iterator[Connection]:
    """The connection in AUTOCOMMIT, as CONCURRENTLY statements need; restored afterwards."""
    if _isolation_option(connection) == "AUTOCOMMIT":
        yield connection
        return
    if connection.in_transaction():
        raise OperationError(
            "this operation must run outside a transaction, but the connection is inside one.",
            "commit first, or call it from a revision as op.<name>(...).",
        )
    previous = connection.get_isolation_level()
    connection.execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield connection
    finally:
        if connection.in_transaction():
            connection.commit()
        connection.execution_options(isolation_level=previous)


def set_local_lock_timeout(
    connection: Connection, milliseconds: int, *, asynchronous_commit: bool = False
) -> None:
    """``SET LOCAL lock_timeout`` on PostgreSQL (this transaction only); no-op elsewhere.

    ``asynchronous_commit`` also sets ``synchronous_commit = off`` for the transaction:
    its COMMIT does not wait for the WAL flush. Batches use it because each one commits
    its rows together with its checkpoint: a server crash can only lose whole batches,
    which the resumed run redoes, and the job's final ordinary commit flushes them all.
    """
    if not is_postgresql(connection):
        return
    settings = [sa.func.set_config("lock_timeout", f"{milliseconds}ms", True)]
    if asynchronous_commit:
        settings.append(sa.func.set_config("synchronous_commit", "off", True))
    connection.execute(sa.select(*settings))


def short_step(connection: Connection, action: Any, lock_timeout_ms: int) -> None:
    """Run one DDL statement (or ``action(connection)``) in a short transaction of its own.

    On PostgreSQL the step runs on a sibling connection inside BEGIN/COMMIT with
    ``SET LOCAL lock_timeout``: a step that would queue behind a long transaction (and
    make every query queue behind it) fails fast instead. Elsewhere it runs as is.
    """
    run = action if callable(action) else (lambda conn: conn.execute(action))
    if not is_postgresql(connection):
        run(connection)
        return
    with connection.engine.connect() as step, step.begin():
        set_local_lock_timeout(step, lock_timeout_ms)
        run(step)


def sqlstate(exc: DBAPIError) -> str:
    """The SQLSTATE (PostgreSQL) or error number (MySQL) of a driver error, as text."""
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state:
        return str(state)
    args = getattr(orig, "args", ())
    return str(args[0]) if args else ""


LOCK_ERRORS = {"55P03", "40P01", "1205", "1213"}


def alembic_operations(connection: Connection) -> Operations:
    """Alembic's ``op`` bound to a connection, for the DDL Alembic already spells well."""
    return Operations(MigrationContext.configure(connection))


def require_table_name(table_name: str | None, what: str) -> str:
    if not table_name:
        raise OperationError(
            f"{what} needs the table name on this database.",
            "pass table_name=... to the operation.",
        )
    return table_name

"""The statements a workbench op writes, run online or written offline from one list.

Each op builds what it writes once, as SQLAlchemy or Alembic constructs (``CreateIndex``
through Alembic's ``CreateIndexOp``, ``IdentifierDDL``, ``sa.text`` with bound values),
in a ``statements(dialect, op)`` function. Online, the op first reads the database (does
the index exist, is it INVALID, are there NULLs left), may repair a leftover, then
executes those statements with ``execute``; offline (``--sql``) the same list goes to
``operations.execute`` / ``operations.invoke``, which compile it for the target dialect.
The difference between the two modes is only in what online reads and repairs.

Two wrappers say how a statement runs, the same in both modes:

- ``Short``: takes a strong lock briefly. On PostgreSQL it is a transaction of its own
  with ``SET LOCAL lock_timeout``, so a step queued behind a long transaction fails fast
  instead of making every query queue behind it (offline: BEGIN, set_config, COMMIT).
- ``TableCopy``: SQLite's ALTER by copying the table (Alembic's batch mode). The copy
  is built from the table as the database has it, so ``--sql`` cannot write it: offline
  it is refused with one line before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic.operations import MigrateOperation, Operations
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from common.database import driver_message
from common.ops._support import (
    DEFAULT_LOCK_TIMEOUT_MS,
    OperationError,
    alembic_operations,
    short_step,
)

Statement = sa.Executable | MigrateOperation
Op = TypeVar("Op", bound=MigrateOperation)


@dataclass(frozen=True)
class Short:
    """``statement`` in a short transaction of its own under ``lock_timeout`` (PostgreSQL)."""

    statement: Statement
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS


@dataclass(frozen=True)
class TableCopy:
    """Alembic's batch mode on ``table_name`` applying ``changes`` (SQLite's ALTER)."""

    table_name: str
    changes: tuple[MigrateOperation, ...]
    schema: str | None = None
    recreate: str = "auto"


Step = Statement | Short | TableCopy


def family(dialect: Dialect) -> str:
    """``postgresql``, ``sqlite`` or ``mysql`` (MariaDB included)."""
    return "mysql" if dialect.name == "mariadb" else dialect.name


def execute(connection: Connection, step: Step) -> None:
    """Run one step online on ``connection`` (in AUTOCOMMIT, outside a transaction)."""
    if isinstance(step, Short):
        short_step(connection, lambda conn: execute(conn, step.statement), step.lock_timeout_ms)
    elif isinstance(step, TableCopy):
        _copy_table(connection, step)
    elif isinstance(step, MigrateOperation):
        alembic_operations(connection).invoke(step)
    else:
        connection.execute(step)


def _copy_table(conn: Connection, step: TableCopy) -> None:
    """Batch mode in one transaction. Outside a revision's transaction the connection is
    in AUTOCOMMIT, and without BEGIN a failing copy would leave ``_alembic_tmp_<table>``
    behind. Rows that violate the change become one line.
    """
    own = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if own:
        conn.exec_driver_sql("BEGIN")
    try:
        with alembic_operations(conn).batch_alter_table(
            step.table_name, schema=step.schema, recreate=step.recreate
        ) as batch:
            for change in step.changes:
                batch.invoke(change)
    except BaseException as exc:
        if own:
            conn.exec_driver_sql("ROLLBACK")
        if isinstance(exc, DBAPIError):
            raise OperationError(
                f"changing table {step.table_name!r} failed, existing rows violate the change: "
                f"{driver_message(exc)}",
                "fix those rows (e.g. with op.batch_update) before adding the constraint.",
            ) from None
        raise
    if own:
        conn.exec_driver_sql("COMMIT")


def _write(operations: Operations, step: Step) -> None:
    context = operations.get_context()
    if isinstance(step, Short):
        if family(context.dialect) != "postgresql":
            _write(operations, step.statement)
            return
        context.impl.emit_begin()
        operations.execute(_lock_timeout(step.lock_timeout_ms))
        _write(operations, step.statement)
        context.impl.emit_commit()
    elif isinstance(step, MigrateOperation):
        operations.invoke(step)
    else:
        operations.execute(step)


def _lock_timeout(milliseconds: int) -> sa.Select:
    return sa.select(sa.func.set_config("lock_timeout", f"{milliseconds}ms", True))


def refuse_table_copy(name: str, steps: Sequence[Step]) -> None:
    """``--sql`` cannot write a SQLite table copy: one line, before anything is written."""
    for step in steps:
        if isinstance(step, TableCopy):
            raise needs_database(
                name, f"copies table {step.table_name!r} on SQLite (batch mode)", "the table"
            )


def needs_database(name: str, what: str, read: str) -> OperationError:
    """The refusal of a step ``--sql`` cannot write because it must read ``read`` first."""
    return OperationError(
        f"{name} {what}, which --sql cannot write: it is built from {read} as the database has it.",
        "run update-db without --sql on this database, or write this step by hand.",
    )


def write(operations: Operations, name: str, steps: Sequence[Step]) -> None:
    """Offline: write ``steps`` through ``operations`` (a table copy is refused first)."""
    refuse_table_copy(name, steps)
    for step in steps:
        _write(operations, step)


def run_statements(
    operations: Operations,
    op: Op,
    apply: Callable[[Connection, Op], Any],
    statements: Callable[[Dialect, Op], Sequence[Step]],
) -> None:
    """``op`` in the revision's transaction: online ``apply(connection, op)``, which reads
    and executes ``statements(dialect, op)``; with ``--sql``, those statements.
    """
    context = operations.get_context()
    if context.as_sql:
        write(
            operations, getattr(op, "op_name", type(op).__name__), statements(context.dialect, op)
        )
    else:
        apply(operations.get_bind(), op)


def run_statements_outside_transaction(
    operations: Operations,
    op: Op,
    apply: Callable[[Connection, Op], Any],
    statements: Callable[[Dialect, Op], Sequence[Step]],
) -> None:
    """``op`` inside ``autocommit_block()``: online ``apply(connection, op)``, which reads,
    repairs and executes ``statements(dialect, op)``; with ``--sql``, those statements.
    """
    context = operations.get_context()
    if context.as_sql:
        steps = statements(context.dialect, op)
        refuse_table_copy(getattr(op, "op_name", type(op).__name__), steps)
        with context.autocommit_block():
            write(operations, getattr(op, "op_name", type(op).__name__), steps)
        return
    with context.autocommit_block():
        apply(operations.get_bind(), op)

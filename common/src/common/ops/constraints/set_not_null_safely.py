"""``op.set_not_null_safely``: SET NOT NULL without a long ACCESS EXCLUSIVE scan.

A plain SET NOT NULL scans the whole table under ACCESS EXCLUSIVE. On PostgreSQL this op
adds ``CHECK (col IS NOT NULL) NOT VALID``, validates it (SHARE UPDATE EXCLUSIVE, reads
and writes go on), then SET NOT NULL, which PostgreSQL 12+ proves from the valid CHECK
without a scan, then drops the CHECK: each step a short transaction of its own.

Online, the op reads the column first: already NOT NULL is ``"already"``, NULLs left are
a one-line error that changes nothing, and a CHECK left by an interrupted run is reused.
Offline (``--sql``) writes the four steps. MySQL/MariaDB rewrite the column definition
(``MODIFY``) and SQLite copies the table: both are built from the column as the database
has it, so ``--sql`` refuses them there.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import conv

from common.ops._locks import lock_line
from common.ops._statements import (
    Short,
    Step,
    TableCopy,
    execute,
    family,
    needs_database,
    run_statements_outside_transaction,
)
from common.ops._support import (
    DEFAULT_LOCK_TIMEOUT_MS,
    OperationError,
    autocommit,
    column_of,
    reflect_table,
)
from common.ops.base import WorkbenchOp, register
from common.ops.constraints._state import pg_constraint, validate


@register("set_not_null_safely")
class SetNotNullSafelyOp(WorkbenchOp):
    """SET NOT NULL through a validated CHECK, so no long ACCESS EXCLUSIVE scan."""

    atomic = False

    offline_refused = frozenset({"sqlite", "mysql"})

    def __init__(
        self,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.schema = schema
        self.lock_timeout_ms = lock_timeout_ms

    @classmethod
    def set_not_null_safely(
        cls, operations: Operations, table_name: str, column_name: str, *, schema: str | None = None
    ):
        """Make a column NOT NULL without blocking writes for a full scan."""
        return operations.invoke(cls(table_name, column_name, schema=schema))

    def reverse(self) -> ops.AlterColumnOp:
        return ops.AlterColumnOp(
            self.table_name, self.column_name, modify_nullable=True, schema=self.schema
        )

    def describe(self) -> str:
        return (
            f"set {self.column_name} NOT NULL on {self.table_name} "
            "(CHECK NOT VALID, VALIDATE, SET NOT NULL)"
        )

    def lock(self, dialect: str) -> str:
        return lock_line(
            dialect, "SHARE UPDATE EXCLUSIVE while validating (reads and writes go on), then brief"
        )

    @classmethod
    def example(cls) -> SetNotNullSafelyOp:
        return cls("ticket", "title")


def not_null_check_name(table_name: str, column_name: str) -> str:
    """The temporary CHECK that proves NOT NULL before SET NOT NULL (63 bytes at most)."""
    return f"{table_name}_{column_name}_not_null"[:63]


def _pg_steps(op: SetNotNullSafelyOp) -> tuple[Step, Step, Step, Step]:
    """ADD CHECK NOT VALID, VALIDATE, SET NOT NULL, DROP CHECK."""
    check = conv(not_null_check_name(op.table_name, op.column_name))
    table, schema, ms = op.table_name, op.schema, op.lock_timeout_ms
    condition = sa.column(op.column_name).is_not(None)
    add = ops.CreateCheckConstraintOp(
        check, table, condition, schema=schema, postgresql_not_valid=True
    )
    set_not_null = ops.AlterColumnOp(table, op.column_name, modify_nullable=False, schema=schema)
    drop = ops.DropConstraintOp(check, table, type_="check", schema=schema)
    return Short(add, ms), validate(check, table, schema), Short(set_not_null, ms), Short(drop, ms)


def statements(
    dialect: Dialect, op: SetNotNullSafelyOp, column: sa.Column | None = None
) -> list[Step]:
    """The steps, online and offline; elsewhere built from the reflected ``column``."""
    kind = family(dialect)
    if kind == "postgresql":
        return list(_pg_steps(op))
    if column is None:
        raise needs_database(
            "set_not_null_safely",
            "rewrites the column definition on MySQL/MariaDB and SQLite",
            f"column {op.table_name}.{op.column_name}",
        )
    alter = ops.AlterColumnOp(
        op.table_name,
        op.column_name,
        schema=op.schema,
        modify_nullable=False,
        existing_type=column.type,
        existing_server_default=column.server_default,
        existing_comment=column.comment,
    )
    if kind == "sqlite":
        return [TableCopy(op.table_name, (alter,), op.schema)]
    return [alter]


def apply(connection: Connection, op: SetNotNullSafelyOp) -> str:
    """Online: "set", or "already" when the column is NOT NULL; NULLs left are refused."""
    with autocommit(connection) as conn:
        table = reflect_table(conn, op.table_name, op.schema)
        column = column_of(table, op.column_name)
        if not column.nullable:
            return "already"
        nulls = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(column.is_(None))
        ).scalar_one()
        if nulls:
            raise OperationError(
                f"column {op.table_name}.{op.column_name} still has {nulls:,} NULL values.",
                f"backfill them first, e.g. op.batch_update({op.table_name!r}, "
                f"{{{op.column_name!r}: ...}}, where={op.column_name!r} + ' IS NULL').",
            )
        steps = statements(conn.dialect, op, column)
        if family(conn.dialect) == "postgresql":
            steps = _pending(conn, op, steps)
        for step in steps:
            execute(conn, step)
        return "set"


def _pending(conn: Connection, op: SetNotNullSafelyOp, steps: list[Step]) -> list[Step]:
    """The PostgreSQL steps still to run: a CHECK an interrupted run left is reused."""
    check = not_null_check_name(op.table_name, op.column_name)
    valid = pg_constraint(conn, check, op.table_name, op.schema)
    if valid is None:
        return steps
    return steps[2:] if valid else steps[1:]


def set_not_null_safely(
    connection: Connection,
    table_name: str,
    column_name: str,
    *,
    schema: str | None = None,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
) -> str:
    """SET NOT NULL without a long ACCESS EXCLUSIVE scan; "set" or "already"."""
    op = SetNotNullSafelyOp(table_name, column_name, schema=schema, lock_timeout_ms=lock_timeout_ms)
    return apply(connection, op)


@Operations.implementation_for(SetNotNullSafelyOp)
def _implement(operations: Operations, op: SetNotNullSafelyOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


@renderers.dispatch_for(SetNotNullSafelyOp)
def _render(autogen_context: Any, op: SetNotNullSafelyOp) -> str:
    schema = f", schema={op.schema!r}" if op.schema else ""
    return f"op.set_not_null_safely({op.table_name!r}, {op.column_name!r}{schema})"

"""``op.create_check_constraint_not_valid``: add a CHECK without scanning the table.

PostgreSQL: ``ADD CONSTRAINT ... CHECK (...) NOT VALID`` in a short transaction of its
own (lock_timeout), validated later by ``op.validate_constraint``. Online an existing
constraint of that name is kept (``"exists"``); offline (``--sql``) cannot read, so it
writes the ADD. MySQL/MariaDB add and check it in one step; SQLite copies the table
(batch mode), which ``--sql`` cannot write.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import conv

from common.identifiers import stored_name
from common.ops._locks import lock_line
from common.ops._statements import (
    Short,
    Step,
    TableCopy,
    execute,
    family,
    run_statements_outside_transaction,
)
from common.ops._support import DEFAULT_LOCK_TIMEOUT_MS, autocommit
from common.ops.base import WorkbenchOp, register
from common.ops.constraints._state import pg_constraint, violations_reported


@register("create_check_constraint_not_valid")
class CreateCheckConstraintNotValidOp(WorkbenchOp):
    """ADD CONSTRAINT ... CHECK NOT VALID (validate later with op.validate_constraint)."""

    atomic = False

    offline_refused = frozenset({"sqlite"})

    def __init__(
        self,
        constraint_name: str,
        table_name: str,
        condition: Any,
        *,
        schema: str | None = None,
        lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    ) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.condition = condition
        self.schema = schema
        self.lock_timeout_ms = lock_timeout_ms

    @classmethod
    def create_check_constraint_not_valid(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        condition: Any,
        *,
        schema: str | None = None,
    ):
        """Add a CHECK constraint without scanning the table."""
        return operations.invoke(cls(constraint_name, table_name, condition, schema=schema))

    def reverse(self) -> ops.DropConstraintOp:
        return ops.DropConstraintOp(
            self.constraint_name, self.table_name, type_="check", schema=self.schema
        )

    def describe(self) -> str:
        return f"add check constraint {self.constraint_name} on {self.table_name} NOT VALID"

    def lock(self, dialect: str) -> str:
        return lock_line(dialect, "ACCESS EXCLUSIVE, brief (no scan)")

    @classmethod
    def example(cls) -> CreateCheckConstraintNotValidOp:
        return cls("ck_ticket_priority", "ticket", "priority > 0")


def statements(dialect: Dialect, op: CreateCheckConstraintNotValidOp) -> list[Step]:
    """The ADD CONSTRAINT, online and offline: NOT VALID on PostgreSQL."""
    name = conv(stored_name(dialect, op.constraint_name, "constraint"))
    condition = sa.text(op.condition) if isinstance(op.condition, str) else op.condition
    kind = family(dialect)
    if kind == "sqlite":
        add = ops.CreateCheckConstraintOp(name, op.table_name, condition)
        return [TableCopy(op.table_name, (add,), op.schema)]
    if kind == "mysql":
        return [ops.CreateCheckConstraintOp(name, op.table_name, condition, schema=op.schema)]
    add = ops.CreateCheckConstraintOp(
        name, op.table_name, condition, schema=op.schema, postgresql_not_valid=True
    )
    return [Short(add, op.lock_timeout_ms)]


def apply(connection: Connection, op: CreateCheckConstraintNotValidOp) -> str:
    """Online: "added", or "exists" when PostgreSQL already has the constraint."""
    name = stored_name(connection.dialect, op.constraint_name, "constraint")
    steps = statements(connection.dialect, op)
    kind = family(connection.dialect)
    with autocommit(connection) as conn:
        if kind == "postgresql" and pg_constraint(conn, name, op.table_name, op.schema) is not None:
            return "exists"
        with violations_reported(name, kind):
            for step in steps:
                execute(conn, step)
        return "added"


def create_check_constraint_not_valid(
    connection: Connection,
    constraint_name: str,
    table_name: str,
    condition: Any,
    *,
    schema: str | None = None,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
) -> str:
    """ADD CONSTRAINT ... CHECK (...) NOT VALID; "added" or "exists"."""
    op = CreateCheckConstraintNotValidOp(
        constraint_name, table_name, condition, schema=schema, lock_timeout_ms=lock_timeout_ms
    )
    return apply(connection, op)


@Operations.implementation_for(CreateCheckConstraintNotValidOp)
def _implement(operations: Operations, op: CreateCheckConstraintNotValidOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


def condition_text(value: Any) -> str:
    """A condition as the script writes it: its SQL text, as a Python string literal."""
    return repr(value if isinstance(value, str) else str(getattr(value, "text", value)))


@renderers.dispatch_for(CreateCheckConstraintNotValidOp)
def _render(autogen_context: Any, op: CreateCheckConstraintNotValidOp) -> str:
    schema = f", schema={op.schema!r}" if op.schema else ""
    return (
        f"op.create_check_constraint_not_valid({op.constraint_name!r}, {op.table_name!r}, "
        f"{condition_text(op.condition)}{schema})"
    )

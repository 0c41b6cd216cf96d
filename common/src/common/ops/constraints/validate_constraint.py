"""``op.validate_constraint``: check the old rows against a NOT VALID constraint.

``VALIDATE CONSTRAINT`` scans the table under SHARE UPDATE EXCLUSIVE only, so reads and
writes go on; it runs outside the revision's transaction, so the ADD's strong lock is
not held through the scan. Online, a constraint already valid is left alone and an
unknown one is a one-line error; offline (``--sql``) writes the VALIDATE. Databases
without NOT VALID (SQLite, MySQL/MariaDB) checked the rows when the constraint was
added: there the step does nothing, online and offline.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from common.identifiers import stored_name
from common.ops._locks import NOTHING, lock_line
from common.ops._statements import Step, execute, family, run_statements_outside_transaction
from common.ops._support import OperationError, autocommit
from common.ops.base import WorkbenchOp, register
from common.ops.constraints._state import pg_constraint, validate, violations_reported


@register("validate_constraint")
class ValidateConstraintOp(WorkbenchOp):
    """VALIDATE CONSTRAINT in its own transaction (no-op where NOT VALID does not exist)."""

    atomic = False

    def __init__(self, constraint_name: str, table_name: str, *, schema: str | None = None) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.schema = schema

    @classmethod
    def validate_constraint(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        *,
        schema: str | None = None,
    ):
        """Check the old rows against a NOT VALID constraint without blocking writes."""
        return operations.invoke(cls(constraint_name, table_name, schema=schema))

    def reverse(self) -> ValidateConstraintOp:
        return self  # a valid constraint stays valid: nothing to undo

    def describe(self) -> str:
        return f"validate constraint {self.constraint_name} on {self.table_name}"

    def lock(self, dialect: str) -> str:
        scan = "SHARE UPDATE EXCLUSIVE (reads and writes go on) while it scans"
        return lock_line(dialect, scan, sqlite=NOTHING, mysql=NOTHING)

    @classmethod
    def example(cls) -> ValidateConstraintOp:
        return cls("ck_ticket_priority", "ticket")

    @classmethod
    def example_setup(cls) -> list[ops.MigrateOperation]:
        from common.ops.constraints.create_check_constraint_not_valid import (
            CreateCheckConstraintNotValidOp,
        )

        return [CreateCheckConstraintNotValidOp("ck_ticket_priority", "ticket", "priority > 0")]


def statements(dialect: Dialect, op: ValidateConstraintOp) -> list[Step]:
    """The VALIDATE on PostgreSQL; nothing elsewhere."""
    if family(dialect) != "postgresql":
        return []
    name = stored_name(dialect, op.constraint_name, "constraint")
    return [validate(name, op.table_name, op.schema)]


def apply(connection: Connection, op: ValidateConstraintOp) -> str:
    """Online: "validated", "already valid", or "not needed" without NOT VALID."""
    if family(connection.dialect) != "postgresql":
        return "not needed"
    name = stored_name(connection.dialect, op.constraint_name, "constraint")
    with autocommit(connection) as conn:
        valid = pg_constraint(conn, name, op.table_name, op.schema)
        if valid is None:
            raise OperationError(
                f"table {op.table_name!r} has no constraint {name!r}.",
                "check the names, or add it first (op.create_check_constraint_not_valid).",
            )
        if valid:
            return "already valid"
        with violations_reported(name):
            for step in statements(conn.dialect, op):
                execute(conn, step)
        return "validated"


def validate_constraint(
    connection: Connection, constraint_name: str, table_name: str, *, schema: str | None = None
) -> str:
    """VALIDATE CONSTRAINT (PostgreSQL): scans old rows without blocking writes.

    Returns "validated", "already valid", or "not needed" on databases without NOT VALID.
    """
    return apply(connection, ValidateConstraintOp(constraint_name, table_name, schema=schema))


@Operations.implementation_for(ValidateConstraintOp)
def _implement(operations: Operations, op: ValidateConstraintOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


@renderers.dispatch_for(ValidateConstraintOp)
def _render(autogen_context: Any, op: ValidateConstraintOp) -> str:
    schema = f", schema={op.schema!r}" if op.schema else ""
    return f"op.validate_constraint({op.constraint_name!r}, {op.table_name!r}{schema})"

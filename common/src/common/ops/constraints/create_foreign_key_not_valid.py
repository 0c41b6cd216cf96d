"""``op.create_foreign_key_not_valid``: add a foreign key without scanning the table.

PostgreSQL: ``ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID`` in a short transaction of
its own (lock_timeout; SHARE ROW EXCLUSIVE on both tables, no scan), validated later by
``op.validate_constraint``. Online an existing constraint of that name is kept
(``"exists"``); offline (``--sql``) cannot read, so it writes the ADD. MySQL/MariaDB add
and check it in one step; SQLite copies the table (batch mode), which ``--sql`` cannot
write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


@register("create_foreign_key_not_valid")
class CreateForeignKeyNotValidOp(WorkbenchOp):
    """ADD CONSTRAINT ... FOREIGN KEY NOT VALID (validate later with op.validate_constraint)."""

    atomic = False

    offline_refused = frozenset({"sqlite"})

    def __init__(
        self,
        constraint_name: str,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        ondelete: str | None = None,
        onupdate: str | None = None,
        *,
        schema: str | None = None,
        lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    ) -> None:
        self.constraint_name = constraint_name
        self.source_table = source_table
        self.referent_table = referent_table
        self.local_cols = list(local_cols)
        self.remote_cols = list(remote_cols)
        self.ondelete = ondelete
        self.onupdate = onupdate
        self.schema = schema
        self.lock_timeout_ms = lock_timeout_ms

    @property
    def table_name(self) -> str:
        """The table the constraint is added to (the review header's table)."""
        return self.source_table

    @classmethod
    def create_foreign_key_not_valid(
        cls,
        operations: Operations,
        constraint_name: str,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        ondelete: str | None = None,
        onupdate: str | None = None,
        *,
        schema: str | None = None,
    ):
        """Add a foreign key without scanning the table."""
        op = cls(
            constraint_name, source_table, referent_table, local_cols, remote_cols,
            ondelete, onupdate, schema=schema,
        )  # fmt: skip
        return operations.invoke(op)

    def reverse(self) -> ops.DropConstraintOp:
        return ops.DropConstraintOp(
            self.constraint_name, self.source_table, type_="foreignkey", schema=self.schema
        )

    def describe(self) -> str:
        return f"add foreign key {self.constraint_name} on {self.source_table} NOT VALID"

    def lock(self, dialect: str) -> str:
        return lock_line(dialect, "SHARE ROW EXCLUSIVE on both tables, brief (no scan)")

    @classmethod
    def example(cls) -> CreateForeignKeyNotValidOp:
        return cls("fk_ticket_owner_id_person", "ticket", "person", ["owner_id"], ["id"])


def statements(dialect: Dialect, op: CreateForeignKeyNotValidOp) -> list[Step]:
    """The ADD CONSTRAINT, online and offline: NOT VALID on PostgreSQL."""
    name = conv(stored_name(dialect, op.constraint_name, "constraint"))
    options = {"ondelete": op.ondelete, "onupdate": op.onupdate}
    columns = (op.source_table, op.referent_table, op.local_cols, op.remote_cols)
    kind = family(dialect)
    if kind == "sqlite":
        return [TableCopy(op.source_table, (ops.CreateForeignKeyOp(name, *columns, **options),))]
    schemas = {"source_schema": op.schema, "referent_schema": op.schema}
    if kind == "mysql":
        return [ops.CreateForeignKeyOp(name, *columns, **schemas, **options)]
    add = ops.CreateForeignKeyOp(name, *columns, **schemas, **options, postgresql_not_valid=True)
    return [Short(add, op.lock_timeout_ms)]


def apply(connection: Connection, op: CreateForeignKeyNotValidOp) -> str:
    """Online: "added", or "exists" when PostgreSQL already has the constraint."""
    name = stored_name(connection.dialect, op.constraint_name, "constraint")
    steps = statements(connection.dialect, op)
    kind = family(connection.dialect)
    with autocommit(connection) as conn:
        if (
            kind == "postgresql"
            and pg_constraint(conn, name, op.source_table, op.schema) is not None
        ):
            return "exists"
        with violations_reported(name, kind):
            for step in steps:
                execute(conn, step)
        return "added"


def create_foreign_key_not_valid(
    connection: Connection,
    constraint_name: str,
    source_table: str,
    referent_table: str,
    local_cols: Sequence[str],
    remote_cols: Sequence[str],
    ondelete: str | None = None,
    onupdate: str | None = None,
    *,
    schema: str | None = None,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
) -> str:
    """ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID; "added" or "exists"."""
    op = CreateForeignKeyNotValidOp(
        constraint_name, source_table, referent_table, local_cols, remote_cols,
        ondelete, onupdate, schema=schema, lock_timeout_ms=lock_timeout_ms,
    )  # fmt: skip
    return apply(connection, op)


@Operations.implementation_for(CreateForeignKeyNotValidOp)
def _implement(operations: Operations, op: CreateForeignKeyNotValidOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


@renderers.dispatch_for(CreateForeignKeyNotValidOp)
def _render(autogen_context: Any, op: CreateForeignKeyNotValidOp) -> str:
    extras = "".join(
        f", {name}={value!r}"
        for name, value in (
            ("ondelete", op.ondelete),
            ("onupdate", op.onupdate),
            ("schema", op.schema),
        )
        if value
    )
    return (
        f"op.create_foreign_key_not_valid({op.constraint_name!r}, {op.source_table!r}, "
        f"{op.referent_table!r}, {op.local_cols!r}, {op.remote_cols!r}{extras})"
    )

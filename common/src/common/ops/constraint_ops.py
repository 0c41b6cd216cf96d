"""``op.<name>`` for the NOT VALID constraint helpers, SET NOT NULL and unique constraints.

Each runs in ``autocommit_block()`` so every step is a short transaction of its own
(see ``common.ops.constraints`` for why that matters).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations, ops

from common.identifiers import stored_name
from common.ops import constraints
from common.ops._support import run_outside_transaction
from common.ops.base import WorkbenchOp, register


def _stored(operations: Operations, name: str) -> str:
    """The constraint's name as the database stores it, for the offline SQL."""
    return stored_name(operations.get_context().dialect, name, "constraint")


@register("create_check_constraint_not_valid")
class CreateCheckConstraintNotValidOp(WorkbenchOp):
    """ADD CONSTRAINT ... CHECK NOT VALID (validate later with op.validate_constraint)."""

    atomic = False

    def __init__(self, constraint_name: str, table_name: str, condition: Any) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.condition = condition

    @classmethod
    def create_check_constraint_not_valid(
        cls, operations: Operations, constraint_name: str, table_name: str, condition: Any
    ):
        """Add a CHECK constraint without scanning the table."""
        return operations.invoke(cls(constraint_name, table_name, condition))

    def reverse(self) -> ops.DropConstraintOp:
        return ops.DropConstraintOp(self.constraint_name, self.table_name, type_="check")

    def describe(self) -> str:
        return f"add check constraint {self.constraint_name} on {self.table_name} (NOT VALID)"


@register("create_foreign_key_not_valid")
class CreateForeignKeyNotValidOp(WorkbenchOp):
    """ADD CONSTRAINT ... FOREIGN KEY NOT VALID (validate later with op.validate_constraint)."""

    atomic = False

    def __init__(
        self,
        constraint_name: str,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        ondelete: str | None = None,
        onupdate: str | None = None,
    ) -> None:
        self.constraint_name = constraint_name
        self.source_table = source_table
        self.referent_table = referent_table
        self.local_cols = list(local_cols)
        self.remote_cols = list(remote_cols)
        self.ondelete = ondelete
        self.onupdate = onupdate

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
    ):
        """Add a foreign key without scanning the table."""
        op = cls(
            constraint_name,
            source_table,
            referent_table,
            local_cols,
            remote_cols,
            ondelete,
            onupdate,
        )
        return operations.invoke(op)

    def reverse(self) -> ops.DropConstraintOp:
        return ops.DropConstraintOp(self.constraint_name, self.source_table, type_="foreignkey")

    def describe(self) -> str:
        return (
            f"add foreign key {self.constraint_name} from {self.source_table}"
            f"({', '.join(self.local_cols)}) to {self.referent_table} (NOT VALID)"
        )


@register("validate_constraint")
class ValidateConstraintOp(WorkbenchOp):
    """VALIDATE CONSTRAINT in its own transaction (no-op where NOT VALID does not exist)."""

    atomic = False

    def __init__(self, constraint_name: str, table_name: str) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name

    @classmethod
    def validate_constraint(cls, operations: Operations, constraint_name: str, table_name: str):
        """Check the old rows against a NOT VALID constraint without blocking writes."""
        return operations.invoke(cls(constraint_name, table_name))

    def describe(self) -> str:
        return f"validate constraint {self.constraint_name} on {self.table_name}"


@register("set_not_null_safely")
class SetNotNullSafelyOp(WorkbenchOp):
    """SET NOT NULL through a validated CHECK, so no long ACCESS EXCLUSIVE scan."""

    atomic = False

    def __init__(self, table_name: str, column_name: str) -> None:
        self.table_name = table_name
        self.column_name = column_name

    @classmethod
    def set_not_null_safely(cls, operations: Operations, table_name: str, column_name: str):
        """Make a column NOT NULL without blocking writes for a full scan."""
        return operations.invoke(cls(table_name, column_name))

    def reverse(self) -> ops.AlterColumnOp:
        return ops.AlterColumnOp(self.table_name, self.column_name, modify_nullable=True)

    def describe(self) -> str:
        return f"set {self.table_name}.{self.column_name} NOT NULL (through a validated CHECK)"


@register("add_unique_constraint_concurrently")
class AddUniqueConstraintConcurrentlyOp(WorkbenchOp):
    """Unique index built concurrently, then ADD CONSTRAINT ... UNIQUE USING INDEX."""

    atomic = False

    def __init__(self, constraint_name: str, table_name: str, columns: Sequence[str]) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.columns = list(columns)

    @classmethod
    def add_unique_constraint_concurrently(
        cls, operations: Operations, constraint_name: str, table_name: str, columns: Sequence[str]
    ):
        """Add a unique constraint without blocking writes during the index build."""
        return operations.invoke(cls(constraint_name, table_name, columns))

    def reverse(self) -> ops.DropConstraintOp:
        return ops.DropConstraintOp(self.constraint_name, self.table_name, type_="unique")

    def describe(self) -> str:
        return (
            f"add unique constraint {self.constraint_name} on {self.table_name}"
            f"({', '.join(self.columns)}) from a concurrently built index"
        )


@Operations.implementation_for(CreateCheckConstraintNotValidOp)
def _check(operations: Operations, op: CreateCheckConstraintNotValidOp) -> None:
    name = _stored(operations, op.constraint_name)
    run_outside_transaction(
        operations,
        lambda conn: constraints.create_check_constraint_not_valid(
            conn, op.constraint_name, op.table_name, op.condition
        ),
        lambda q: (
            f"ALTER TABLE {q(op.table_name)} ADD CONSTRAINT {q(name)} "
            f"CHECK ({getattr(op.condition, 'text', op.condition)}) NOT VALID"
        ),
    )


@Operations.implementation_for(CreateForeignKeyNotValidOp)
def _foreign_key(operations: Operations, op: CreateForeignKeyNotValidOp) -> None:
    name = _stored(operations, op.constraint_name)
    run_outside_transaction(
        operations,
        lambda conn: constraints.create_foreign_key_not_valid(
            conn,
            op.constraint_name,
            op.source_table,
            op.referent_table,
            op.local_cols,
            op.remote_cols,
            op.ondelete,
            op.onupdate,
        ),
        lambda q: (
            f"ALTER TABLE {q(op.source_table)} ADD CONSTRAINT {q(name)} "
            f"FOREIGN KEY ({', '.join(map(q, op.local_cols))}) REFERENCES {q(op.referent_table)} "
            f"({', '.join(map(q, op.remote_cols))}) NOT VALID"
        ),
    )


@Operations.implementation_for(ValidateConstraintOp)
def _validate(operations: Operations, op: ValidateConstraintOp) -> None:
    name = _stored(operations, op.constraint_name)
    run_outside_transaction(
        operations,
        lambda conn: constraints.validate_constraint(conn, op.constraint_name, op.table_name),
        lambda q: f"ALTER TABLE {q(op.table_name)} VALIDATE CONSTRAINT {q(name)}",
    )


@Operations.implementation_for(SetNotNullSafelyOp)
def _set_not_null(operations: Operations, op: SetNotNullSafelyOp) -> None:
    dialect = operations.get_context().dialect.name
    run_outside_transaction(
        operations,
        lambda conn: constraints.set_not_null_safely(conn, op.table_name, op.column_name),
        lambda q: _set_not_null_sql(q, op, dialect),
    )


def _set_not_null_sql(q: Any, op: SetNotNullSafelyOp, dialect: str) -> str:
    """Offline SQL: on PostgreSQL the same four steps the online operation runs."""
    table, column = q(op.table_name), q(op.column_name)
    set_not_null = f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL"
    if dialect != "postgresql":
        return set_not_null
    check = q(constraints.not_null_check_name(op.table_name, op.column_name))
    return "; ".join(
        [
            f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID",
            f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}",
            set_not_null,
            f"ALTER TABLE {table} DROP CONSTRAINT {check}",
        ]
    )


@Operations.implementation_for(AddUniqueConstraintConcurrentlyOp)
def _unique(operations: Operations, op: AddUniqueConstraintConcurrentlyOp) -> None:
    name = _stored(operations, op.constraint_name)
    run_outside_transaction(
        operations,
        lambda conn: constraints.add_unique_constraint_concurrently(
            conn, op.constraint_name, op.table_name, op.columns
        ),
        lambda q: (
            f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {q(name)} ON "
            f"{q(op.table_name)} ({', '.join(map(q, op.columns))}); ALTER TABLE "
            f"{q(op.table_name)} ADD CONSTRAINT {q(name)} UNIQUE USING INDEX {q(name)}"
        ),
    )


def _text(value: Any) -> str:
    return repr(value if isinstance(value, str) else str(getattr(value, "text", value)))


@renderers.dispatch_for(CreateCheckConstraintNotValidOp)
def _render_check(autogen_context: Any, op: CreateCheckConstraintNotValidOp) -> str:
    return (
        f"op.create_check_constraint_not_valid({op.constraint_name!r}, {op.table_name!r}, "
        f"{_text(op.condition)})"
    )


@renderers.dispatch_for(CreateForeignKeyNotValidOp)
def _render_foreign_key(autogen_context: Any, op: CreateForeignKeyNotValidOp) -> str:
    extras = "".join(
        f", {name}={value!r}"
        for name, value in (("ondelete", op.ondelete), ("onupdate", op.onupdate))
        if value
    )
    return (
        f"op.create_foreign_key_not_valid({op.constraint_name!r}, {op.source_table!r}, "
        f"{op.referent_table!r}, {op.local_cols!r}, {op.remote_cols!r}{extras})"
    )


@renderers.dispatch_for(ValidateConstraintOp)
def _render_validate(autogen_context: Any, op: ValidateConstraintOp) -> str:
    return f"op.validate_constraint({op.constraint_name!r}, {op.table_name!r})"


@renderers.dispatch_for(SetNotNullSafelyOp)
def _render_set_not_null(autogen_context: Any, op: SetNotNullSafelyOp) -> str:
    return f"op.set_not_null_safely({op.table_name!r}, {op.column_name!r})"


@renderers.dispatch_for(AddUniqueConstraintConcurrentlyOp)
def _render_unique(autogen_context: Any, op: AddUniqueConstraintConcurrentlyOp) -> str:
    return (
        f"op.add_unique_constraint_concurrently({op.constraint_name!r}, {op.table_name!r}, "
        f"{op.columns!r})"
    )

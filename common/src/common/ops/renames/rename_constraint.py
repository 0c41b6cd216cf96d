"""``op.rename_constraint``: rename a constraint to the name the naming convention gives.

PostgreSQL renames it in place (``ALTER TABLE ... RENAME CONSTRAINT``), the same
statement online and offline. MySQL/MariaDB rename a UNIQUE (an index) in place and
re-create foreign keys and CHECK constraints under the new name (their primary key is
always PRIMARY); SQLite renames any of them, the primary key included (its name lives in
the CREATE TABLE text), by copying the table. What to write there depends on what the
constraint is, which only the online run can read: ``--sql`` refuses on those databases,
and online a constraint already gone is left alone.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import MigrateOperation, Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import conv

from common.ops._ddl import IdentifierDDL
from common.ops._statements import (
    Step,
    TableCopy,
    execute,
    family,
    needs_database,
    run_statements,
)
from common.ops.base import WorkbenchOp, register
from common.ops.renames._names import on_table, rename_lock

_LABELS = {"sqlite": "SQLite", "mysql": "MySQL/MariaDB"}


@register("rename_constraint")
class RenameConstraintOp(WorkbenchOp):
    """Rename constraint ``old_name`` of ``table_name`` to ``new_name``."""

    offline_refused = frozenset({"sqlite", "mysql"})

    def __init__(
        self, table_name: str, old_name: str, new_name: str, schema: str | None = None
    ) -> None:
        self.table_name = table_name
        self.old_name = old_name
        self.new_name = new_name
        self.schema = schema

    @classmethod
    def rename_constraint(
        cls,
        operations: Operations,
        table_name: str,
        old_name: str,
        new_name: str,
        schema: str | None = None,
    ):
        return operations.invoke(cls(table_name, old_name, new_name, schema=schema))

    def reverse(self) -> RenameConstraintOp:
        return RenameConstraintOp(self.table_name, self.new_name, self.old_name, schema=self.schema)

    def describe(self) -> str:
        return f"rename constraint {self.old_name} to {self.new_name} on {on_table(self)}"

    def lock(self, dialect: str) -> str:
        return rename_lock(dialect)

    @classmethod
    def example(cls) -> RenameConstraintOp:
        return cls("ticket", "ck_ticket_priority", "ck_ticket_priority_positive")

    @classmethod
    def example_setup(cls) -> list[MigrateOperation]:
        from common.ops.constraints.create_check_constraint_not_valid import (
            CreateCheckConstraintNotValidOp,
        )

        return [CreateCheckConstraintNotValidOp("ck_ticket_priority", "ticket", "priority > 0")]


def _named(items: list[dict], name: str) -> dict | None:
    return next((item for item in items if item.get("name") == name), None)


def _foreign_key(op: RenameConstraintOp, fk: dict) -> ops.CreateForeignKeyOp:
    options = fk.get("options") or {}
    return ops.CreateForeignKeyOp(
        conv(op.new_name),
        op.table_name,
        fk["referred_table"],
        fk["constrained_columns"],
        fk["referred_columns"],
        ondelete=options.get("ondelete"),
        onupdate=options.get("onupdate"),
    )


def _sqlite_changes(op: RenameConstraintOp, inspector: sa.Inspector) -> list[MigrateOperation]:
    """The drop and create, inside a table copy, for whatever kind ``old_name`` is."""
    table, old, new = op.table_name, conv(op.old_name), conv(op.new_name)
    pk = inspector.get_pk_constraint(table)
    if pk.get("name") == old:
        return [
            ops.DropConstraintOp(old, table, type_="primary"),
            ops.CreatePrimaryKeyOp(new, table, pk["constrained_columns"]),
        ]
    if unique := _named(inspector.get_unique_constraints(table), old):
        return [
            ops.DropConstraintOp(old, table, type_="unique"),
            ops.CreateUniqueConstraintOp(new, table, unique["column_names"]),
        ]
    if fk := _named(inspector.get_foreign_keys(table), old):
        return [ops.DropConstraintOp(old, table, type_="foreignkey"), _foreign_key(op, fk)]
    if check := _named(inspector.get_check_constraints(table), old):
        return [
            ops.DropConstraintOp(old, table, type_="check"),
            ops.CreateCheckConstraintOp(new, table, sa.text(check["sqltext"])),
        ]
    return []


def _mysql_steps(op: RenameConstraintOp, inspector: sa.Inspector) -> list[Step]:
    """A UNIQUE is an index (renamed in place); an FK or CHECK is dropped and re-added."""
    table, old, new = op.table_name, conv(op.old_name), conv(op.new_name)
    if _named(inspector.get_unique_constraints(table), old):
        return [IdentifierDDL("ALTER TABLE {} RENAME INDEX {} TO {}", table, old, new)]
    if fk := _named(inspector.get_foreign_keys(table), old):
        return [ops.DropConstraintOp(old, table, type_="foreignkey"), _foreign_key(op, fk)]
    if check := _named(inspector.get_check_constraints(table), old):
        return [
            ops.DropConstraintOp(old, table, type_="check"),
            ops.CreateCheckConstraintOp(new, table, sa.text(check["sqltext"])),
        ]
    return []


def statements(
    dialect: Dialect, op: RenameConstraintOp, inspector: sa.Inspector | None = None
) -> list[Step]:
    """The rename; elsewhere built from what ``inspector`` reads the constraint to be."""
    kind = family(dialect)
    if kind == "postgresql":
        table = (op.schema, op.table_name)
        return [
            IdentifierDDL(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}", table, op.old_name, op.new_name
            )
        ]
    if inspector is None:
        raise needs_database(
            "rename_constraint",
            f"re-creates the constraint on {_LABELS[kind]}",
            "the constraint",
        )
    if kind == "mysql":
        return _mysql_steps(op, inspector)
    changes = _sqlite_changes(op, inspector)
    return [TableCopy(op.table_name, tuple(changes), recreate="always")] if changes else []


def apply(connection: Connection, op: RenameConstraintOp) -> None:
    for step in statements(connection.dialect, op, sa.inspect(connection)):
        execute(connection, step)
    if family(connection.dialect) == "mysql":
        _drop_backing_index(connection, op)


def _drop_backing_index(connection: Connection, op: RenameConstraintOp) -> None:
    """MySQL named the old FK's implicit index after it; read once the FK is re-created."""
    if _named(sa.inspect(connection).get_indexes(op.table_name), op.old_name):
        execute(
            connection, IdentifierDDL("ALTER TABLE {} DROP INDEX {}", op.table_name, op.old_name)
        )


@Operations.implementation_for(RenameConstraintOp)
def _implement(operations: Operations, op: RenameConstraintOp) -> None:
    run_statements(operations, op, apply, statements)


@renderers.dispatch_for(RenameConstraintOp)
def _render(autogen_context: Any, operation: RenameConstraintOp) -> str:
    schema = f", schema={operation.schema!r}" if operation.schema else ""
    return (
        f"op.rename_constraint({operation.table_name!r}, "
        f"{operation.old_name!r}, {operation.new_name!r}{schema})"
    )

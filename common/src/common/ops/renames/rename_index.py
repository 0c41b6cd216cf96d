"""``op.rename_index``: rename an index to the name the naming convention now gives.

PostgreSQL ``ALTER INDEX ... RENAME TO`` and MySQL/MariaDB ``ALTER TABLE ... RENAME
INDEX`` rename in place, online and offline alike. SQLite has no ALTER INDEX: online the
index is read and created again under the new name (an index already gone is left
alone); ``--sql`` cannot know its columns and refuses there.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import conv

from common.ops._ddl import IdentifierDDL
from common.ops._statements import Step, execute, family, needs_database, run_statements
from common.ops.base import WorkbenchOp, register
from common.ops.renames._names import on_table, rename_lock


@register("rename_index")
class RenameIndexOp(WorkbenchOp):
    """Rename index ``old_name`` of ``table_name`` to ``new_name``."""

    offline_refused = frozenset({"sqlite"})

    def __init__(
        self, old_name: str, new_name: str, table_name: str, schema: str | None = None
    ) -> None:
        self.old_name = old_name
        self.new_name = new_name
        self.table_name = table_name
        self.schema = schema

    @classmethod
    def rename_index(
        cls,
        operations: Operations,
        old_name: str,
        new_name: str,
        table_name: str,
        schema: str | None = None,
    ):
        return operations.invoke(cls(old_name, new_name, table_name, schema=schema))

    def reverse(self) -> RenameIndexOp:
        return RenameIndexOp(self.new_name, self.old_name, self.table_name, schema=self.schema)

    def describe(self) -> str:
        return f"rename index {self.old_name} to {self.new_name} on {on_table(self)}"

    def lock(self, dialect: str) -> str:
        return rename_lock(dialect)

    @classmethod
    def example(cls) -> RenameIndexOp:
        return cls("ix_ticket_title", "ix_ticket_heading", "ticket")

    @classmethod
    def example_setup(cls) -> list[ops.MigrateOperation]:
        return [ops.CreateIndexOp("ix_ticket_title", "ticket", ["title"])]


def statements(
    dialect: Dialect, op: RenameIndexOp, inspector: sa.Inspector | None = None
) -> list[Step]:
    """The rename; on SQLite a drop and create built from the index ``inspector`` reads."""
    kind = family(dialect)
    if kind == "postgresql":
        return [IdentifierDDL("ALTER INDEX {} RENAME TO {}", (op.schema, op.old_name), op.new_name)]
    if kind == "mysql":
        table = (op.schema, op.table_name)
        return [
            IdentifierDDL("ALTER TABLE {} RENAME INDEX {} TO {}", table, op.old_name, op.new_name)
        ]
    if inspector is None:
        raise needs_database("rename_index", "re-creates the index on SQLite", "the index")
    found = [i for i in inspector.get_indexes(op.table_name, op.schema) if i["name"] == op.old_name]
    if not found:
        return []
    columns, unique = found[0]["column_names"], bool(found[0]["unique"])
    return [
        ops.DropIndexOp(conv(op.old_name), op.table_name, schema=op.schema),
        ops.CreateIndexOp(
            conv(op.new_name), op.table_name, columns, unique=unique, schema=op.schema
        ),
    ]


def apply(connection: Connection, op: RenameIndexOp) -> None:
    for step in statements(connection.dialect, op, sa.inspect(connection)):
        execute(connection, step)


@Operations.implementation_for(RenameIndexOp)
def _implement(operations: Operations, op: RenameIndexOp) -> None:
    run_statements(operations, op, apply, statements)


@renderers.dispatch_for(RenameIndexOp)
def _render(autogen_context: Any, operation: RenameIndexOp) -> str:
    schema = f", schema={operation.schema!r}" if operation.schema else ""
    return (
        f"op.rename_index({operation.old_name!r}, {operation.new_name!r}, "
        f"table_name={operation.table_name!r}{schema})"
    )

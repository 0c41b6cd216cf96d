"""``op.drop_foreign_key_index``: the index MySQL/MariaDB made for a dropped foreign key.

InnoDB needs an index on a foreign key's columns and, when none exists, creates one named
after the constraint. ``DROP FOREIGN KEY`` leaves that index behind, so without this step
a revision that drops a foreign key (an upgrade, or the downgrade of one that added it)
ends with an index the models do not have: ``check`` reports it and the schema no longer
matches ``create_all``. Online the index is dropped only when it exists (the foreign key
may have used an index of the models instead, which stays); offline (``--sql``) cannot
read, so it writes the DROP INDEX for the index InnoDB made. On other databases this
does nothing, online and offline.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import conv

from common.ops._locks import MYSQL_METADATA, NOTHING, lock_line
from common.ops._statements import Step, execute, family, run_statements
from common.ops.base import WorkbenchOp, register

MYSQL_DIALECTS = ("mysql", "mariadb")


@register("drop_foreign_key_index")
class DropForeignKeyIndexOp(WorkbenchOp):
    """Drop index ``name`` of ``table_name`` if MySQL/MariaDB left it after its FK went."""

    def __init__(self, table_name: str, name: str, *, schema: str | None = None) -> None:
        self.table_name = table_name
        self.name = name
        self.schema = schema

    @classmethod
    def drop_foreign_key_index(
        cls, operations: Operations, table_name: str, name: str, *, schema: str | None = None
    ):
        return operations.invoke(cls(table_name, name, schema=schema))

    def reverse(self) -> DropForeignKeyIndexOp:
        # reversed, it runs before the foreign key is created again, which makes the
        # index anew: there is nothing to drop then, and the step does nothing
        return self

    def describe(self) -> str:
        return f"drop index {self.name} on {self.table_name} left by its foreign key"

    def lock(self, dialect: str) -> str:
        return lock_line(dialect, NOTHING, sqlite=NOTHING, mysql=MYSQL_METADATA)

    @classmethod
    def example(cls) -> DropForeignKeyIndexOp:
        return cls("ticket", "fk_ticket_owner_id_person")

    @classmethod
    def example_setup(cls) -> list[ops.MigrateOperation]:
        # the state the step looks for: an index named after the foreign key
        return [ops.CreateIndexOp("fk_ticket_owner_id_person", "ticket", ["owner_id"])]


def statements(
    dialect: Dialect, op: DropForeignKeyIndexOp, inspector: sa.Inspector | None = None
) -> list[Step]:
    """The DROP INDEX on MySQL/MariaDB, unless ``inspector`` finds no such index."""
    if family(dialect) != "mysql":
        return []
    if inspector is not None:
        names = {index["name"] for index in inspector.get_indexes(op.table_name, op.schema)}
        if op.name not in names:
            return []
    return [ops.DropIndexOp(conv(op.name), op.table_name, schema=op.schema)]


def apply(connection: Connection, op: DropForeignKeyIndexOp) -> None:
    inspector = sa.inspect(connection) if family(connection.dialect) == "mysql" else None
    for step in statements(connection.dialect, op, inspector):
        execute(connection, step)


@Operations.implementation_for(DropForeignKeyIndexOp)
def _implement(operations: Operations, operation: DropForeignKeyIndexOp) -> None:
    run_statements(operations, operation, apply, statements)


@renderers.dispatch_for(DropForeignKeyIndexOp)
def _render(autogen_context: Any, operation: DropForeignKeyIndexOp) -> str:
    schema = f", schema={operation.schema!r}" if operation.schema else ""
    return f"op.drop_foreign_key_index({operation.table_name!r}, {operation.name!r}{schema})"

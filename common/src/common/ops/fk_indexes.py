"""``op.drop_foreign_key_index``: the index MySQL/MariaDB made for a dropped foreign key.

InnoDB needs an index on a foreign key's columns and, when none exists, creates one named
after the constraint. ``DROP FOREIGN KEY`` leaves that index behind, so without this step
a revision that drops a foreign key (an upgrade, or the downgrade of one that added it)
ends with an index the models do not have: ``check`` reports it and the schema no longer
matches ``create_all``. The index is dropped only when it exists (the foreign key may have
used an index of the models instead, which stays); on other databases this does nothing.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy import inspect

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


@Operations.implementation_for(DropForeignKeyIndexOp)
def _drop_foreign_key_index(operations: Operations, operation: DropForeignKeyIndexOp) -> None:
    connection = operations.get_bind()
    if connection.dialect.name not in MYSQL_DIALECTS:
        return
    indexes = inspect(connection).get_indexes(operation.table_name, schema=operation.schema)
    if any(index["name"] == operation.name for index in indexes):
        operations.drop_index(operation.name, operation.table_name, schema=operation.schema)


@renderers.dispatch_for(DropForeignKeyIndexOp)
def _render(autogen_context: Any, operation: DropForeignKeyIndexOp) -> str:
    schema = f", schema={operation.schema!r}" if operation.schema else ""
    return f"op.drop_foreign_key_index({operation.table_name!r}, {operation.name!r}{schema})"

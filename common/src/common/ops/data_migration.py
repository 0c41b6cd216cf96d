"""``op.require_data_migration``: ``op.stop_migration`` for a column no cast can convert.

Autogenerate emits it where no SQL cast can carry the data over (an integer column that
becomes a uuid): running such a script must not guess, so it stops with a one-line
message naming the column and the two types, changing nothing. The person replaces the
call with the real data migration (a new column, a backfill, a swap).

It is a ``StopMigrationOp`` (``common.ops.stop``): same implementation, same error
class, same review rule; only its arguments and the script text differ.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.errors import DataMigrationRequiredError
from common.ops.base import register
from common.ops.stop import StopMigrationOp


@register("require_data_migration")
class RequireDataMigrationOp(StopMigrationOp):
    """Stop: ``table_name.column_name`` cannot go from ``from_type`` to ``to_type`` by cast."""

    error_class = DataMigrationRequiredError

    def __init__(
        self,
        table_name: str,
        column_name: str,
        from_type: str,
        to_type: str,
        *,
        schema: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.from_type = from_type
        self.to_type = to_type
        self.schema = schema
        super().__init__(
            f"{table_name}.{column_name} cannot change from {from_type} to {to_type}: no cast "
            "converts the existing values; nothing was changed.",
            "replace op.require_data_migration(...) in the revision with a hand-written data "
            "migration (add a new column, fill it, drop the old one), then run update-db again.",
        )

    @classmethod
    def require_data_migration(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        from_type: str,
        to_type: str,
        *,
        schema: str | None = None,
    ):
        return operations.invoke(cls(table_name, column_name, from_type, to_type, schema=schema))

    def reverse(self) -> RequireDataMigrationOp:
        return RequireDataMigrationOp(
            self.table_name, self.column_name, self.to_type, self.from_type, schema=self.schema
        )

    def describe(self) -> str:
        return (
            f"STOP before any change: data migration needed for {self.table_name}."
            f"{self.column_name} ({self.from_type} -> {self.to_type}: no cast converts the values)"
        )

    @classmethod
    def example(cls) -> RequireDataMigrationOp:
        return cls("ticket", "owner_id", "INTEGER", "UUID")


@renderers.dispatch_for(RequireDataMigrationOp)
def _render(autogen_context, operation: RequireDataMigrationOp) -> str:
    schema = f", schema={operation.schema!r}" if operation.schema else ""
    return (
        f"# REVIEW: {operation.from_type} -> {operation.to_type} has no cast: "
        "write this data migration by hand\n"
        f"op.require_data_migration({operation.table_name!r}, {operation.column_name!r}, "
        f"{operation.from_type!r}, {operation.to_type!r}{schema})"
    )

"""``op.drop_enum_type``: drop a PostgreSQL enum type, optionally only once unused.

``if_unused=True`` makes the drop a no-op while some column still has the type or when
the type is already gone, which is what a downgrade needs: another table may still use
the type, and hand-edited histories may have dropped it already. ``schema=`` names a
type outside the default schema; the checks match the type by schema and name, so a
type of the same name in another schema neither blocks nor allows the drop.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.operations import MigrateOperation, Operations
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.dialects.postgresql.named_types import DropEnumType

from common.ops.base import WorkbenchOp, register

_TYPE_IN_USE = text(
    """
    WITH target AS (
        SELECT t.oid, t.typarray FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typname = :name AND t.typtype = 'e'
          AND n.nspname = coalesce(:schema, current_schema())
    )
    SELECT EXISTS (SELECT 1 FROM target),
           EXISTS (SELECT 1 FROM pg_attribute a JOIN target t
                   ON a.atttypid = t.oid OR a.atttypid = t.typarray
                   WHERE a.attnum > 0 AND NOT a.attisdropped)
    """
)


@register("drop_enum_type")
class DropEnumTypeOp(WorkbenchOp):
    """Drop the enum type ``name`` (PostgreSQL only; a no-op on other databases)."""

    def __init__(
        self,
        name: str,
        *,
        if_unused: bool = False,
        values: list[str] | None = None,
        schema: str | None = None,
    ) -> None:
        self.name = name
        self.if_unused = if_unused
        self.values = list(values) if values is not None else None
        self.schema = schema

    @classmethod
    def drop_enum_type(
        cls,
        operations: Operations,
        name: str,
        *,
        if_unused: bool = False,
        schema: str | None = None,
    ):
        return operations.invoke(cls(name, if_unused=if_unused, schema=schema))

    def reverse(self) -> MigrateOperation:
        """Autogenerate knows the values of a type it drops, and recreates it on downgrade."""
        if self.values is None:
            raise NotImplementedError(f"drop_enum_type({self.name!r}) without values")
        from common.ops.enum_types import CreateEnumTypeOp

        return CreateEnumTypeOp(self.name, self.values, schema=self.schema)

    def describe(self) -> str:
        where = "" if self.schema is None else f" in schema {self.schema}"
        return f"drop enum type {self.name}{where}"


@Operations.implementation_for(DropEnumTypeOp)
def _drop_enum_type(operations: Operations, operation: DropEnumTypeOp) -> None:
    context = operations.get_context()
    if context.dialect.name != "postgresql":
        return
    if operation.if_unused and not context.as_sql:
        where = {"name": operation.name, "schema": operation.schema}
        exists, in_use = operations.get_bind().execute(_TYPE_IN_USE, where).one()
        if not exists or in_use:
            return
    operations.execute(DropEnumType(ENUM(name=operation.name, schema=operation.schema)))


@renderers.dispatch_for(DropEnumTypeOp)
def _render_drop_enum_type(autogen_context, operation: DropEnumTypeOp) -> str:
    suffix = ", if_unused=True" if operation.if_unused else ""
    if operation.schema is not None:
        suffix += f", schema={operation.schema!r}"
    return f"op.drop_enum_type({operation.name!r}{suffix})"

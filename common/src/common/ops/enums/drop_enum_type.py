"""``op.drop_enum_type``: drop a PostgreSQL enum type, optionally only once unused.

``if_unused=True`` makes the drop a no-op while some column still has the type or when
the type is already gone, which is what a downgrade needs: another table may still use
the type, and hand-edited histories may have dropped it already. ``schema=`` names a
type outside the default schema; the checks match the type by schema and name, so a
type of the same name in another schema neither blocks nor allows the drop.

Online and offline run the same statement: SQLAlchemy's ``DropEnumType``, or for
``if_unused`` a ``DO`` block that checks the catalog on the server and drops only then.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.operations import MigrateOperation, Operations
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.dialects.postgresql.named_types import DropEnumType
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement

from common.ops.base import WorkbenchOp, register
from common.ops.enums._ddl import (
    NOT_POSTGRESQL,
    do_block,
    in_schema,
    is_postgresql,
    quoted,
    type_condition,
)

_IF_UNUSED = """
BEGIN
  IF EXISTS (SELECT 1 FROM pg_type t WHERE {is_type})
     AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                     JOIN pg_type t ON a.atttypid IN (t.oid, t.typarray)
                     WHERE {is_type} AND a.attnum > 0 AND NOT a.attisdropped) THEN
    DROP TYPE {type};
  END IF;
END
"""


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
        from common.ops.enums.create_enum_type import CreateEnumTypeOp

        return CreateEnumTypeOp(self.name, self.values, schema=self.schema)

    def describe(self) -> str:
        return f"drop enum type {self.name}{in_schema(self.schema)}"

    def lock(self, dialect: str) -> str:
        return "brief catalog change (the type only)" if dialect == "postgresql" else NOT_POSTGRESQL

    def destroys(self) -> str:
        return f"enum type {self.name}{in_schema(self.schema)} and its list of values"

    @classmethod
    def example(cls) -> DropEnumTypeOp:
        return cls("ticket_priority", if_unused=True, values=["low", "high"])

    @classmethod
    def example_setup(cls) -> list:
        from common.ops.enums.create_enum_type import CreateEnumTypeOp

        return [CreateEnumTypeOp("ticket_priority", ["low", "high"])]


class DropEnumTypeIfUnused(ExecutableDDLElement):
    """DROP TYPE, only if the type exists and no column uses it (a ``DO`` block)."""

    def __init__(self, operation: DropEnumTypeOp) -> None:
        self.operation = operation


@compiles(DropEnumTypeIfUnused, "postgresql")
def _compile_drop_if_unused(element: DropEnumTypeIfUnused, compiler, **kw) -> str:
    op = element.operation
    body = _IF_UNUSED.format(
        is_type=type_condition(compiler, "t", op.name, op.schema),
        type=quoted(compiler, op.name, op.schema),
    )
    return do_block(body)


@Operations.implementation_for(DropEnumTypeOp)
def _drop_enum_type(operations: Operations, operation: DropEnumTypeOp) -> None:
    if not is_postgresql(operations):
        return
    if operation.if_unused:
        operations.execute(DropEnumTypeIfUnused(operation))
    else:
        operations.execute(DropEnumType(ENUM(name=operation.name, schema=operation.schema)))


@renderers.dispatch_for(DropEnumTypeOp)
def _render_drop_enum_type(autogen_context, operation: DropEnumTypeOp) -> str:
    suffix = ", if_unused=True" if operation.if_unused else ""
    if operation.schema is not None:
        suffix += f", schema={operation.schema!r}"
    return f"op.drop_enum_type({operation.name!r}{suffix})"

"""``op.create_enum_type(name, values)``: create a PostgreSQL enum type.

Autogenerate emits it (``common.autogen.enums``) before a new column uses a type that
another, existing column will share, which Alembic's own ``create_table`` cannot know.
Online and offline run SQLAlchemy's ``CreateEnumType``; elsewhere it does nothing.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.operations import MigrateOperation, Operations
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.dialects.postgresql.named_types import CreateEnumType

from common.ops.base import WorkbenchOp, register
from common.ops.enums._ddl import NOT_POSTGRESQL, in_schema, is_postgresql, schema_arg


@register("create_enum_type")
class CreateEnumTypeOp(WorkbenchOp):
    """Create the enum type ``name`` with ``values`` (PostgreSQL only)."""

    def __init__(self, name: str, values: list[str], *, schema: str | None = None) -> None:
        self.name = name
        self.values = list(values)
        self.schema = schema

    @classmethod
    def create_enum_type(
        cls, operations: Operations, name: str, values: list[str], *, schema: str | None = None
    ):
        return operations.invoke(cls(name, values, schema=schema))

    def reverse(self) -> MigrateOperation:
        from common.ops.enums.drop_enum_type import DropEnumTypeOp

        return DropEnumTypeOp(self.name, if_unused=True, values=self.values, schema=self.schema)

    def describe(self) -> str:
        return f"create enum type {self.name}{in_schema(self.schema)} {tuple(self.values)}"

    def lock(self, dialect: str) -> str:
        return "none (a new type)" if dialect == "postgresql" else NOT_POSTGRESQL

    @classmethod
    def example(cls) -> CreateEnumTypeOp:
        return cls("ticket_priority", ["low", "high"])


@Operations.implementation_for(CreateEnumTypeOp)
def _create_enum_type(operations: Operations, operation: CreateEnumTypeOp) -> None:
    if is_postgresql(operations):
        enum = ENUM(*operation.values, name=operation.name, schema=operation.schema)
        operations.execute(CreateEnumType(enum))


@renderers.dispatch_for(CreateEnumTypeOp)
def _render_create(autogen_context, operation: CreateEnumTypeOp) -> str:
    schema = schema_arg(operation.schema)
    return f"op.create_enum_type({operation.name!r}, {operation.values!r}{schema})"

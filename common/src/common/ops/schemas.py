"""``op.create_schema`` / ``op.drop_schema``: the schemas the models name.

A model table with ``__table_args__ = {"schema": "billing"}`` cannot be created before
the schema exists, and Alembic has no operation for schemas, so autogenerate emits
``create_schema`` first in the upgrade (common.autogen.schemas) and ``drop_schema``
last in the downgrade. The drop is RESTRICT: it fails, changing nothing, while the
schema still holds anything (objects created by hand, another team's tables) instead of
taking them with it. Both are PostgreSQL only (on MySQL/MariaDB a schema is a database,
which the workbench does not create); elsewhere they do nothing.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy.schema import CreateSchema, DropSchema

from common.ops.base import WorkbenchOp, register

_NOT_POSTGRESQL = "none (a schema is a database here, which the workbench leaves alone)"


@register("create_schema")
class CreateSchemaOp(WorkbenchOp):
    """Create the schema ``name`` (PostgreSQL only)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create_schema(cls, operations: Operations, name: str):
        return operations.invoke(cls(name))

    def reverse(self) -> DropSchemaOp:
        return DropSchemaOp(self.name)

    def describe(self) -> str:
        return f"create schema {self.name}"

    def lock(self, dialect: str) -> str:
        return "none (a new schema)" if dialect == "postgresql" else _NOT_POSTGRESQL

    @classmethod
    def example(cls) -> CreateSchemaOp:
        return cls("billing")


@register("drop_schema")
class DropSchemaOp(WorkbenchOp):
    """Drop the schema ``name`` once it is empty (PostgreSQL only; RESTRICT)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def drop_schema(cls, operations: Operations, name: str):
        return operations.invoke(cls(name))

    def reverse(self) -> CreateSchemaOp:
        return CreateSchemaOp(self.name)

    def describe(self) -> str:
        return f"drop schema {self.name}"

    def lock(self, dialect: str) -> str:
        if dialect != "postgresql":
            return _NOT_POSTGRESQL
        return "brief catalog change (RESTRICT: fails, changing nothing, unless it is empty)"

    @classmethod
    def example(cls) -> DropSchemaOp:
        return cls("billing")

    @classmethod
    def example_setup(cls) -> list:
        return [CreateSchemaOp("billing")]


def _is_postgresql(operations: Operations) -> bool:
    return operations.get_context().dialect.name == "postgresql"


@Operations.implementation_for(CreateSchemaOp)
def _create_schema(operations: Operations, operation: CreateSchemaOp) -> None:
    if _is_postgresql(operations):
        operations.execute(CreateSchema(operation.name))


@Operations.implementation_for(DropSchemaOp)
def _drop_schema(operations: Operations, operation: DropSchemaOp) -> None:
    if _is_postgresql(operations):
        operations.execute(DropSchema(operation.name))


@renderers.dispatch_for(CreateSchemaOp)
def _render_create_schema(autogen_context, operation: CreateSchemaOp) -> str:
    return f"op.create_schema({operation.name!r})"


@renderers.dispatch_for(DropSchemaOp)
def _render_drop_schema(autogen_context, operation: DropSchemaOp) -> str:
    return f"op.drop_schema({operation.name!r})"

"""``op.create_view`` / ``op.replace_view`` / ``op.drop_view``: a view, on every dialect.

One module per object kind: its create, replace and drop are one concept and reverse
into each other. ``replace_view`` is CREATE OR REPLACE VIEW, which PostgreSQL allows
only while the view keeps its columns (names and types); common.autogen.objects writes
drop + create instead when they change. SQLite has no OR REPLACE: there the replace is
DROP VIEW then CREATE VIEW. Every op carries the definition it needs to be reversed
(a drop keeps the definition it removes), so each create has its downgrade.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.ops.base import WorkbenchOp, register
from common.ops.objects.ddl import Name, ObjectDDL, Sql, call_text, dialect_of

_EXAMPLE = "SELECT id, title FROM ticket WHERE priority IS NULL"


def create_view(name: str, definition: str, schema: str | None, replace: bool = False):
    keyword = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
    return ObjectDDL(keyword, Name(name, schema), "AS", Sql(definition))


def drop_view(name: str, schema: str | None):
    return ObjectDDL("DROP VIEW", Name(name, schema))


@register("create_view")
class CreateViewOp(WorkbenchOp):
    """Create the view ``schema.name`` as ``definition`` (a SELECT)."""

    def __init__(self, name: str, definition: str, schema: str | None = None) -> None:
        self.name, self.definition, self.schema = name, definition, schema

    @classmethod
    def create_view(cls, operations: Operations, name: str, definition: str, schema=None):
        return operations.invoke(cls(name, definition, schema))

    def reverse(self) -> DropViewOp:
        return DropViewOp(self.name, self.definition, self.schema)

    def describe(self) -> str:
        return f"create view {self.name}"

    @classmethod
    def example(cls) -> CreateViewOp:
        return cls("untriaged", _EXAMPLE)


@register("replace_view")
class ReplaceViewOp(WorkbenchOp):
    """Redefine the view ``schema.name`` keeping its columns; ``previous`` reverses it."""

    def __init__(self, name: str, definition: str, previous: str, schema: str | None = None):
        self.name, self.definition, self.previous, self.schema = name, definition, previous, schema

    @classmethod
    def replace_view(cls, operations: Operations, name, definition, previous, schema=None):
        return operations.invoke(cls(name, definition, previous, schema))

    def reverse(self) -> ReplaceViewOp:
        return ReplaceViewOp(self.name, self.previous, self.definition, self.schema)

    def describe(self) -> str:
        return f"replace view {self.name}"

    @classmethod
    def example(cls) -> ReplaceViewOp:
        return cls("untriaged", _EXAMPLE + " AND id > 0", _EXAMPLE)

    @classmethod
    def example_setup(cls) -> list:
        return [CreateViewOp("untriaged", _EXAMPLE)]


@register("drop_view")
class DropViewOp(WorkbenchOp):
    """Drop the view ``schema.name``; ``definition`` recreates it in the downgrade."""

    def __init__(self, name: str, definition: str, schema: str | None = None) -> None:
        self.name, self.definition, self.schema = name, definition, schema

    @classmethod
    def drop_view(cls, operations: Operations, name: str, definition: str, schema=None):
        return operations.invoke(cls(name, definition, schema))

    def reverse(self) -> CreateViewOp:
        return CreateViewOp(self.name, self.definition, self.schema)

    def describe(self) -> str:
        return f"drop view {self.name}"

    @classmethod
    def example(cls) -> DropViewOp:
        return cls("untriaged", _EXAMPLE)

    @classmethod
    def example_setup(cls) -> list:
        return [CreateViewOp("untriaged", _EXAMPLE)]


@Operations.implementation_for(CreateViewOp)
def _create_view(operations: Operations, operation: CreateViewOp) -> None:
    operations.execute(create_view(operation.name, operation.definition, operation.schema))


@Operations.implementation_for(ReplaceViewOp)
def _replace_view(operations: Operations, operation: ReplaceViewOp) -> None:
    name, schema = operation.name, operation.schema
    if dialect_of(operations) == "sqlite":
        operations.execute(drop_view(name, schema))
        operations.execute(create_view(name, operation.definition, schema))
    else:
        operations.execute(create_view(name, operation.definition, schema, replace=True))


@Operations.implementation_for(DropViewOp)
def _drop_view(operations: Operations, operation: DropViewOp) -> None:
    operations.execute(drop_view(operation.name, operation.schema))


@renderers.dispatch_for(CreateViewOp)
def _render_create_view(autogen_context: Any, op: CreateViewOp) -> str:
    return call_text("create_view", op.name, op.definition, schema=op.schema)


@renderers.dispatch_for(ReplaceViewOp)
def _render_replace_view(autogen_context: Any, op: ReplaceViewOp) -> str:
    return call_text("replace_view", op.name, op.definition, op.previous, schema=op.schema)


@renderers.dispatch_for(DropViewOp)
def _render_drop_view(autogen_context: Any, op: DropViewOp) -> str:
    return call_text("drop_view", op.name, op.definition, schema=op.schema)

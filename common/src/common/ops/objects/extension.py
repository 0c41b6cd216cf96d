"""``op.create_extension`` / ``op.drop_extension`` (PostgreSQL only).

An extension comes first in an upgrade: an index or a column may need what it provides
(``pg_trgm``'s operator classes, ``citext``). The create is IF NOT EXISTS, so a revision
still runs where a DBA installed it already; the drop is RESTRICT and IF EXISTS, so it
fails, changing nothing, while anything still uses the extension. Autogenerate never
drops an extension the declarations stop naming (others may use it): write
``op.drop_extension`` by hand.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.ops.base import WorkbenchOp, register
from common.ops.objects.ddl import Name, ObjectDDL, call_text, require_postgresql

_WHAT = "extensions"


class _ExtensionOp(WorkbenchOp):
    def __init__(self, name: str, schema: str | None = None) -> None:
        self.name, self.schema = name, schema

    @classmethod
    def example(cls) -> _ExtensionOp:
        return cls("pg_trgm")


@register("create_extension")
class CreateExtensionOp(_ExtensionOp):
    """CREATE EXTENSION IF NOT EXISTS ``name`` [SCHEMA ``schema``]."""

    @classmethod
    def create_extension(cls, operations: Operations, name: str, schema: str | None = None):
        return operations.invoke(cls(name, schema))

    def reverse(self) -> DropExtensionOp:
        return DropExtensionOp(self.name, self.schema)

    def describe(self) -> str:
        return f"create extension {self.name}"


@register("drop_extension")
class DropExtensionOp(_ExtensionOp):
    """DROP EXTENSION IF EXISTS ``name`` (RESTRICT: refused while something uses it)."""

    @classmethod
    def drop_extension(cls, operations: Operations, name: str, schema: str | None = None):
        return operations.invoke(cls(name, schema))

    def reverse(self) -> CreateExtensionOp:
        return CreateExtensionOp(self.name, self.schema)

    def describe(self) -> str:
        return f"drop extension {self.name}"

    @classmethod
    def example_setup(cls) -> list:
        return [CreateExtensionOp("pg_trgm")]


@Operations.implementation_for(CreateExtensionOp)
def _create(operations: Operations, op: CreateExtensionOp) -> None:
    require_postgresql(operations, _WHAT)
    schema = ("SCHEMA", Name(op.schema)) if op.schema else ()
    operations.execute(ObjectDDL("CREATE EXTENSION IF NOT EXISTS", Name(op.name), *schema))


@Operations.implementation_for(DropExtensionOp)
def _drop(operations: Operations, op: DropExtensionOp) -> None:
    require_postgresql(operations, _WHAT)
    operations.execute(ObjectDDL("DROP EXTENSION IF EXISTS", Name(op.name)))


@renderers.dispatch_for(CreateExtensionOp)
def _render_create(autogen_context: Any, op: CreateExtensionOp) -> str:
    return call_text("create_extension", op.name, schema=op.schema)


@renderers.dispatch_for(DropExtensionOp)
def _render_drop(autogen_context: Any, op: DropExtensionOp) -> str:
    return call_text("drop_extension", op.name, schema=op.schema)

"""``op.create_function`` / ``op.replace_function`` / ``op.drop_function`` (PostgreSQL
only): SQL and PL/pgSQL functions, trigger functions among them.

A function is identified by its name and argument types, so changing the arguments
makes another function: the old one is dropped and the new one created (callers of the
old signature break: review rule ``function-signature-change``). With the same
arguments, CREATE OR REPLACE redefines it in place, unless the return type changes,
which PostgreSQL refuses; common.autogen.objects writes drop + create then.
``definition`` is everything after ``name(arguments)``: RETURNS, LANGUAGE, options, body.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.ops.base import WorkbenchOp, register
from common.ops.objects.ddl import (
    Name,
    ObjectDDL,
    Sql,
    call_text,
    require_postgresql,
    without_defaults,
)

_WHAT = "functions"
_EXAMPLE = "RETURNS integer LANGUAGE sql STABLE AS $$ SELECT count(*)::integer FROM ticket $$"
_CHANGED = "RETURNS integer LANGUAGE sql STABLE AS $$ SELECT count(*)::integer + 0 FROM ticket $$"


def create_function(name, arguments, definition, schema, replace=False) -> ObjectDDL:
    keyword = "CREATE OR REPLACE FUNCTION" if replace else "CREATE FUNCTION"
    return ObjectDDL(keyword, Name(name, schema, arguments), Sql(definition))


class _FunctionOp(WorkbenchOp):
    def __init__(self, name: str, arguments: str, definition: str, schema: str | None = None):
        self.name, self.arguments, self.definition = name, arguments, definition
        self.schema = schema

    @property
    def signature(self) -> str:
        return f"{self.name}({self.arguments})"


@register("create_function")
class CreateFunctionOp(_FunctionOp):
    """Create the function ``schema.name(arguments) definition``."""

    @classmethod
    def create_function(cls, operations: Operations, name, arguments, definition, schema=None):
        return operations.invoke(cls(name, arguments, definition, schema))

    def reverse(self) -> DropFunctionOp:
        return DropFunctionOp(self.name, self.arguments, self.definition, self.schema)

    def describe(self) -> str:
        return f"create function {self.signature}"

    @classmethod
    def example(cls) -> CreateFunctionOp:
        return cls("ticket_total", "", _EXAMPLE)


@register("replace_function")
class ReplaceFunctionOp(_FunctionOp):
    """CREATE OR REPLACE the function, same arguments and result; ``previous`` reverses it."""

    def __init__(self, name, arguments, definition, previous, schema=None) -> None:
        super().__init__(name, arguments, definition, schema)
        self.previous = previous

    @classmethod
    def replace_function(cls, operations, name, arguments, definition, previous, schema=None):
        return operations.invoke(cls(name, arguments, definition, previous, schema))

    def reverse(self) -> ReplaceFunctionOp:
        return ReplaceFunctionOp(
            self.name, self.arguments, self.previous, self.definition, self.schema
        )

    def describe(self) -> str:
        return f"replace function {self.signature}"

    @classmethod
    def example(cls) -> ReplaceFunctionOp:
        return cls("ticket_total", "", _CHANGED, _EXAMPLE)

    @classmethod
    def example_setup(cls) -> list:
        return [CreateFunctionOp("ticket_total", "", _EXAMPLE)]


@register("drop_function")
class DropFunctionOp(_FunctionOp):
    """Drop the function; ``definition`` recreates it in the downgrade."""

    @classmethod
    def drop_function(cls, operations: Operations, name, arguments, definition, schema=None):
        return operations.invoke(cls(name, arguments, definition, schema))

    def reverse(self) -> CreateFunctionOp:
        return CreateFunctionOp(self.name, self.arguments, self.definition, self.schema)

    def describe(self) -> str:
        return f"drop function {self.signature}"

    @classmethod
    def example(cls) -> DropFunctionOp:
        return cls("ticket_total", "", _EXAMPLE)

    @classmethod
    def example_setup(cls) -> list:
        return [CreateFunctionOp("ticket_total", "", _EXAMPLE)]


@Operations.implementation_for(CreateFunctionOp)
def _create(operations: Operations, op: CreateFunctionOp) -> None:
    require_postgresql(operations, _WHAT)
    operations.execute(create_function(op.name, op.arguments, op.definition, op.schema))


@Operations.implementation_for(ReplaceFunctionOp)
def _replace(operations: Operations, op: ReplaceFunctionOp) -> None:
    require_postgresql(operations, _WHAT)
    statement = create_function(op.name, op.arguments, op.definition, op.schema, replace=True)
    operations.execute(statement)


@Operations.implementation_for(DropFunctionOp)
def _drop(operations: Operations, op: DropFunctionOp) -> None:
    require_postgresql(operations, _WHAT)
    signature = Name(op.name, op.schema, without_defaults(op.arguments))
    operations.execute(ObjectDDL("DROP FUNCTION", signature))


@renderers.dispatch_for(CreateFunctionOp)
def _render_create(autogen_context: Any, op: CreateFunctionOp) -> str:
    return call_text("create_function", op.name, op.arguments, op.definition, schema=op.schema)


@renderers.dispatch_for(ReplaceFunctionOp)
def _render_replace(autogen_context: Any, op: ReplaceFunctionOp) -> str:
    return call_text(
        "replace_function", op.name, op.arguments, op.definition, op.previous, schema=op.schema
    )


@renderers.dispatch_for(DropFunctionOp)
def _render_drop(autogen_context: Any, op: DropFunctionOp) -> str:
    return call_text("drop_function", op.name, op.arguments, op.definition, schema=op.schema)

"""``op.add_enum_value(name, value, before=..., after=...)``: add a value to an enum type.

``ALTER TYPE ... ADD VALUE IF NOT EXISTS`` runs in an autocommit block, online and
offline: PostgreSQL < 12 refuses it inside a transaction, and on any version a value
added inside a transaction cannot be used (as a default, in a backfill) before that
transaction commits. It changes the catalog only; no table is rewritten. PostgreSQL
cannot remove the value again, so the reverse swaps the type back (``swap_enum_type``).
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement

from common.ops.base import WorkbenchOp, register
from common.ops.enums._ddl import NOT_POSTGRESQL, in_schema, is_postgresql, quoted, schema_arg
from common.ops.enums._ddl import string as sql_string
from common.ops.enums.swap_enum_type import SwapEnumTypeOp


class AddEnumValue(ExecutableDDLElement):
    """``ALTER TYPE name ADD VALUE IF NOT EXISTS 'value' [BEFORE | AFTER 'other']``."""

    def __init__(self, operation: AddEnumValueOp) -> None:
        self.operation = operation


@compiles(AddEnumValue, "postgresql")
def _compile_add_enum_value(element: AddEnumValue, compiler, **kw) -> str:
    op = element.operation
    text = (
        f"ALTER TYPE {quoted(compiler, op.name, op.schema)} "
        f"ADD VALUE IF NOT EXISTS {sql_string(compiler, op.value)}"
    )
    if op.before is not None:
        text += f" BEFORE {sql_string(compiler, op.before)}"
    elif op.after is not None:
        text += f" AFTER {sql_string(compiler, op.after)}"
    return text


@register("add_enum_value")
class AddEnumValueOp(WorkbenchOp):
    """Add ``value`` to the enum type ``name``, placed ``before`` or ``after`` another."""

    atomic = False

    def __init__(
        self,
        name: str,
        value: str,
        *,
        before: str | None = None,
        after: str | None = None,
        existing_values: list[str] | None = None,
        schema: str | None = None,
    ) -> None:
        self.name = name
        self.value = value
        self.before = before
        self.after = after
        self.existing_values = list(existing_values or [])
        self.schema = schema

    @classmethod
    def add_enum_value(
        cls,
        operations: Operations,
        name: str,
        value: str,
        *,
        before: str | None = None,
        after: str | None = None,
        schema: str | None = None,
    ):
        return operations.invoke(cls(name, value, before=before, after=after, schema=schema))

    def reverse(self) -> SwapEnumTypeOp:
        """PostgreSQL cannot remove a value: the downgrade swaps back to the old list."""
        return SwapEnumTypeOp(
            self.name,
            self.existing_values,
            _placed(self.existing_values, self),
            schema=self.schema,
        )

    def describe(self) -> str:
        return f"add value {self.value!r} to enum type {self.name}{in_schema(self.schema)}"

    def lock(self, dialect: str) -> str:
        if dialect != "postgresql":
            return NOT_POSTGRESQL
        return "brief catalog change on the type, outside the transaction (no table rewritten)"

    @classmethod
    def example(cls) -> AddEnumValueOp:
        return cls("ticket_status", "archived", after="closed", existing_values=["open", "closed"])


def _placed(values: list[str], op: AddEnumValueOp) -> list[str]:
    """``values`` with ``op.value`` inserted where ADD VALUE puts it."""
    result = [v for v in values if v != op.value]
    if op.before in result:
        result.insert(result.index(op.before), op.value)
    elif op.after in result:
        result.insert(result.index(op.after) + 1, op.value)
    else:
        result.append(op.value)
    return result


@Operations.implementation_for(AddEnumValueOp)
def _add_enum_value(operations: Operations, operation: AddEnumValueOp) -> None:
    if not is_postgresql(operations):
        return
    with operations.get_context().autocommit_block():
        operations.execute(AddEnumValue(operation))


@renderers.dispatch_for(AddEnumValueOp)
def _render_add_value(autogen_context, operation: AddEnumValueOp) -> str:
    place = ""
    if operation.before is not None:
        place = f", before={operation.before!r}"
    elif operation.after is not None:
        place = f", after={operation.after!r}"
    schema = schema_arg(operation.schema)
    return f"op.add_enum_value({operation.name!r}, {operation.value!r}{place}{schema})"

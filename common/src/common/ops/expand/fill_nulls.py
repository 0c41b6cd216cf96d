"""``op.create_fill_trigger`` / ``op.drop_fill_trigger``: NULLs written by the old code are
filled, so a column can become NOT NULL while that code still runs (the expand of NOT
NULL on an existing column).

The old code does not know the column will be NOT NULL and may still write NULL: the
trigger turns it into ``value`` (SQL: the model's default), the backfill fills the rows
already there, and the contract's ``op.set_not_null_safely`` then finds no NULL left.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.ops.base import register
from common.ops.expand._body import fill_body, trigger_name
from common.ops.expand._pair import TriggerPairOp, create_pair, drop_pair
from common.ops.objects.ddl import call_text


class _FillOp(TriggerPairOp):
    def __init__(
        self, table_name: str, column_name: str, value: str, *, schema: str | None = None
    ) -> None:
        self.table_name, self.column_name, self.value = table_name, column_name, value
        self.schema = schema
        self.name = trigger_name(table_name, column_name, "fill")

    def body(self) -> str:
        return fill_body(self.column_name, self.value)

    def _render(self, name: str) -> str:
        return call_text(name, self.table_name, self.column_name, self.value, schema=self.schema)

    @classmethod
    def example(cls) -> _FillOp:
        return cls("ticket", "priority", "0")


@register("create_fill_trigger")
class CreateFillTriggerOp(_FillOp):
    """Write ``value`` instead of NULL into ``column_name`` on every row written."""

    @classmethod
    def create_fill_trigger(
        cls, operations: Operations, table_name, column_name, value, *, schema=None
    ):
        return operations.invoke(cls(table_name, column_name, value, schema=schema))

    def reverse(self) -> DropFillTriggerOp:
        return DropFillTriggerOp(self.table_name, self.column_name, self.value, schema=self.schema)

    def describe(self) -> str:
        return f"fill NULLs written to {self.table_name}.{self.column_name} by trigger {self.name}"


@register("drop_fill_trigger")
class DropFillTriggerOp(_FillOp):
    """Drop the fill trigger and its function."""

    @classmethod
    def drop_fill_trigger(
        cls, operations: Operations, table_name, column_name, value, *, schema=None
    ):
        return operations.invoke(cls(table_name, column_name, value, schema=schema))

    def reverse(self) -> CreateFillTriggerOp:
        return CreateFillTriggerOp(
            self.table_name, self.column_name, self.value, schema=self.schema
        )

    def describe(self) -> str:
        return f"drop fill trigger {self.name} on {self.table_name}"

    @classmethod
    def example_setup(cls) -> list:
        return [CreateFillTriggerOp.example()]


@Operations.implementation_for(CreateFillTriggerOp)
def _create(operations: Operations, op: CreateFillTriggerOp) -> None:
    create_pair(operations, op)


@Operations.implementation_for(DropFillTriggerOp)
def _drop(operations: Operations, op: DropFillTriggerOp) -> None:
    drop_pair(operations, op)


@renderers.dispatch_for(CreateFillTriggerOp)
def _render_create(autogen_context: Any, op: CreateFillTriggerOp) -> str:
    return op._render("create_fill_trigger")


@renderers.dispatch_for(DropFillTriggerOp)
def _render_drop(autogen_context: Any, op: DropFillTriggerOp) -> str:
    return op._render("drop_fill_trigger")

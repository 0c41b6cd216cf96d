"""``op.create_sync_trigger`` / ``op.drop_sync_trigger``: two columns kept equal while the
old and the new code both write (the expand of a rename or a type change).

``up`` is SQL computing the new column from the old one (``"title"``, ``"qty"::bigint``)
and ``down`` the reverse; each names its source column, which the trigger binds to the
row's value (``common.ops.expand._body``). The expand's backfill runs the same ``up``.
Creating it takes SHARE ROW EXCLUSIVE for a moment; every later write runs it (a few
microseconds a row) until the contract drops it.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Column, String

from common.ops.base import register
from common.ops.expand._body import sync_body, trigger_name
from common.ops.expand._pair import TriggerPairOp, create_pair, drop_pair
from common.ops.objects.ddl import call_text


class _SyncOp(TriggerPairOp):
    def __init__(
        self,
        table_name: str,
        old_column: str,
        new_column: str,
        up: str,
        down: str,
        *,
        schema: str | None = None,
    ) -> None:
        self.table_name, self.old_column, self.new_column = table_name, old_column, new_column
        self.up, self.down, self.schema = up, down, schema
        self.name = trigger_name(table_name, new_column, "sync")

    def _args(self) -> tuple:
        return (self.table_name, self.old_column, self.new_column, self.up, self.down)

    def body(self) -> str:
        return sync_body(
            self.table_name, self.old_column, self.new_column, self.up, self.down, self.schema
        )

    def _render(self, name: str) -> str:
        return call_text(name, *self._args(), schema=self.schema)

    @classmethod
    def example(cls) -> _SyncOp:
        return cls("ticket", "title", "heading", '"title"', '"heading"')

    @classmethod
    def example_setup(cls) -> list:
        return [ops.AddColumnOp("ticket", Column("heading", String(100)))]


@register("create_sync_trigger")
class CreateSyncTriggerOp(_SyncOp):
    """Keep ``new_column`` = ``up`` and ``old_column`` = ``down`` on every row written."""

    @classmethod
    def create_sync_trigger(
        cls, operations: Operations, table_name, old_column, new_column, up, down, *, schema=None
    ):
        return operations.invoke(cls(table_name, old_column, new_column, up, down, schema=schema))

    def reverse(self) -> DropSyncTriggerOp:
        return DropSyncTriggerOp(*self._args(), schema=self.schema)

    def describe(self) -> str:
        return (
            f"sync {self.table_name}.{self.old_column} <-> {self.new_column} by trigger {self.name}"
        )


@register("drop_sync_trigger")
class DropSyncTriggerOp(_SyncOp):
    """Drop the sync trigger and its function (the arguments recreate it in a downgrade)."""

    @classmethod
    def drop_sync_trigger(
        cls, operations: Operations, table_name, old_column, new_column, up, down, *, schema=None
    ):
        return operations.invoke(cls(table_name, old_column, new_column, up, down, schema=schema))

    def reverse(self) -> CreateSyncTriggerOp:
        return CreateSyncTriggerOp(*self._args(), schema=self.schema)

    def describe(self) -> str:
        return f"drop sync trigger {self.name} on {self.table_name}"

    @classmethod
    def example_setup(cls) -> list:
        return [*super().example_setup(), CreateSyncTriggerOp.example()]


@Operations.implementation_for(CreateSyncTriggerOp)
def _create(operations: Operations, op: CreateSyncTriggerOp) -> None:
    create_pair(operations, op)


@Operations.implementation_for(DropSyncTriggerOp)
def _drop(operations: Operations, op: DropSyncTriggerOp) -> None:
    drop_pair(operations, op)


@renderers.dispatch_for(CreateSyncTriggerOp)
def _render_create(autogen_context: Any, op: CreateSyncTriggerOp) -> str:
    return op._render("create_sync_trigger")


@renderers.dispatch_for(DropSyncTriggerOp)
def _render_drop(autogen_context: Any, op: DropSyncTriggerOp) -> str:
    return op._render("drop_sync_trigger")

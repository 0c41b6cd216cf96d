"""``op.batch_delete`` / ``batch_delete(connection, ...)``: DELETE in primary-key batches.

A DELETE of many rows holds every row lock until it ends, as a big UPDATE does (see
``batch_update``); here each batch deletes at most ``batch_size`` rows in its own short
transaction. A where condition is required: ``where=sa.true()`` deletes every row, on
purpose. ``_op`` says how online and offline run the one statement built here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy import Connection

from common.ops._expressions import python_source
from common.ops._support import DEFAULT_LOCK_TIMEOUT_MS, OperationError
from common.ops.base import register
from common.ops.batches._engine import BatchResult, conditions, run
from common.ops.batches._op import BatchOp, options_source, run_batched, where_text
from common.ops.batches._sizing import FROM_SETTINGS


def delete_statement(table: sa.TableClause, where: Any, key_range: Any = None) -> sa.Delete:
    """DELETE FROM ``table`` WHERE ``where`` (and the batch's ``key_range``)."""
    return sa.delete(table).where(*conditions(key_range, where))


def batch_delete(
    connection: Connection,
    table_name: str,
    where: Any,
    batch_size: int | None = None,
    pause: float = 0.0,
    *,
    schema: str | None = None,
    dry_run: bool = False,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    max_batch_ms: float | None = FROM_SETTINGS,
) -> BatchResult:
    """DELETE FROM ``table_name`` WHERE ``where``, in primary-key batches."""
    if where is None:
        raise OperationError(
            f"batch_delete on {table_name!r} has no where condition.",
            'pass where="..." (where=sa.true() deletes every row, on purpose).',
        )

    def build(table: sa.Table, key_range: Any) -> sa.Executable:
        return delete_statement(table, where, key_range)

    return run(
        connection,
        "batch_delete",
        table_name,
        schema,
        build,
        where,
        batch_size,
        pause,
        dry_run,
        lock_timeout_ms,
        max_batch_ms,
    )


@register("batch_delete")
class BatchDeleteOp(BatchOp):
    """DELETE in primary-key batches, each committed on its own."""

    kind = "batch_delete"

    def __init__(self, table_name: str, where: Any, **kw: Any) -> None:
        super().__init__(table_name, **kw)
        self.where = where

    @classmethod
    def batch_delete(
        cls,
        operations: Operations,
        table_name: str,
        where: Any,
        batch_size: int | None = None,
        pause: float = 0.0,
        **kw: Any,
    ):
        """DELETE FROM ``table_name`` WHERE ``where`` in resumable batches (sized as above)."""
        return operations.invoke(cls(table_name, where, batch_size=batch_size, pause=pause, **kw))

    def describe(self) -> str:
        return f"delete rows of {self.qualified_name()} in batches"

    def destroys(self) -> str:
        return f"the rows of {self.qualified_name()} where {where_text(self.where)}"

    def offline_statement(self) -> sa.Delete:
        return delete_statement(self.stub(), self.where)

    def run_online(self, connection: Connection, options: dict[str, Any]) -> BatchResult:
        return batch_delete(connection, self.table_name, self.where, **options)

    @classmethod
    def example(cls) -> BatchDeleteOp:
        return cls("ticket", where=sa.column("id") > 3)


@Operations.implementation_for(BatchDeleteOp)
def _batch_delete(operations: Operations, op: BatchDeleteOp) -> None:
    run_batched(operations, op)


@renderers.dispatch_for(BatchDeleteOp)
def _render_batch_delete(autogen_context: Any, op: BatchDeleteOp) -> str:
    where = python_source(op.where, autogen_context)
    return f"op.batch_delete({op.table_name!r}, where={where}{options_source(op, autogen_context)})"

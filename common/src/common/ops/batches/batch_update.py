"""``op.batch_update`` / ``batch_update(connection, ...)``: UPDATE in primary-key batches.

Why batches: one UPDATE over a big table holds every row lock it takes until it ends and
writes the whole table's WAL in one transaction; the application's writes to those rows
queue behind it. ``_engine`` walks the table instead, one short transaction per batch,
each resumable; ``_op`` says how online and offline run the one statement built here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy import Connection

from common.ops._expressions import mapping_source, python_source
from common.ops._support import DEFAULT_LOCK_TIMEOUT_MS, OperationError, column_of
from common.ops.base import register
from common.ops.batches._engine import BatchResult, conditions, run
from common.ops.batches._op import BatchOp, options_source, run_batched
from common.ops.batches._sizing import FROM_SETTINGS


def _value(column: Any, value: Any) -> Any:
    """A plain value bound as the column's type; as its own type on an untyped stub."""
    if isinstance(value, sa.ClauseElement) or not isinstance(column.type, sa.types.NullType):
        return value
    return sa.literal(value)


def update_statement(
    table: sa.TableClause, values: Mapping[str, Any], where: Any, key_range: Any = None
) -> sa.Update:
    """UPDATE ``table`` SET ``values`` WHERE ``where`` (and the batch's ``key_range``)."""
    assignments = {name: _value(table.c[name], value) for name, value in values.items()}
    return sa.update(table).where(*conditions(key_range, where)).values(assignments)


def batch_update(
    connection: Connection,
    table_name: str,
    values: Mapping[str, Any],
    where: Any = None,
    batch_size: int | None = None,
    pause: float = 0.0,
    *,
    schema: str | None = None,
    dry_run: bool = False,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    max_batch_ms: float | None = FROM_SETTINGS,
) -> BatchResult:
    """UPDATE ``table_name`` SET ``values`` WHERE ``where``, in primary-key batches.

    ``values`` maps column names to Python values or SQL expressions (``sa.text(...)``,
    ``sa.column("a") + 1``); ``where`` is a SQL expression or SQL text. ``batch_size``
    (default WORKBENCH_BATCH_SIZE) is the most rows per batch; each batch is sized to
    take about ``max_batch_ms`` (default WORKBENCH_MAX_BATCH_MS; None or 0: always
    ``batch_size`` rows).
    """

    def build(table: sa.Table, key_range: Any) -> sa.Executable:
        if not values:
            raise OperationError(f"batch_update on {table.name!r} sets no column.", "pass values.")
        for name in values:
            column_of(table, name)
        return update_statement(table, values, where, key_range)

    return run(
        connection,
        "batch_update",
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


@register("batch_update")
class BatchUpdateOp(BatchOp):
    """UPDATE in primary-key batches, each committed on its own."""

    kind = "batch_update"

    def __init__(self, table_name: str, values: dict, where: Any = None, **kw: Any) -> None:
        super().__init__(table_name, **kw)
        self.values = values
        self.where = where

    @classmethod
    def batch_update(
        cls,
        operations: Operations,
        table_name: str,
        values: dict,
        where: Any = None,
        batch_size: int | None = None,
        pause: float = 0.0,
        **kw: Any,
    ):
        """UPDATE ``table_name`` SET ``values`` WHERE ``where`` in resumable batches.

        ``batch_size`` (default WORKBENCH_BATCH_SIZE) bounds the rows per batch; the
        batches are sized to take about ``max_batch_ms=`` (default WORKBENCH_MAX_BATCH_MS,
        50; None or 0: fixed batches). Other keywords: ``dry_run``, ``lock_timeout_ms``,
        ``schema``, as in ``common.ops.batch_update``.
        """
        op = cls(table_name, values, where, batch_size=batch_size, pause=pause, **kw)
        return operations.invoke(op)

    def describe(self) -> str:
        return f"backfill {self.qualified_name()} in batches"

    def offline_statement(self) -> sa.Update:
        return update_statement(self.stub(*self.values), self.values, self.where)

    def run_online(self, connection: Connection, options: dict[str, Any]) -> BatchResult:
        return batch_update(connection, self.table_name, self.values, self.where, **options)

    @classmethod
    def example(cls) -> BatchUpdateOp:
        return cls("ticket", {"priority": 0}, where=sa.column("priority").is_(None))


@Operations.implementation_for(BatchUpdateOp)
def _batch_update(operations: Operations, op: BatchUpdateOp) -> None:
    run_batched(operations, op)


@renderers.dispatch_for(BatchUpdateOp)
def _render_batch_update(autogen_context: Any, op: BatchUpdateOp) -> str:
    values = mapping_source(op.values, autogen_context)
    where = "" if op.where is None else f", where={python_source(op.where, autogen_context)}"
    return (
        f"op.batch_update({op.table_name!r}, {values}{where}{options_source(op, autogen_context)})"
    )

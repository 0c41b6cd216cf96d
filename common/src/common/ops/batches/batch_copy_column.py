"""``op.batch_copy_column`` / ``batch_copy_column(connection, ...)``: copy a column in batches.

The usual second step of a type change without a rewrite under lock: add the new column,
copy in batches, switch the application, drop the old column. Each batch is an UPDATE of
its key range (see ``batch_update`` for why); ``_op`` says how online and offline run
the one statement built here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection

from common.ops._expressions import python_source
from common.ops._support import DEFAULT_LOCK_TIMEOUT_MS, as_clause, column_of
from common.ops.base import register
from common.ops.batches._engine import BatchResult, conditions, run
from common.ops.batches._op import BatchOp, options_source, run_batched
from common.ops.batches._sizing import FROM_SETTINGS


def copy_statement(
    table: sa.TableClause,
    source_column: str,
    target_column: str,
    using: Any,
    where: Any,
    key_range: Any = None,
) -> sa.Update:
    """UPDATE ``table`` SET target = source (or ``using``) WHERE ``where`` and ``key_range``."""
    value = table.c[source_column] if using is None else as_clause(using)
    return sa.update(table).where(*conditions(key_range, where)).values({target_column: value})


def batch_copy_column(
    connection: Connection,
    table_name: str,
    source_column: str,
    target_column: str,
    using: Any = None,
    batch_size: int | None = None,
    *,
    pause: float = 0.0,
    where: Any = None,
    schema: str | None = None,
    dry_run: bool = False,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    max_batch_ms: float | None = FROM_SETTINGS,
) -> BatchResult:
    """Copy ``source_column`` into ``target_column`` (through ``using``), in batches.

    ``using`` is a SQL expression or text such as ``"CAST(price AS numeric(12, 2))"``.
    """

    def build(table: sa.Table, key_range: Any) -> sa.Executable:
        column_of(table, source_column)
        column_of(table, target_column)
        return copy_statement(table, source_column, target_column, using, where, key_range)

    return run(
        connection,
        "batch_copy_column",
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


@register("batch_copy_column")
class BatchCopyColumnOp(BatchOp):
    """Copy one column into another (optionally through a SQL expression) in batches."""

    kind = "batch_copy_column"

    def __init__(
        self, table_name: str, source_column: str, target_column: str, using: Any = None, **kw
    ) -> None:
        super().__init__(table_name, **kw)
        self.source_column = source_column
        self.target_column = target_column
        self.using = using

    @classmethod
    def batch_copy_column(
        cls,
        operations: Operations,
        table_name: str,
        source_column: str,
        target_column: str,
        using: Any = None,
        batch_size: int | None = None,
        **kw: Any,
    ):
        """Copy ``source_column`` into ``target_column`` in resumable batches (sized as above)."""
        op = cls(table_name, source_column, target_column, using, batch_size=batch_size, **kw)
        return operations.invoke(op)

    def describe(self) -> str:
        table = self.qualified_name()
        return f"copy {table}.{self.source_column} into {table}.{self.target_column} in batches"

    def offline_statement(self) -> sa.Update:
        table = self.stub(self.source_column, self.target_column)
        where = self.options.get("where")
        return copy_statement(table, self.source_column, self.target_column, self.using, where)

    def run_online(self, connection: Connection, options: dict[str, Any]) -> BatchResult:
        return batch_copy_column(
            connection, self.table_name, self.source_column, self.target_column, self.using,
            **options,
        )  # fmt: skip

    @classmethod
    def example(cls) -> BatchCopyColumnOp:
        return cls("ticket", "title", "summary")

    @classmethod
    def example_setup(cls) -> list:
        return [ops.AddColumnOp("ticket", sa.Column("summary", sa.String(100)))]


@Operations.implementation_for(BatchCopyColumnOp)
def _batch_copy_column(operations: Operations, op: BatchCopyColumnOp) -> None:
    run_batched(operations, op)


@renderers.dispatch_for(BatchCopyColumnOp)
def _render_batch_copy_column(autogen_context: Any, op: BatchCopyColumnOp) -> str:
    using = "" if op.using is None else f", using={python_source(op.using, autogen_context)}"
    return (
        f"op.batch_copy_column({op.table_name!r}, {op.source_column!r}, "
        f"{op.target_column!r}{using}{options_source(op, autogen_context)})"
    )

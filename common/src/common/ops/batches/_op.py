"""What the three batch ops share: options, the online/offline implementation, the script
text of their options, their lock line and their reverse.

Online and offline run the same statement. Each op builds its one statement with a
function ``statement(table, ..., key_range=None)``: online the engine (``_engine``)
reflects the table and calls it once per batch with the batch's key range; offline
(``--sql``) it is called on a ``sa.table`` stub naming the same columns, with no range,
and written as one plain statement, since offline SQL cannot loop. So the offline SQL is
exactly what a job of one batch runs online (the shared op test checks it on the example
table), and a longer job runs it with one more condition, ``after < key <= upto``.

Offline cannot: check that the table and the columns exist, walk in batches, resume
from a checkpoint, or count (``dry_run``; offline writes the statement).

The batches run inside ``autocommit_block()``: the revision's earlier steps are committed
first (so a column added above is visible), each batch commits on its own, and the
revision continues with its next step only when every batch is done.

A ``batch_size`` left out (None) is read from WORKBENCH_BATCH_SIZE when the revision
runs and is not written into a rendered script, so the setting keeps applying; likewise
``max_batch_ms`` (WORKBENCH_MAX_BATCH_MS), written only when given.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations

from common.config import settings_of
from common.ops._expressions import compiled_sql, python_source
from common.ops._support import OperationError
from common.ops.base import WorkbenchOp
from common.ops.batches import _checkpoint as checkpoint
from common.ops.batches._engine import BatchResult
from common.ops.stop import StopMigrationOp

_LOCKS = {
    "postgresql": "row locks, one batch at a time",
    "mysql": "InnoDB row locks, one batch at a time",
    "sqlite": "the database's write lock, one batch at a time",
}


class BatchOp(WorkbenchOp):
    """A batched step on ``table_name``; ``options`` are the engine's keywords."""

    atomic = False

    kind = ""

    def __init__(self, table_name: str, *, batch_size: int | None = None, **options: Any) -> None:
        self.table_name = table_name
        self.batch_size = batch_size
        self.options = options

    @property
    def schema(self) -> str | None:
        return self.options.get("schema")

    def qualified_name(self) -> str:
        return self.table_name if self.schema is None else f"{self.schema}.{self.table_name}"

    def stub(self, *columns: str) -> sa.TableClause:
        """The table as offline SQL knows it: a name and the columns the op names."""
        return sa.table(self.table_name, *(sa.column(c) for c in columns), schema=self.schema)

    def offline_statement(self) -> sa.Executable:
        raise NotImplementedError

    def run_online(self, connection: sa.Connection, options: dict[str, Any]) -> BatchResult:
        raise NotImplementedError

    def lock(self, dialect: str) -> str:
        return _LOCKS.get(dialect, _LOCKS["postgresql"])

    def reverse(self) -> StopMigrationOp:
        """Data is not kept: the downgrade stops here, saying so, until a person writes it."""
        return StopMigrationOp(
            f"{self.kind} on {self.qualified_name()} cannot be undone: the rows it changed "
            "keep no copy of what they held.",
            f"write the reverse data step by hand, or delete this op.stop_migration(...) if "
            f"the downgrade needs none (e.g. it drops the column {self.kind} filled).",
        )


def where_text(where: Any) -> str:
    """A where condition as a reader sees it: SQL text as is, an expression compiled."""
    return where if isinstance(where, str) else compiled_sql(where)


def _run_options(operations: Operations, op: BatchOp) -> dict[str, Any]:
    """The op's own options, batch sizes filled from the settings of the running command."""
    settings = settings_of(operations.get_context().config)
    options = {"max_batch_ms": settings.max_batch_ms, **op.options}
    options["batch_size"] = settings.batch_size if op.batch_size is None else op.batch_size
    return options


def run_batched(operations: Operations, op: BatchOp) -> None:
    """The implementation of every batch op: offline its statement, online the batches.

    A dry run inside a revision must not let the revision be recorded as applied: it
    counts in the revision's own transaction and raises, which rolls that back.
    """
    context = operations.get_context()
    if context.as_sql:
        operations.execute(op.offline_statement())
        return
    options = _run_options(operations, op)
    if op.options.get("dry_run"):
        result = op.run_online(operations.get_bind(), options)
        raise OperationError(
            f"{op.kind} on {op.table_name!r} is a dry run: {result.rows:,} rows would change; "
            "the revision stops here and is not recorded as applied.",
            "remove dry_run=True to run it.",
        )
    with context.autocommit_block():
        result = op.run_online(operations.get_bind(), options)
    if result.pending_job:  # deleted with the revision's record, in its transaction
        checkpoint.forget(operations.get_bind(), result.pending_job)


def options_source(op: BatchOp, autogen_context: Any) -> str:
    """``, batch_size=500, max_batch_ms=20``: the options given, as keyword arguments."""
    parts = [] if op.batch_size is None else [f"batch_size={op.batch_size!r}"]
    parts += [
        f"{k}={python_source(v, autogen_context)}"
        for k, v in op.options.items()
        if not (k == "pause" and v == 0.0)
    ]
    return "".join(f", {p}" for p in parts)

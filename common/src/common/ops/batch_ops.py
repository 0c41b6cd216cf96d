"""``op.batch_update`` / ``op.batch_delete`` / ``op.batch_copy_column`` for revisions.

The batches run inside ``autocommit_block()``: the revision's earlier steps are committed
first (so a column added above is visible), each batch commits on its own, and the
revision continues with its next step only when every batch is done. With ``--sql`` the
operation is written as one plain statement, since offline SQL cannot loop.

A ``batch_size`` left out (None) is read from WORKBENCH_BATCH_SIZE when the revision
runs and is not written into a rendered script, so the setting keeps applying; likewise
``max_batch_ms`` (WORKBENCH_MAX_BATCH_MS), written only when given.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.config import settings_of
from common.ops import batches, checkpoint
from common.ops._support import OperationError, as_clause
from common.ops.base import WorkbenchOp, register


class _BatchOp(WorkbenchOp):
    atomic = False
    kind = ""

    def __init__(self, table_name: str, *, batch_size: int | None = None, **options: Any) -> None:
        self.table_name = table_name
        self.batch_size = batch_size
        self.options = options

    def describe(self) -> str:
        return f"{self.kind} on {self.table_name}"


@register("batch_update")
class BatchUpdateOp(_BatchOp):
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


@register("batch_delete")
class BatchDeleteOp(_BatchOp):
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


@register("batch_copy_column")
class BatchCopyColumnOp(_BatchOp):
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


def _run_options(operations: Operations, op: _BatchOp) -> dict[str, Any]:
    """The op's own options, batch sizes filled from the settings of the running command."""
    settings = settings_of(operations.get_context().config)
    options = {"max_batch_ms": settings.max_batch_ms, **op.options}
    options["batch_size"] = settings.batch_size if op.batch_size is None else op.batch_size
    return options


def _run_batched(operations: Operations, op: _BatchOp, offline: Any, online) -> None:
    """Batches in autocommit_block(); a dry run counts, then stops the revision.

    A dry run inside a revision must not let the revision be recorded as applied: it
    counts in the revision's own transaction and raises, which rolls that back.
    ``online`` takes the connection and the options of ``_run_options``.
    """
    context = operations.get_context()
    if context.as_sql:
        operations.execute(offline)
        return
    options = _run_options(operations, op)
    if op.options.get("dry_run"):
        result = online(operations.get_bind(), options)
        raise OperationError(
            f"{op.kind} on {op.table_name!r} is a dry run: {result.rows:,} rows would change; "
            "the revision stops here and is not recorded as applied.",
            "remove dry_run=True to run it.",
        )
    with context.autocommit_block():
        result = online(operations.get_bind(), options)
    if result.pending_job:  # deleted with the revision's record, in its transaction
        checkpoint.forget(operations.get_bind(), result.pending_job)


@Operations.implementation_for(BatchUpdateOp)
def _batch_update(operations: Operations, op: BatchUpdateOp) -> None:
    table = sa.table(op.table_name, *(sa.column(name) for name in op.values))
    offline = sa.update(table).values(
        {k: v if isinstance(v, sa.ClauseElement) else sa.literal(v) for k, v in op.values.items()}
    )
    if op.where is not None:
        offline = offline.where(as_clause(op.where))
    _run_batched(
        operations,
        op,
        offline,
        lambda conn, options: batches.batch_update(
            conn, op.table_name, op.values, op.where, **options
        ),
    )


@Operations.implementation_for(BatchDeleteOp)
def _batch_delete(operations: Operations, op: BatchDeleteOp) -> None:
    offline = sa.delete(sa.table(op.table_name)).where(as_clause(op.where))
    _run_batched(
        operations,
        op,
        offline,
        lambda conn, options: batches.batch_delete(conn, op.table_name, op.where, **options),
    )


@Operations.implementation_for(BatchCopyColumnOp)
def _batch_copy_column(operations: Operations, op: BatchCopyColumnOp) -> None:
    table = sa.table(op.table_name, sa.column(op.source_column), sa.column(op.target_column))
    value = table.c[op.source_column] if op.using is None else as_clause(op.using)
    offline = sa.update(table).values({op.target_column: value})
    _run_batched(
        operations,
        op,
        offline,
        lambda conn, options: batches.batch_copy_column(
            conn, op.table_name, op.source_column, op.target_column, op.using, **options
        ),
    )


def _sql_text(value: Any) -> str:
    """A where/using value as script text: a str stays a str, SQL becomes ``sa.text``."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, sa.TextClause):
        return f"sa.text({value.text!r})"
    sql = str(value.compile(compile_kwargs={"literal_binds": True}))
    return f"sa.text({sql!r})"


def _options(op: _BatchOp) -> str:
    parts = [] if op.batch_size is None else [f"batch_size={op.batch_size!r}"]
    parts += [f"{k}={v!r}" for k, v in op.options.items() if not (k == "pause" and v == 0.0)]
    return "".join(f", {p}" for p in parts)


def _render_values(values: dict) -> str:
    items = ", ".join(
        f"{k!r}: {_sql_text(v) if isinstance(v, sa.ClauseElement) else repr(v)}"
        for k, v in values.items()
    )
    return "{" + items + "}"


@renderers.dispatch_for(BatchUpdateOp)
def _render_batch_update(autogen_context: Any, op: BatchUpdateOp) -> str:
    where = "" if op.where is None else f", where={_sql_text(op.where)}"
    return f"op.batch_update({op.table_name!r}, {_render_values(op.values)}{where}{_options(op)})"


@renderers.dispatch_for(BatchDeleteOp)
def _render_batch_delete(autogen_context: Any, op: BatchDeleteOp) -> str:
    return f"op.batch_delete({op.table_name!r}, where={_sql_text(op.where)}{_options(op)})"


@renderers.dispatch_for(BatchCopyColumnOp)
def _render_batch_copy_column(autogen_context: Any, op: BatchCopyColumnOp) -> str:
    using = "" if op.using is None else f", using={_sql_text(op.using)}"
    return (
        f"op.batch_copy_column({op.table_name!r}, {op.source_column!r}, "
        f"{op.target_column!r}{using}{_options(op)})"
    )

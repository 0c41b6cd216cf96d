"""``op.create_index_concurrently`` / ``drop_index_concurrently`` / ``reindex_concurrently``.

Each runs inside ``autocommit_block()`` because PostgreSQL refuses CONCURRENTLY in a
transaction block; the revision's earlier steps are committed first. Online and offline
alike, a name over the dialect's limit is the one the database stores
(``common.identifiers.stored_name``), as ``create_all`` and ``op.f()`` shorten it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.identifiers import stored_name
from common.ops import indexes
from common.ops._support import run_outside_transaction
from common.ops.base import WorkbenchOp, register


@register("create_index_concurrently")
class CreateIndexConcurrentlyOp(WorkbenchOp):
    """CREATE INDEX CONCURRENTLY, rebuilding an INVALID leftover; plain elsewhere."""

    atomic = False

    def __init__(
        self,
        index_name: str,
        table_name: str,
        columns: Sequence[Any],
        unique: bool = False,
        if_not_exists: bool = True,
        **dialect_kw: Any,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.columns = list(columns)
        self.unique = unique
        self.if_not_exists = if_not_exists
        self.dialect_kw = dialect_kw

    @classmethod
    def create_index_concurrently(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str,
        columns: Sequence[Any],
        unique: bool = False,
        if_not_exists: bool = True,
        **dialect_kw: Any,
    ):
        """Build an index without blocking writes."""
        op = cls(index_name, table_name, columns, unique, if_not_exists, **dialect_kw)
        return operations.invoke(op)

    def reverse(self) -> DropIndexConcurrentlyOp:
        return DropIndexConcurrentlyOp(self.index_name, self.table_name, _reverse=self)

    def describe(self) -> str:
        return f"create index {self.index_name} on {self.table_name} concurrently"


@register("drop_index_concurrently")
class DropIndexConcurrentlyOp(WorkbenchOp):
    """DROP INDEX CONCURRENTLY IF EXISTS; plain DROP INDEX elsewhere."""

    atomic = False

    def __init__(
        self,
        index_name: str,
        table_name: str | None = None,
        if_exists: bool = True,
        _reverse: CreateIndexConcurrentlyOp | None = None,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.if_exists = if_exists
        self._reverse = _reverse

    @classmethod
    def drop_index_concurrently(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str | None = None,
        if_exists: bool = True,
    ):
        """Drop an index without blocking reads or writes."""
        return operations.invoke(cls(index_name, table_name, if_exists))

    def reverse(self) -> CreateIndexConcurrentlyOp:
        if self._reverse is None:
            raise ValueError(f"cannot reverse dropping {self.index_name}: its columns are unknown")
        return self._reverse

    def describe(self) -> str:
        return f"drop index {self.index_name} concurrently"


@register("reindex_concurrently")
class ReindexConcurrentlyOp(WorkbenchOp):
    """REINDEX INDEX CONCURRENTLY (PostgreSQL 12+); REINDEX on SQLite."""

    atomic = False

    def __init__(self, index_name: str) -> None:
        self.index_name = index_name

    @classmethod
    def reindex_concurrently(cls, operations: Operations, index_name: str):
        """Rebuild an index without blocking writes."""
        return operations.invoke(cls(index_name))

    def reverse(self) -> ReindexConcurrentlyOp:
        return self  # rebuilding is its own inverse: nothing to undo

    def describe(self) -> str:
        return f"reindex {self.index_name} concurrently"


@Operations.implementation_for(CreateIndexConcurrentlyOp)
def _create(operations: Operations, op: CreateIndexConcurrentlyOp) -> None:
    unique = "UNIQUE " if op.unique else ""
    name = stored_name(operations.get_context().dialect, op.index_name)
    run_outside_transaction(
        operations,
        lambda conn: indexes.create_index_concurrently(
            conn,
            op.index_name,
            op.table_name,
            op.columns,
            op.unique,
            op.if_not_exists,
            **op.dialect_kw,
        ),
        lambda q: (
            f"CREATE {unique}INDEX CONCURRENTLY IF NOT EXISTS {q(name)} "
            f"ON {q(op.table_name)} ({', '.join(q(c) for c in op.columns)})"
        ),
    )


@Operations.implementation_for(DropIndexConcurrentlyOp)
def _drop(operations: Operations, op: DropIndexConcurrentlyOp) -> None:
    name = stored_name(operations.get_context().dialect, op.index_name)
    run_outside_transaction(
        operations,
        lambda conn: indexes.drop_index_concurrently(
            conn, op.index_name, op.table_name, op.if_exists
        ),
        lambda q: f"DROP INDEX CONCURRENTLY IF EXISTS {q(name)}",
    )


@Operations.implementation_for(ReindexConcurrentlyOp)
def _reindex(operations: Operations, op: ReindexConcurrentlyOp) -> None:
    name = stored_name(operations.get_context().dialect, op.index_name)
    run_outside_transaction(
        operations,
        lambda conn: indexes.reindex_concurrently(conn, op.index_name),
        lambda q: f"REINDEX INDEX CONCURRENTLY {q(name)}",
    )


@renderers.dispatch_for(CreateIndexConcurrentlyOp)
def _render_create(autogen_context: Any, op: CreateIndexConcurrentlyOp) -> str:
    extras = "" if not op.unique else ", unique=True"
    extras += "" if op.if_not_exists else ", if_not_exists=False"
    extras += "".join(f", {k}={v!r}" for k, v in op.dialect_kw.items())
    columns = [str(c) for c in op.columns]
    return (
        f"op.create_index_concurrently({op.index_name!r}, {op.table_name!r}, {columns!r}{extras})"
    )


@renderers.dispatch_for(DropIndexConcurrentlyOp)
def _render_drop(autogen_context: Any, op: DropIndexConcurrentlyOp) -> str:
    table = f", {op.table_name!r}" if op.table_name else ""
    guard = "" if op.if_exists else ", if_exists=False"
    return f"op.drop_index_concurrently({op.index_name!r}{table}{guard})"


@renderers.dispatch_for(ReindexConcurrentlyOp)
def _render_reindex(autogen_context: Any, op: ReindexConcurrentlyOp) -> str:
    return f"op.reindex_concurrently({op.index_name!r})"

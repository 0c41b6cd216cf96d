"""``op.create_index_concurrently``: build an index without blocking writes.

A plain CREATE INDEX holds a SHARE lock on the table for the whole build: every INSERT,
UPDATE and DELETE waits. CONCURRENTLY only takes SHARE UPDATE EXCLUSIVE, so writes go
on; the price is that it cannot run in a transaction (the op runs in
``autocommit_block()``, committing the revision's earlier steps first), and a failed
build leaves an INVALID index behind. Online, the op reads ``pg_index`` first: a valid
index is kept (``"exists"``), an INVALID leftover is dropped and rebuilt, and a build
that fails is dropped again with a one-line error. Offline (``--sql``) cannot read, so
it writes ``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` for the index it expects absent:
a leftover INVALID index would be kept by that statement.

On SQLite the index is built plainly (one writer at a time anyway), ``postgresql_where``
becoming ``sqlite_where``; MySQL/MariaDB build secondary indexes online by default and
refuse a partial index. A name over the dialect's limit is the one the database stores
(``common.identifiers.stored_name``), as ``create_all`` and ``op.f()`` shorten it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import conv

from common.database import driver_message
from common.identifiers import stored_name
from common.ops._expressions import python_source
from common.ops._locks import lock_line
from common.ops._statements import (
    Step,
    execute,
    family,
    run_statements_outside_transaction,
)
from common.ops._support import OperationError, autocommit
from common.ops.base import WorkbenchOp, register
from common.ops.indexes._state import (
    drop_concurrently,
    drop_invalid_leftover,
    index_names,
    index_state,
    portable_kw,
)

CONCURRENT_LOCK = "SHARE UPDATE EXCLUSIVE (reads and writes go on), outside the transaction"


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
        *,
        schema: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.columns = list(columns)
        self.unique = unique
        self.if_not_exists = if_not_exists
        self.schema = schema
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
        *,
        schema: str | None = None,
        **dialect_kw: Any,
    ):
        """Build an index without blocking writes."""
        op = cls(
            index_name, table_name, columns, unique, if_not_exists, schema=schema, **dialect_kw
        )
        return operations.invoke(op)

    def reverse(self) -> WorkbenchOp:
        from common.ops.indexes.drop_index_concurrently import DropIndexConcurrentlyOp

        return DropIndexConcurrentlyOp(
            self.index_name, self.table_name, schema=self.schema, _reverse=self
        )

    def describe(self) -> str:
        return f"create index {self.index_name} on {self.table_name} CONCURRENTLY"

    def lock(self, dialect: str) -> str:
        return lock_line(dialect, CONCURRENT_LOCK)

    @classmethod
    def example(cls) -> CreateIndexConcurrentlyOp:
        return cls("ix_ticket_title", "ticket", ["title"])


def statements(dialect: Dialect, op: CreateIndexConcurrentlyOp) -> list[Step]:
    """The CREATE INDEX, online and offline: CONCURRENTLY on PostgreSQL, plain elsewhere."""
    kind = family(dialect)
    name = conv(stored_name(dialect, op.index_name))
    if kind == "postgresql":
        kw = {**op.dialect_kw, "postgresql_concurrently": True}
    else:
        kw = portable_kw(kind, name, op.dialect_kw)
    guard = op.if_not_exists and kind != "mysql"  # MySQL has no CREATE INDEX IF NOT EXISTS
    create = ops.CreateIndexOp(
        name, op.table_name, op.columns, schema=op.schema, unique=op.unique,
        if_not_exists=guard or None, **kw,
    )  # fmt: skip
    return [create]


def apply(connection: Connection, op: CreateIndexConcurrentlyOp) -> str:
    """Online: "created", "rebuilt" (an INVALID leftover) or "exists"."""
    name = stored_name(connection.dialect, op.index_name)
    steps = statements(connection.dialect, op)
    postgresql = family(connection.dialect) == "postgresql"
    rebuilt = False
    with autocommit(connection) as conn:
        if postgresql:
            rebuilt = drop_invalid_leftover(conn, name, op.schema)
            present = not rebuilt and index_state(conn, name, op.schema) == "valid"
        else:
            present = name in index_names(conn, op.table_name, op.schema)
        if present:
            if op.if_not_exists:
                return "exists"
            raise OperationError(
                f"index {name!r} already exists.",
                "pass if_not_exists=True, or choose another name.",
            )
        try:
            for step in steps:
                execute(conn, step)
        except DBAPIError as exc:
            if not postgresql:
                raise
            execute(conn, drop_concurrently(name, op.schema))
            raise OperationError(
                f"building index {name!r} on {op.table_name!r} failed: {driver_message(exc)}",
                "fix the cause (e.g. remove duplicate rows for a unique index) and run "
                "update-db again; the half-built index was dropped.",
            ) from None
        return "rebuilt" if rebuilt else "created"


def create_index_concurrently(
    connection: Connection,
    index_name: str,
    table_name: str,
    columns: Sequence[Any],
    unique: bool = False,
    if_not_exists: bool = True,
    *,
    schema: str | None = None,
    **dialect_kw: Any,
) -> str:
    """Build the index without blocking writes; returns "created", "rebuilt" or "exists".

    ``postgresql_where``, ``postgresql_include`` and ``postgresql_using`` pass through.
    """
    op = CreateIndexConcurrentlyOp(
        index_name, table_name, columns, unique, if_not_exists, schema=schema, **dialect_kw
    )
    return apply(connection, op)


@Operations.implementation_for(CreateIndexConcurrentlyOp)
def _implement(operations: Operations, op: CreateIndexConcurrentlyOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


@renderers.dispatch_for(CreateIndexConcurrentlyOp)
def _render(autogen_context: Any, op: CreateIndexConcurrentlyOp) -> str:
    extras = "" if not op.unique else ", unique=True"
    extras += "" if op.if_not_exists else ", if_not_exists=False"
    extras += f", schema={op.schema!r}" if op.schema else ""
    extras += "".join(
        f", {k}={python_source(v, autogen_context)}" for k, v in op.dialect_kw.items()
    )
    columns = ", ".join(python_source(c, autogen_context) for c in op.columns)
    return (
        f"op.create_index_concurrently({op.index_name!r}, {op.table_name!r}, [{columns}]{extras})"
    )

"""``op.drop_index_concurrently``: drop an index without blocking reads or writes.

A plain DROP INDEX takes ACCESS EXCLUSIVE on the table; CONCURRENTLY waits for the
transactions using the index instead, outside a transaction (``autocommit_block()``).
Online, an absent index is reported (``"absent"``) and nothing runs; offline (``--sql``)
writes ``DROP INDEX CONCURRENTLY IF EXISTS``. SQLite drops it plainly (``IF EXISTS``),
MySQL/MariaDB too (``DROP INDEX ... ON <table>``, which needs the table name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import conv

from common.identifiers import stored_name
from common.ops._locks import lock_line
from common.ops._statements import Step, execute, family, run_statements_outside_transaction
from common.ops._support import autocommit, require_table_name
from common.ops.base import WorkbenchOp, register
from common.ops.indexes._state import drop_concurrently, index_names, index_state

if TYPE_CHECKING:
    from common.ops.indexes.create_index_concurrently import CreateIndexConcurrentlyOp

_LOCK = "SHARE UPDATE EXCLUSIVE (reads and writes go on), outside the transaction"


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
        *,
        schema: str | None = None,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.if_exists = if_exists
        self.schema = schema
        self._reverse = _reverse

    @classmethod
    def drop_index_concurrently(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str | None = None,
        if_exists: bool = True,
        *,
        schema: str | None = None,
    ):
        """Drop an index without blocking reads or writes."""
        return operations.invoke(cls(index_name, table_name, if_exists, schema=schema))

    def reverse(self) -> CreateIndexConcurrentlyOp:
        if self._reverse is None:
            raise ValueError(f"cannot reverse dropping {self.index_name}: its columns are unknown")
        return self._reverse

    def describe(self) -> str:
        where = f" on {self.table_name}" if self.table_name else ""
        return f"drop index {self.index_name}{where} CONCURRENTLY"

    def lock(self, dialect: str) -> str:
        return lock_line(dialect, _LOCK)

    @classmethod
    def example(cls) -> DropIndexConcurrentlyOp:
        from common.ops.indexes.create_index_concurrently import CreateIndexConcurrentlyOp

        create = CreateIndexConcurrentlyOp("ix_ticket_title", "ticket", ["title"])
        return cls("ix_ticket_title", "ticket", _reverse=create)

    @classmethod
    def example_setup(cls) -> list[ops.MigrateOperation]:
        return [ops.CreateIndexOp("ix_ticket_title", "ticket", ["title"])]


def statements(dialect: Dialect, op: DropIndexConcurrentlyOp) -> list[Step]:
    """The DROP INDEX, online and offline."""
    name = conv(stored_name(dialect, op.index_name))
    kind = family(dialect)
    if kind == "postgresql":
        return [drop_concurrently(name, op.schema, op.if_exists)]
    if kind == "sqlite":
        guard = op.if_exists or None
        return [ops.DropIndexOp(name, op.table_name, schema=op.schema, if_exists=guard)]
    table_name = require_table_name(op.table_name, "drop_index_concurrently")
    return [ops.DropIndexOp(name, table_name, schema=op.schema)]


def _present(conn: Connection, name: str, op: DropIndexConcurrentlyOp) -> bool:
    kind = family(conn.dialect)
    if kind == "postgresql":
        return index_state(conn, name, op.schema) is not None
    if kind == "sqlite":
        found = sa.text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :n")
        return conn.execute(found, {"n": name}).first() is not None
    return name in index_names(conn, str(op.table_name), op.schema)


def apply(connection: Connection, op: DropIndexConcurrentlyOp) -> str:
    """Online: "dropped", or "absent" (and nothing runs) when ``if_exists``."""
    name = stored_name(connection.dialect, op.index_name)
    steps = statements(connection.dialect, op)
    with autocommit(connection) as conn:
        if op.if_exists and not _present(conn, name, op):
            return "absent"
        for step in steps:
            execute(conn, step)
        return "dropped"


def drop_index_concurrently(
    connection: Connection,
    index_name: str,
    table_name: str | None = None,
    if_exists: bool = True,
    *,
    schema: str | None = None,
) -> str:
    """Drop the index without blocking reads or writes; returns "dropped" or "absent"."""
    return apply(
        connection, DropIndexConcurrentlyOp(index_name, table_name, if_exists, schema=schema)
    )


@Operations.implementation_for(DropIndexConcurrentlyOp)
def _implement(operations: Operations, op: DropIndexConcurrentlyOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


@renderers.dispatch_for(DropIndexConcurrentlyOp)
def _render(autogen_context: Any, op: DropIndexConcurrentlyOp) -> str:
    table = f", {op.table_name!r}" if op.table_name else ""
    guard = "" if op.if_exists else ", if_exists=False"
    schema = f", schema={op.schema!r}" if op.schema else ""
    return f"op.drop_index_concurrently({op.index_name!r}{table}{guard}{schema})"

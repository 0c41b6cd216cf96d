"""``op.reindex_concurrently``: rebuild a bloated or INVALID index without blocking writes.

``REINDEX INDEX CONCURRENTLY`` (PostgreSQL 12+) builds a new copy beside the old one and
swaps them, outside a transaction. An interrupted run leaves an INVALID ``<name>_ccnew``
copy that every write keeps maintaining: online, those are dropped first and a missing
index is a one-line error; offline (``--sql``) cannot read, so it writes the REINDEX
alone. SQLite has a plain ``REINDEX``; MySQL/MariaDB have none, and the op refuses there,
online and offline alike.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from common.identifiers import stored_name
from common.ops._ddl import IdentifierDDL
from common.ops._locks import lock_line
from common.ops._statements import Step, execute, family, run_statements_outside_transaction
from common.ops._support import OperationError, autocommit
from common.ops.base import WorkbenchOp, register
from common.ops.indexes._state import drop_reindex_leftovers, index_state

_LOCK = "SHARE UPDATE EXCLUSIVE (reads and writes go on), outside the transaction"


@register("reindex_concurrently")
class ReindexConcurrentlyOp(WorkbenchOp):
    """REINDEX INDEX CONCURRENTLY (PostgreSQL 12+); REINDEX on SQLite."""

    atomic = False

    def __init__(self, index_name: str, *, schema: str | None = None) -> None:
        self.index_name = index_name
        self.schema = schema

    @classmethod
    def reindex_concurrently(
        cls, operations: Operations, index_name: str, *, schema: str | None = None
    ):
        """Rebuild an index without blocking writes."""
        return operations.invoke(cls(index_name, schema=schema))

    def reverse(self) -> ReindexConcurrentlyOp:
        return self  # rebuilding is its own inverse: nothing to undo

    def describe(self) -> str:
        return f"reindex {self.index_name} CONCURRENTLY"

    def lock(self, dialect: str) -> str:
        return lock_line(
            dialect,
            _LOCK,
            sqlite="the database is locked while the index is rebuilt",
            mysql="none: refused, MySQL/MariaDB have no REINDEX",
        )

    @classmethod
    def example(cls) -> ReindexConcurrentlyOp:
        return cls("ix_ticket_title")

    @classmethod
    def example_setup(cls) -> list[ops.MigrateOperation]:
        return [ops.CreateIndexOp("ix_ticket_title", "ticket", ["title"])]


def statements(dialect: Dialect, op: ReindexConcurrentlyOp) -> list[Step]:
    """The REINDEX, online and offline; a refusal on MySQL/MariaDB."""
    kind = family(dialect)
    if kind == "mysql":
        raise OperationError(
            f"reindex_concurrently({op.index_name!r}): MySQL/MariaDB have no REINDEX.",
            "drop and recreate the index (op.drop_index_concurrently, "
            "op.create_index_concurrently), or run OPTIMIZE TABLE in a maintenance window.",
        )
    name = (op.schema, stored_name(dialect, op.index_name))
    if kind == "sqlite":
        return [IdentifierDDL("REINDEX {}", name)]
    return [IdentifierDDL("REINDEX INDEX CONCURRENTLY {}", name)]


def apply(connection: Connection, op: ReindexConcurrentlyOp) -> None:
    """Online: an unknown index is an error; REINDEX leftovers are dropped first."""
    steps = statements(connection.dialect, op)
    name = stored_name(connection.dialect, op.index_name)
    with autocommit(connection) as conn:
        if family(conn.dialect) == "postgresql":
            if index_state(conn, name, op.schema) is None:
                raise OperationError(f"index {name!r} does not exist.", "check its name.")
            drop_reindex_leftovers(conn, name, op.schema)
        for step in steps:
            execute(conn, step)


def reindex_concurrently(
    connection: Connection, index_name: str, *, schema: str | None = None
) -> None:
    """Rebuild a bloated or INVALID index without blocking writes (PostgreSQL 12+)."""
    apply(connection, ReindexConcurrentlyOp(index_name, schema=schema))


@Operations.implementation_for(ReindexConcurrentlyOp)
def _implement(operations: Operations, op: ReindexConcurrentlyOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


@renderers.dispatch_for(ReindexConcurrentlyOp)
def _render(autogen_context: Any, op: ReindexConcurrentlyOp) -> str:
    schema = f", schema={op.schema!r}" if op.schema else ""
    return f"op.reindex_concurrently({op.index_name!r}{schema})"

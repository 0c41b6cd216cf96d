"""``op.add_unique_constraint_concurrently``: a unique constraint without a blocking build.

``ADD CONSTRAINT ... UNIQUE`` builds its index under ACCESS EXCLUSIVE. On PostgreSQL this
op builds the unique index CONCURRENTLY (``op.create_index_concurrently``, INVALID
leftovers rebuilt online), then ``ADD CONSTRAINT ... UNIQUE USING INDEX``, which only
takes a brief ACCESS EXCLUSIVE lock (no scan, the index exists). Online an existing
constraint of that name is kept (``"exists"``); offline (``--sql``) writes both steps.
MySQL/MariaDB add it in one step (InnoDB builds it online); SQLite copies the table
(batch mode), which ``--sql`` cannot write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import conv

from common.identifiers import stored_name
from common.ops._ddl import IdentifierDDL
from common.ops._locks import lock_line
from common.ops._statements import (
    Short,
    Step,
    TableCopy,
    execute,
    family,
    run_statements_outside_transaction,
)
from common.ops._support import DEFAULT_LOCK_TIMEOUT_MS, autocommit
from common.ops.base import WorkbenchOp, register
from common.ops.constraints._state import violations_reported
from common.ops.indexes import create_index_concurrently as create_index


@register("add_unique_constraint_concurrently")
class AddUniqueConstraintConcurrentlyOp(WorkbenchOp):
    """Unique index built concurrently, then ADD CONSTRAINT ... UNIQUE USING INDEX."""

    atomic = False

    offline_refused = frozenset({"sqlite"})

    def __init__(
        self,
        constraint_name: str,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
        lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    ) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.columns = list(columns)
        self.schema = schema
        self.lock_timeout_ms = lock_timeout_ms

    @classmethod
    def add_unique_constraint_concurrently(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
    ):
        """Add a unique constraint without blocking writes during the index build."""
        return operations.invoke(cls(constraint_name, table_name, columns, schema=schema))

    def reverse(self) -> ops.DropConstraintOp:
        return ops.DropConstraintOp(
            self.constraint_name, self.table_name, type_="unique", schema=self.schema
        )

    def describe(self) -> str:
        return (
            f"add unique constraint {self.constraint_name} on {self.table_name} "
            "(index built CONCURRENTLY first)"
        )

    def lock(self, dialect: str) -> str:
        return lock_line(
            dialect, "SHARE UPDATE EXCLUSIVE for the build, then brief ACCESS EXCLUSIVE"
        )

    @classmethod
    def example(cls) -> AddUniqueConstraintConcurrentlyOp:
        return cls("uq_ticket_title", "ticket", ["title"])


def _index(
    op: AddUniqueConstraintConcurrentlyOp, name: str
) -> create_index.CreateIndexConcurrentlyOp:
    return create_index.CreateIndexConcurrentlyOp(
        name, op.table_name, op.columns, unique=True, schema=op.schema
    )


def _attach(op: AddUniqueConstraintConcurrentlyOp, name: str) -> Short:
    using = IdentifierDDL(
        "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}",
        (op.schema, op.table_name),
        name,
        name,
    )
    return Short(using, op.lock_timeout_ms)


def statements(dialect: Dialect, op: AddUniqueConstraintConcurrentlyOp) -> list[Step]:
    """PostgreSQL: the concurrent build, then USING INDEX; one ADD elsewhere."""
    name = conv(stored_name(dialect, op.constraint_name, "constraint"))
    kind = family(dialect)
    if kind == "sqlite":
        add = ops.CreateUniqueConstraintOp(name, op.table_name, op.columns)
        return [TableCopy(op.table_name, (add,), op.schema)]
    if kind == "mysql":
        return [ops.CreateUniqueConstraintOp(name, op.table_name, op.columns, schema=op.schema)]
    return [*create_index.statements(dialect, _index(op, name)), _attach(op, name)]


def apply(connection: Connection, op: AddUniqueConstraintConcurrentlyOp) -> str:
    """Online: "added", or "exists" when the table already has the constraint."""
    name = stored_name(connection.dialect, op.constraint_name, "constraint")
    kind = family(connection.dialect)
    steps = statements(connection.dialect, op)
    with autocommit(connection) as conn:
        inspector = sa.inspect(conn)
        existing = {u["name"] for u in inspector.get_unique_constraints(op.table_name, op.schema)}
        if name in existing:
            return "exists"
        if kind == "postgresql":  # the build reads pg_index and repairs a leftover first
            create_index.apply(conn, _index(op, name))
            steps = steps[-1:]
        with violations_reported(name, kind):
            for step in steps:
                execute(conn, step)
        return "added"


def add_unique_constraint_concurrently(
    connection: Connection,
    constraint_name: str,
    table_name: str,
    columns: Sequence[str],
    *,
    schema: str | None = None,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
) -> str:
    """A unique index built concurrently, then ADD CONSTRAINT ... UNIQUE USING INDEX.

    Returns "added" or "exists".
    """
    op = AddUniqueConstraintConcurrentlyOp(
        constraint_name, table_name, columns, schema=schema, lock_timeout_ms=lock_timeout_ms
    )
    return apply(connection, op)


@Operations.implementation_for(AddUniqueConstraintConcurrentlyOp)
def _implement(operations: Operations, op: AddUniqueConstraintConcurrentlyOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


@renderers.dispatch_for(AddUniqueConstraintConcurrentlyOp)
def _render(autogen_context: Any, op: AddUniqueConstraintConcurrentlyOp) -> str:
    schema = f", schema={op.schema!r}" if op.schema else ""
    return (
        f"op.add_unique_constraint_concurrently({op.constraint_name!r}, {op.table_name!r}, "
        f"{op.columns!r}{schema})"
    )

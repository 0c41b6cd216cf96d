"""``op.detach_partition``: take a partition out of its table without blocking it.

A plain ``DETACH PARTITION`` holds ACCESS EXCLUSIVE on the parent: every read and write
of the whole table waits. PostgreSQL 14+ detaches ``CONCURRENTLY`` under SHARE UPDATE
EXCLUSIVE, in two transactions of its own, so it cannot run in a transaction block:
the op runs in ``autocommit_block()`` (``atomic = False``), committing the revision's
earlier steps first. Before 14, or while the parent has a DEFAULT partition (which
PostgreSQL then refuses to detach concurrently), it detaches plainly under a short
``lock_timeout``. Online it finishes a concurrent detach left half done by an
interrupted run (``FINALIZE``) and skips a partition already gone; offline it writes
CONCURRENTLY unless ``concurrently=False`` (autogenerate passes that when the models
declare a DEFAULT partition).

With ``drop=True`` the detached table is then dropped: autogenerate writes that for a
partition the models no longer declare (as a model removed means ``drop_table``), and
the review lists it as destructive. ``drop=False`` keeps it as a plain table.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import Dialect

from common.ops._ddl import IdentifierDDL
from common.ops._locks import NOTHING, lock_line
from common.ops._statements import Short, Step, execute, family, run_statements_outside_transaction
from common.ops._support import autocommit
from common.ops.base import WorkbenchOp, register
from common.ops.partitions._catalog import concurrent_detach_possible, partitions

CONCURRENT = (
    "SHARE UPDATE EXCLUSIVE on the parent (reads and writes go on), outside the transaction"
)
PLAIN = (
    "ACCESS EXCLUSIVE on the parent, briefly "
    "(plain DETACH: before PostgreSQL 14 or with a DEFAULT partition)"
)


@register("detach_partition")
class DetachPartitionOp(WorkbenchOp):
    """ALTER TABLE ``parent`` DETACH PARTITION ``name`` [CONCURRENTLY], then DROP if asked."""

    atomic = False

    def __init__(
        self,
        parent: str,
        name: str,
        bound: str,
        *,
        drop: bool = False,
        concurrently: bool = True,
        schema: str | None = None,
    ) -> None:
        self.parent = parent
        self.name = name
        self.bound = bound  # what the reverse re-attaches or re-creates it for
        self.drop = drop
        self.concurrently = concurrently
        self.schema = schema

    @classmethod
    def detach_partition(
        cls,
        operations: Operations,
        parent: str,
        name: str,
        bound: str,
        *,
        drop: bool = False,
        concurrently: bool = True,
        schema: str | None = None,
    ):
        """Detach partition ``name`` from ``parent`` (CONCURRENTLY on PostgreSQL 14+)."""
        op = cls(parent, name, bound, drop=drop, concurrently=concurrently, schema=schema)
        return operations.invoke(op)

    def reverse(self) -> WorkbenchOp:
        from common.ops.partitions.attach_partition import AttachPartitionOp
        from common.ops.partitions.create_partition import CreatePartitionOp

        if self.drop:
            return CreatePartitionOp(self.parent, self.name, self.bound, schema=self.schema)
        return AttachPartitionOp(self.parent, self.name, self.bound, schema=self.schema)

    def describe(self) -> str:
        how = " CONCURRENTLY" if self.concurrently else ""
        then = ", then drop it" if self.drop else " (kept as a plain table)"
        return f"detach partition {self.name} from {self.parent}{how}{then}"

    def lock(self, dialect: str) -> str:
        return lock_line(
            dialect, CONCURRENT if self.concurrently else PLAIN, sqlite=NOTHING, mysql=NOTHING
        )

    def destroys(self) -> str | None:
        return f"every row of partition {self.name} of {self.parent}" if self.drop else None

    @classmethod
    def example(cls) -> DetachPartitionOp:
        return cls("measure", "measure_2", "FROM (100) TO (200)", drop=True)

    @classmethod
    def example_setup_for(cls, dialect: str) -> list:
        from common.ops.partitions.examples import partitioned_parent

        return partitioned_parent(dialect, [("measure_2", "FROM (100) TO (200)")])


def _steps(op: DetachPartitionOp, how: str) -> list[Step]:
    names = (op.schema, op.parent), (op.schema, op.name)
    if how == "concurrently":
        detach: Step = IdentifierDDL("ALTER TABLE {} DETACH PARTITION {} CONCURRENTLY", *names)
    elif how == "finalize":
        detach = IdentifierDDL("ALTER TABLE {} DETACH PARTITION {} FINALIZE", *names)
    else:
        detach = Short(IdentifierDDL("ALTER TABLE {} DETACH PARTITION {}", *names))
    steps = [detach]
    if op.drop:
        steps.append(Short(IdentifierDDL("DROP TABLE {}", (op.schema, op.name))))
    return steps


def statements(dialect: Dialect, op: DetachPartitionOp) -> list[Step]:
    """Offline: what the op writes (nothing outside PostgreSQL)."""
    if family(dialect) != "postgresql":
        return []
    return _steps(op, "concurrently" if op.concurrently else "plain")


def apply(connection: Connection, op: DetachPartitionOp) -> str:
    """Online: "detached", "finalized" (an interrupted concurrent detach) or "absent"."""
    if family(connection.dialect) != "postgresql":
        return "absent"
    with autocommit(connection) as conn:
        found = partitions(conn, op.parent, op.schema)
        child = found.get(op.name)
        if child is None:
            # a rerun: detached already; dropping it may be what is left to do
            steps = _steps(op, "plain")[1:] if op.drop and _exists(conn, op) else []
            result = "absent"
        elif child.detach_pending:
            steps, result = _steps(op, "finalize"), "finalized"
        else:
            concurrent = op.concurrently and concurrent_detach_possible(conn, found)
            steps, result = _steps(op, "concurrently" if concurrent else "plain"), "detached"
        for step in steps:
            execute(conn, step)
    return result


def _exists(conn: Connection, op: DetachPartitionOp) -> bool:
    return inspect(conn).has_table(op.name, schema=op.schema)


@Operations.implementation_for(DetachPartitionOp)
def _implement(operations: Operations, op: DetachPartitionOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


@renderers.dispatch_for(DetachPartitionOp)
def _render(autogen_context: Any, op: DetachPartitionOp) -> str:
    extras = ", drop=True" if op.drop else ""
    extras += "" if op.concurrently else ", concurrently=False"
    extras += f", schema={op.schema!r}" if op.schema else ""
    return f"op.detach_partition({op.parent!r}, {op.name!r}, {op.bound!r}{extras})"

"""``op.attach_partition``: make a plain table a partition again (a detach's reverse).

``ATTACH PARTITION`` takes SHARE UPDATE EXCLUSIVE on the parent (reads and writes go on)
and ACCESS EXCLUSIVE on the table attached, which it scans to prove every row is inside
the bound (unless a valid CHECK already proves it); with a DEFAULT partition, that one
is scanned too. Online it is skipped when the table is attached already.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from common.models.partitions import bound_clause
from common.ops._ddl import IdentifierDDL
from common.ops._locks import NOTHING, lock_line
from common.ops._statements import Step, execute, family, run_statements
from common.ops.base import WorkbenchOp, register
from common.ops.partitions._catalog import partitions

LOCK = (
    "SHARE UPDATE EXCLUSIVE on the parent (reads and writes go on); ACCESS EXCLUSIVE on "
    "the table attached while its rows are checked against the bound"
)


@register("attach_partition")
class AttachPartitionOp(WorkbenchOp):
    """ALTER TABLE ``parent`` ATTACH PARTITION ``name`` ``bound`` (PostgreSQL only)."""

    def __init__(self, parent: str, name: str, bound: str, *, schema: str | None = None) -> None:
        self.parent = parent
        self.name = name
        self.bound = bound
        self.schema = schema

    @classmethod
    def attach_partition(
        cls, operations: Operations, parent: str, name: str, bound: str, *, schema=None
    ):
        """Attach the table ``name`` to ``parent`` as its partition for ``bound``."""
        return operations.invoke(cls(parent, name, bound, schema=schema))

    def reverse(self) -> WorkbenchOp:
        from common.ops.partitions.detach_partition import DetachPartitionOp

        return DetachPartitionOp(self.parent, self.name, self.bound, schema=self.schema)

    def describe(self) -> str:
        return f"attach {self.name} to {self.parent} as a partition ({bound_clause(self.bound)})"

    def lock(self, dialect: str) -> str:
        return lock_line(dialect, LOCK, sqlite=NOTHING, mysql=NOTHING)

    @classmethod
    def example(cls) -> AttachPartitionOp:
        return cls("measure", "measure_2", "FROM (100) TO (200)")

    @classmethod
    def example_setup_for(cls, dialect: str) -> list:
        from common.ops.partitions.examples import partitioned_parent, plain_table

        setup = partitioned_parent(dialect, [])
        return [*setup, plain_table("measure_2")] if setup else []


def statements(dialect: Dialect, op: AttachPartitionOp) -> list[Step]:
    if family(dialect) != "postgresql":
        return []
    bound = bound_clause(op.bound).replace("{", "{{").replace("}", "}}")
    names = (op.schema, op.parent), (op.schema, op.name)
    return [IdentifierDDL("ALTER TABLE {} ATTACH PARTITION {} " + bound, *names)]


def apply(connection: Connection, op: AttachPartitionOp) -> str:
    """Online: "attached", or "exists" when it is a partition of ``parent`` already."""
    postgresql = family(connection.dialect) == "postgresql"
    if postgresql and op.name in partitions(connection, op.parent, op.schema):
        return "exists"
    for step in statements(connection.dialect, op):
        execute(connection, step)
    return "attached"


@Operations.implementation_for(AttachPartitionOp)
def _implement(operations: Operations, op: AttachPartitionOp) -> None:
    run_statements(operations, op, apply, statements)


@renderers.dispatch_for(AttachPartitionOp)
def _render(autogen_context: Any, op: AttachPartitionOp) -> str:
    schema = f", schema={op.schema!r}" if op.schema else ""
    return f"op.attach_partition({op.parent!r}, {op.name!r}, {op.bound!r}{schema})"

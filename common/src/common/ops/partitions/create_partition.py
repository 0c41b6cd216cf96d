"""``op.create_partition``: one partition of a declaratively partitioned table.

``CREATE TABLE child PARTITION OF parent FOR VALUES ...`` takes SHARE UPDATE EXCLUSIVE
on the parent (PostgreSQL 12+: reads and writes go on) and, when the parent has a
DEFAULT partition, scans that one to prove none of its rows belong to the new bound.
The partition gets the parent's columns, and its indexes are created along with it.
Online it is skipped when the partition exists already (a rerun). On other databases
the parent is a plain table, so the step does nothing there (common.models.partitions).
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
    "SHARE UPDATE EXCLUSIVE on the parent (reads and writes go on); "
    "a DEFAULT partition is scanned for rows of the new bound"
)


@register("create_partition")
class CreatePartitionOp(WorkbenchOp):
    """CREATE TABLE ``name`` PARTITION OF ``parent`` ``bound`` (PostgreSQL only)."""

    def __init__(self, parent: str, name: str, bound: str, *, schema: str | None = None) -> None:
        self.parent = parent
        self.name = name
        self.bound = bound
        self.schema = schema

    @classmethod
    def create_partition(
        cls, operations: Operations, parent: str, name: str, bound: str, *, schema=None
    ):
        """Create partition ``name`` of ``parent`` for ``bound`` (``"FROM (a) TO (b)"``)."""
        return operations.invoke(cls(parent, name, bound, schema=schema))

    def reverse(self) -> WorkbenchOp:
        from common.ops.partitions.detach_partition import DetachPartitionOp

        return DetachPartitionOp(self.parent, self.name, self.bound, drop=True, schema=self.schema)

    def describe(self) -> str:
        return f"create partition {self.name} of {self.parent} ({bound_clause(self.bound)})"

    def lock(self, dialect: str) -> str:
        return lock_line(dialect, LOCK, sqlite=NOTHING, mysql=NOTHING)

    @classmethod
    def example(cls) -> CreatePartitionOp:
        return cls("measure", "measure_2", "FROM (100) TO (200)")

    @classmethod
    def example_setup_for(cls, dialect: str) -> list:
        from common.ops.partitions.examples import partitioned_parent

        return partitioned_parent(dialect, [])


def statements(dialect: Dialect, op: CreatePartitionOp) -> list[Step]:
    if family(dialect) != "postgresql":
        return []
    # the bound is the model's SQL (like a server_default text); the names are quoted
    bound = bound_clause(op.bound).replace("{", "{{").replace("}", "}}")
    names = (op.schema, op.name), (op.schema, op.parent)
    return [IdentifierDDL("CREATE TABLE {} PARTITION OF {} " + bound, *names)]


def apply(connection: Connection, op: CreatePartitionOp) -> str:
    """Online: "created", or "exists" when the parent has it already."""
    postgresql = family(connection.dialect) == "postgresql"
    if postgresql and op.name in partitions(connection, op.parent, op.schema):
        return "exists"
    for step in statements(connection.dialect, op):
        execute(connection, step)
    return "created"


@Operations.implementation_for(CreatePartitionOp)
def _implement(operations: Operations, op: CreatePartitionOp) -> None:
    run_statements(operations, op, apply, statements)


@renderers.dispatch_for(CreatePartitionOp)
def _render(autogen_context: Any, op: CreatePartitionOp) -> str:
    schema = f", schema={op.schema!r}" if op.schema else ""
    return f"op.create_partition({op.parent!r}, {op.name!r}, {op.bound!r}{schema})"

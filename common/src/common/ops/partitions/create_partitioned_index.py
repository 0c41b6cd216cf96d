"""``op.create_partitioned_index``: an index on a partitioned table, without blocking writes.

PostgreSQL refuses ``CREATE INDEX CONCURRENTLY`` on a partitioned table, and a plain
``CREATE INDEX`` on the parent holds SHARE (no writes) on every partition until the
last one is built. The documented way round (``CREATE INDEX`` in the manual) is three
steps, which this op takes:

1. ``CREATE INDEX ... ON ONLY parent``: the parent's index, INVALID and empty, catalog
   only;
2. ``CREATE INDEX CONCURRENTLY`` on each partition (``op.create_index_concurrently``,
   which also rebuilds an INVALID leftover of an interrupted run);
3. ``ALTER INDEX parent_index ATTACH PARTITION partition_index`` for each (brief, under
   ``lock_timeout``); once every partition's index is attached the parent's is valid.

A partition created later gets the index from its parent by itself. Each partition's
index is named as PostgreSQL names the ones it creates (``<partition>_<columns>_idx``),
so a database built by ``create_all`` (plain CREATE INDEX on the parent) has the same
names. Online the partitions are read from the database and a run interrupted anywhere
resumes; offline (``--sql``) writes the partitions the models declared when the script
was generated (``partitions=``). A sub-partitioned partition is refused (CONCURRENTLY
cannot build it either): index its partitions with this op first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex, DDLElement, Index, conv

from common.identifiers import stored_name
from common.ops._ddl import IdentifierDDL
from common.ops._expressions import python_source
from common.ops._locks import NOTHING, lock_line
from common.ops._statements import Short, Step, execute, family, run_statements_outside_transaction
from common.ops._support import OperationError, autocommit
from common.ops.base import WorkbenchOp, register
from common.ops.indexes import create_index_concurrently as concurrent
from common.ops.indexes._state import index_state
from common.ops.partitions._catalog import is_attached, partitions

LOCK = (
    "SHARE UPDATE EXCLUSIVE on one partition at a time (reads and writes go on), "
    "outside the transaction"
)
_NAMEDATALEN = 64


class CreateIndexOnOnly(DDLElement):
    """``CREATE INDEX ... ON ONLY <table>``: SQLAlchemy's CREATE INDEX, ``ONLY`` added."""

    inherit_cache = False

    def __init__(self, index: Index) -> None:
        self.index = index


@compiles(CreateIndexOnOnly)
def _compile_on_only(element: CreateIndexOnOnly, compiler: Any, **kw: Any) -> str:
    sql = compiler.process(CreateIndex(element.index, if_not_exists=True), **kw)
    table = compiler.preparer.format_table(element.index.table)
    return sql.replace(f" ON {table} ", f" ON ONLY {table} ", 1)


def partition_index_name(partition: str, columns: Sequence[Any]) -> str:
    """The name PostgreSQL gives the index it creates on ``partition`` (ChooseIndexName):
    ``<partition>_<column>_<column>_idx``, the longer part cut first to fit 63 bytes."""
    name1 = partition
    name2 = "_".join(c if isinstance(c, str) else "expr" for c in columns)
    available = _NAMEDATALEN - 1 - len("idx") - 2
    n1, n2 = len(name1), len(name2)
    while n1 + n2 > available:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    return f"{name1[:n1]}_{name2[:n2]}_idx"


@register("create_partitioned_index")
class CreatePartitionedIndexOp(WorkbenchOp):
    """An index on ONLY the parent, CONCURRENTLY on each partition, then ATTACH each."""

    atomic = False

    def __init__(
        self,
        index_name: str,
        table_name: str,
        columns: Sequence[Any],
        partitions: Sequence[str] = (),
        unique: bool = False,
        *,
        schema: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.columns = list(columns)
        self.partitions = list(partitions)
        self.unique = unique
        self.schema = schema
        self.dialect_kw = dialect_kw

    @classmethod
    def create_partitioned_index(
        cls,
        operations: Operations,
        index_name: str,
        table_name: str,
        columns: Sequence[Any],
        partitions: Sequence[str] = (),
        unique: bool = False,
        *,
        schema: str | None = None,
        **dialect_kw: Any,
    ):
        """Index a partitioned table without blocking writes."""
        op = cls(index_name, table_name, columns, partitions, unique, schema=schema, **dialect_kw)
        return operations.invoke(op)

    def reverse(self) -> ops.DropIndexOp:
        # DROP INDEX on the parent takes its partitions' indexes with it (CONCURRENTLY
        # is refused on a partitioned index): a brief ACCESS EXCLUSIVE on each
        return ops.DropIndexOp(self.index_name, self.table_name, schema=self.schema)

    def describe(self) -> str:
        return (
            f"create index {self.index_name} on partitioned {self.table_name}: "
            "ON ONLY the parent, CONCURRENTLY on each partition, then ATTACH"
        )

    def lock(self, dialect: str) -> str:
        return lock_line(dialect, LOCK, sqlite=NOTHING, mysql=NOTHING)

    @classmethod
    def example(cls) -> CreatePartitionedIndexOp:
        return cls("ix_measure_reading", "measure", ["reading"], ["measure_1", "measure_2"])

    @classmethod
    def example_setup_for(cls, dialect: str) -> list:
        from common.ops.partitions.examples import partitioned_parent

        return partitioned_parent(dialect, [("measure_2", "FROM (100) TO (200)")])


def _parent_index(dialect: Dialect, op: CreatePartitionedIndexOp) -> CreateIndexOnOnly:
    name = conv(stored_name(dialect, op.index_name))
    create = ops.CreateIndexOp(
        name, op.table_name, op.columns, schema=op.schema, unique=op.unique, **op.dialect_kw
    )
    return CreateIndexOnOnly(create.to_index())


def _on_partition(
    op: CreatePartitionedIndexOp, partition: str
) -> concurrent.CreateIndexConcurrentlyOp:
    name = partition_index_name(partition, op.columns)
    return concurrent.CreateIndexConcurrentlyOp(
        name, partition, op.columns, op.unique, schema=op.schema, **op.dialect_kw
    )


def _attach(dialect: Dialect, op: CreatePartitionedIndexOp, child: str) -> Short:
    parent = (op.schema, stored_name(dialect, op.index_name))
    return Short(IdentifierDDL("ALTER INDEX {} ATTACH PARTITION {}", parent, (op.schema, child)))


def statements(dialect: Dialect, op: CreatePartitionedIndexOp) -> list[Step]:
    """Offline: the three steps for the partitions declared (nothing off PostgreSQL)."""
    if family(dialect) != "postgresql":
        return []
    steps: list[Step] = [_parent_index(dialect, op)]
    for partition in op.partitions:
        child = _on_partition(op, partition)
        steps += [*concurrent.statements(dialect, child), _attach(dialect, op, child.index_name)]
    return steps


def apply(connection: Connection, op: CreatePartitionedIndexOp) -> str:
    """Online: "created", or "exists" (the parent's index is valid: every partition has it)."""
    if family(connection.dialect) != "postgresql":
        return "exists"
    name = stored_name(connection.dialect, op.index_name)
    with autocommit(connection) as conn:
        state = index_state(conn, name, op.schema)
        if state == "valid":
            return "exists"
        found = partitions(conn, op.table_name, op.schema)
        nested = sorted(p.name for p in found.values() if not p.leaf)
        if nested:
            raise OperationError(
                f"create_partitioned_index({op.index_name!r}): partition {nested[0]!r} of "
                f"{op.table_name!r} is itself partitioned.",
                "index that partition's own partitions with create_partitioned_index first.",
            )
        if state is None:
            execute(conn, _parent_index(conn.dialect, op))
        for partition in found:
            child = _on_partition(op, partition)
            concurrent.apply(conn, child)
            if not is_attached(conn, child.index_name, op.schema):
                execute(conn, _attach(conn.dialect, op, child.index_name))
    return "created"


@Operations.implementation_for(CreatePartitionedIndexOp)
def _implement(operations: Operations, op: CreatePartitionedIndexOp) -> None:
    run_statements_outside_transaction(operations, op, apply, statements)


@renderers.dispatch_for(CreatePartitionedIndexOp)
def _render(autogen_context: Any, op: CreatePartitionedIndexOp) -> str:
    columns = ", ".join(python_source(c, autogen_context) for c in op.columns)
    extras = f", {op.partitions!r}"
    extras += ", unique=True" if op.unique else ""
    extras += f", schema={op.schema!r}" if op.schema else ""
    extras += "".join(
        f", {k}={python_source(v, autogen_context)}" for k, v in op.dialect_kw.items()
    )
    return f"op.create_partitioned_index({op.index_name!r}, {op.table_name!r}, [{columns}]{extras})"


def create_partitioned_index(
    connection: Connection,
    index_name: str,
    table_name: str,
    columns: Sequence[Any],
    unique: bool = False,
    *,
    schema: str | None = None,
    **dialect_kw: Any,
) -> str:
    """Index the partitioned ``table_name`` without blocking writes: "created" or "exists"."""
    op = CreatePartitionedIndexOp(
        index_name, table_name, columns, (), unique, schema=schema, **dialect_kw
    )
    return apply(connection, op)

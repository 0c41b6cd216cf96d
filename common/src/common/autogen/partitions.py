"""The partitions the models declare (``common.models.partitions``) vs. the database's.

A partitioned parent is an ordinary model table to Alembic (its ``PARTITION BY`` is
written by ``create_table``); its partitions are not model tables, so the table
comparison leaves them out (``hidden_partitions``, used by common.autogen.tables), or
every one would be an unexplained table to drop. This comparator then emits, per
partitioned model table:

- ``op.create_partition`` for each declared partition the database lacks, right after
  the parent's ``create_table`` when the parent is new, else first in the revision;
- ``op.detach_partition(..., drop=True)``, before those, for each partition the models
  no longer declare (a partition removed from the models is dropped, as a removed model
  is; the review lists it as destructive), CONCURRENTLY unless a DEFAULT partition is
  declared or the server is older than 14.

A bound changed under the same name is not compared: give the partition a new name
(the old one is detached, the new one created). PostgreSQL only; elsewhere the table is
plain and the declaration is ignored.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult

from common.models.partitions import KEY, declared_partitions
from common.ops.partitions import CreatePartitionOp, DetachPartitionOp
from common.ops.partitions._catalog import partition_names, partitions
from common.ops.schemas import CreateSchemaOp


def hidden_partitions(autogen_context: Any, schema: str | None) -> set[str]:
    """The tables of ``schema`` that are partitions: not compared as tables."""
    if autogen_context.dialect.name != "postgresql" or autogen_context.connection is None:
        return set()
    return partition_names(autogen_context.connection, schema)


def _position_after_create(
    upgrade_ops: ops.UpgradeOps, table: Any, schema: str | None
) -> int | None:
    """Where the new parent's partitions go: after its ``create_table``, whose copy of
    the declaration is dropped (the script says it with ``create_partition`` steps)."""
    for index, op in enumerate(upgrade_ops.ops):
        if isinstance(op, ops.CreateTableOp) and (op.table_name, op.schema) == (
            table.name,
            schema,
        ):
            if op.info:
                op.info.pop(KEY, None)
            return index + 1
    return None


def _compare_partitions(
    autogen_context: Any, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    connection = autogen_context.connection
    if autogen_context.dialect.name != "postgresql" or connection is None:
        return PriorityDispatchResult.CONTINUE
    default_schema = autogen_context.dialect.default_schema_name
    concurrent_server = (autogen_context.dialect.server_version_info or (0,)) >= (14,)
    for table in autogen_context.table_key_to_table.values():
        declared = declared_partitions(table)
        schema = None if table.schema == default_schema else table.schema
        if not declared or schema not in schemas:
            continue
        live = partitions(connection, table.name, schema)
        new = [
            CreatePartitionOp(table.name, name, bound, schema=schema)
            for name, bound in declared.items()
            if name not in live
        ]
        with_default = any(bound.strip().upper() == "DEFAULT" for bound in declared.values())
        gone = [
            DetachPartitionOp(
                table.name,
                name,
                partition.bound,
                drop=True,
                concurrently=concurrent_server and not with_default,
                schema=schema,
            )
            for name, partition in live.items()
            if name not in declared
        ]
        # for an existing parent, partitions go first (the detached ones before the new
        # ones): later steps (an index, a type change) then work on the partitions kept
        first = sum(isinstance(op, CreateSchemaOp) for op in upgrade_ops.ops)
        position = _position_after_create(upgrade_ops, table, schema)
        if position is None:
            upgrade_ops.ops[first:first] = [*gone, *new]
        else:
            upgrade_ops.ops[position:position] = new
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _compare_partitions,
        "schema",
        "partitions",
        qualifier="postgresql",
        priority=DispatchPriority.LAST,
    )

"""The partitioned table the partition ops' examples apply to (PostgreSQL only).

``measure`` is partitioned by RANGE (id) with ``measure_1`` for ids 1-99 holding a few
rows; elsewhere there is nothing to set up, as the ops do nothing there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import MigrateOperation, ops

from common.ops.partitions.create_partition import CreatePartitionOp


def partitioned_parent(dialect: str, extra: list[tuple[str, str]]) -> list[MigrateOperation]:
    """Create ``measure`` and ``measure_1`` (plus ``extra`` (name, bound) partitions)."""
    if dialect != "postgresql":
        return []
    parent = plain_table("measure", postgresql_partition_by="RANGE (id)")
    children = [("measure_1", "FROM (1) TO (100)"), *extra]
    rows = ops.ExecuteSQLOp(sa.text("INSERT INTO measure SELECT g, g FROM generate_series(1, 9) g"))
    return [parent, *(CreatePartitionOp("measure", n, b) for n, b in children), rows]


def plain_table(name: str, **kw: str) -> ops.CreateTableOp:
    """A table with ``measure``'s columns (``kw``: the parent's partitioning)."""
    columns = [sa.Column("id", sa.Integer, nullable=False), sa.Column("reading", sa.Integer)]
    return ops.CreateTableOp(name, columns, **kw)

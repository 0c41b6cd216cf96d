"""Declaratively partitioned tables (PostgreSQL): partitions and their indexes.

One module per operation; ``_catalog`` holds what they read first (a parent's
partitions, a half-done concurrent detach). The models declare the partitions
(``common.models.partitions``); ``common.autogen.partitions`` turns their changes into
these steps. Elsewhere the tables are plain and the steps do nothing.
"""

from __future__ import annotations

from common.ops.partitions.attach_partition import AttachPartitionOp
from common.ops.partitions.create_partition import CreatePartitionOp
from common.ops.partitions.create_partitioned_index import CreatePartitionedIndexOp
from common.ops.partitions.detach_partition import DetachPartitionOp

__all__ = [
    "AttachPartitionOp",
    "CreatePartitionOp",
    "CreatePartitionedIndexOp",
    "DetachPartitionOp",
]

"""The workbench's own Alembic operations, available as ``op.<name>(...)`` in revisions.

Importing this package registers them with Alembic (env.py does so through
``common.migration_env``). Each is also a plain function here taking a SQLAlchemy
connection first, e.g. ``batch_update(connection, "ticket", {"priority": 0})``.
"""

from __future__ import annotations

import importlib
import pkgutil

from common.ops import expand, objects
from common.ops._support import OperationError
from common.ops.base import WorkbenchOp
from common.ops.batches import (
    BatchCopyColumnOp,
    BatchDeleteOp,
    BatchResult,
    BatchUpdateOp,
    batch_copy_column,
    batch_delete,
    batch_update,
)
from common.ops.constraints import (
    AddUniqueConstraintConcurrentlyOp,
    CreateCheckConstraintNotValidOp,
    CreateForeignKeyNotValidOp,
    SetNotNullSafelyOp,
    ValidateConstraintOp,
)
from common.ops.constraints.add_unique_constraint_concurrently import (
    add_unique_constraint_concurrently,
)
from common.ops.constraints.create_check_constraint_not_valid import (
    create_check_constraint_not_valid,
)
from common.ops.constraints.create_foreign_key_not_valid import create_foreign_key_not_valid
from common.ops.constraints.set_not_null_safely import set_not_null_safely
from common.ops.constraints.validate_constraint import validate_constraint
from common.ops.data_migration import RequireDataMigrationOp
from common.ops.enums import (
    AddEnumValueOp,
    CreateEnumTypeOp,
    DropEnumTypeOp,
    RenameEnumValueOp,
    SwapEnumTypeOp,
)
from common.ops.fk_indexes import DropForeignKeyIndexOp
from common.ops.indexes import (
    CreateIndexConcurrentlyOp,
    DropIndexConcurrentlyOp,
    ReindexConcurrentlyOp,
)
from common.ops.indexes.create_index_concurrently import create_index_concurrently
from common.ops.indexes.drop_index_concurrently import drop_index_concurrently
from common.ops.indexes.reindex_concurrently import reindex_concurrently
from common.ops.partitions import (
    AttachPartitionOp,
    CreatePartitionedIndexOp,
    CreatePartitionOp,
    DetachPartitionOp,
)
from common.ops.renames import RenameConstraintOp, RenameIndexOp, RenameSequenceOp
from common.ops.schemas import CreateSchemaOp, DropSchemaOp
from common.ops.stop import StopMigrationOp

__all__ = [
    "AddEnumValueOp",
    "AddUniqueConstraintConcurrentlyOp",
    "AttachPartitionOp",
    "BatchCopyColumnOp",
    "BatchDeleteOp",
    "BatchResult",
    "BatchUpdateOp",
    "CreateCheckConstraintNotValidOp",
    "CreateEnumTypeOp",
    "CreateForeignKeyNotValidOp",
    "CreateIndexConcurrentlyOp",
    "CreatePartitionOp",
    "CreatePartitionedIndexOp",
    "CreateSchemaOp",
    "DetachPartitionOp",
    "DropEnumTypeOp",
    "DropForeignKeyIndexOp",
    "DropIndexConcurrentlyOp",
    "DropSchemaOp",
    "OperationError",
    "ReindexConcurrentlyOp",
    "RenameConstraintOp",
    "RenameEnumValueOp",
    "RenameIndexOp",
    "RenameSequenceOp",
    "RequireDataMigrationOp",
    "SetNotNullSafelyOp",
    "StopMigrationOp",
    "SwapEnumTypeOp",
    "ValidateConstraintOp",
    "WorkbenchOp",
    "add_unique_constraint_concurrently",
    "all_ops",
    "batch_copy_column",
    "batch_delete",
    "batch_update",
    "create_check_constraint_not_valid",
    "create_foreign_key_not_valid",
    "create_index_concurrently",
    "drop_index_concurrently",
    "expand",
    "objects",
    "reindex_concurrently",
    "set_not_null_safely",
    "validate_constraint",
]


def all_ops() -> list[type[WorkbenchOp]]:
    """Every registered workbench op, by name: what the shared op test and the reference
    walk, so an op added in a new module is tested and documented without a list to edit."""
    for module in pkgutil.walk_packages(__path__, f"{__name__}."):
        importlib.import_module(module.name)
    found, todo = [], [WorkbenchOp]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.op_name:
                found.append(sub)
    return sorted(found, key=lambda cls: cls.op_name)

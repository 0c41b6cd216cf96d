"""The workbench's own Alembic operations, available as ``op.<name>(...)`` in revisions.

Importing this package registers them with Alembic (env.py does so through
``common.migration_env``). Each is also a plain function here taking a SQLAlchemy
connection first, e.g. ``batch_update(connection, "ticket", {"priority": 0})``.
"""

from __future__ import annotations

from common.ops import batch_ops, constraint_ops, index_ops, objects
from common.ops._support import OperationError
from common.ops.batches import BatchResult, batch_copy_column, batch_delete, batch_update
from common.ops.constraints import (
    add_unique_constraint_concurrently,
    create_check_constraint_not_valid,
    create_foreign_key_not_valid,
    set_not_null_safely,
    validate_constraint,
)
from common.ops.data_migration import RequireDataMigrationOp
from common.ops.enum_types import AddEnumValueOp, CreateEnumTypeOp, SwapEnumTypeOp
from common.ops.enums import DropEnumTypeOp
from common.ops.fk_indexes import DropForeignKeyIndexOp
from common.ops.indexes import (
    create_index_concurrently,
    drop_index_concurrently,
    reindex_concurrently,
)
from common.ops.renames import RenameConstraintOp, RenameIndexOp, RenameSequenceOp
from common.ops.schemas import CreateSchemaOp, DropSchemaOp
from common.ops.stop import StopMigrationOp

__all__ = [
    "AddEnumValueOp",
    "BatchResult",
    "CreateEnumTypeOp",
    "CreateSchemaOp",
    "DropEnumTypeOp",
    "DropForeignKeyIndexOp",
    "DropSchemaOp",
    "OperationError",
    "RenameConstraintOp",
    "RenameIndexOp",
    "RenameSequenceOp",
    "RequireDataMigrationOp",
    "StopMigrationOp",
    "SwapEnumTypeOp",
    "add_unique_constraint_concurrently",
    "batch_copy_column",
    "batch_delete",
    "batch_ops",
    "batch_update",
    "constraint_ops",
    "create_check_constraint_not_valid",
    "create_foreign_key_not_valid",
    "create_index_concurrently",
    "drop_index_concurrently",
    "index_ops",
    "objects",
    "reindex_concurrently",
    "set_not_null_safely",
    "validate_constraint",
]

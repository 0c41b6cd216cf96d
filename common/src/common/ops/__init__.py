"""The workbench's own Alembic operations, available as ``op.<name>(...)`` in revisions.

Importing this package registers them with Alembic (env.py does so through
``common.migration_env``). Each is also a plain function here taking a SQLAlchemy
connection first, e.g. ``batch_update(connection, "ticket", {"priority": 0})``.
"""

from __future__ import annotations

from common.ops import objects
from common.ops._support import OperationError
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
from common.ops.renames import RenameConstraintOp, RenameIndexOp, RenameSequenceOp
from common.ops.schemas import CreateSchemaOp, DropSchemaOp
from common.ops.stop import StopMigrationOp

__all__ = [
    "AddEnumValueOp",
    "AddUniqueConstraintConcurrentlyOp",
    "BatchCopyColumnOp",
    "BatchDeleteOp",
    "BatchResult",
    "BatchUpdateOp",
    "CreateCheckConstraintNotValidOp",
    "CreateEnumTypeOp",
    "CreateForeignKeyNotValidOp",
    "CreateIndexConcurrentlyOp",
    "CreateSchemaOp",
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
    "add_unique_constraint_concurrently",
    "batch_copy_column",
    "batch_delete",
    "batch_update",
    "create_check_constraint_not_valid",
    "create_foreign_key_not_valid",
    "create_index_concurrently",
    "drop_index_concurrently",
    "objects",
    "reindex_concurrently",
    "set_not_null_safely",
    "validate_constraint",
]

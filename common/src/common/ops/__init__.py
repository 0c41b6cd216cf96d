"""The workbench's own Alembic operations, available as ``op.<name>(...)`` in revisions.

Importing this package registers them with Alembic (env.py does so through
``common.migration_env``).
"""

from __future__ import annotations

from common.ops.enums import DropEnumTypeOp
from common.ops.renames import RenameConstraintOp, RenameIndexOp, RenameSequenceOp
from common.ops.stop import StopMigrationOp

__all__ = [
    "DropEnumTypeOp",
    "RenameConstraintOp",
    "RenameIndexOp",
    "RenameSequenceOp",
    "StopMigrationOp",
]

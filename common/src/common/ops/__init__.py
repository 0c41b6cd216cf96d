"""The workbench's own Alembic operations, available as ``op.<name>(...)`` in revisions.

Importing this package registers them with Alembic (env.py does so through
``common.migration_env``).
"""

from __future__ import annotations

from common.ops.data_migration import RequireDataMigrationOp
from common.ops.enum_types import AddEnumValueOp, CreateEnumTypeOp, SwapEnumTypeOp
from common.ops.enums import DropEnumTypeOp

__all__ = [
    "AddEnumValueOp",
    "CreateEnumTypeOp",
    "DropEnumTypeOp",
    "RequireDataMigrationOp",
    "SwapEnumTypeOp",
]

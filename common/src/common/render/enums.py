"""Enum types outlive the tables that used them unless a downgrade drops them.

PostgreSQL creates a named type for a native enum with its first table, but dropping the
table leaves the type behind, so upgrading again fails with "type already exists".
Every downgrade that drops a table holding a native enum column therefore ends with
``op.drop_enum_type(name, if_unused=True)``.
"""

from __future__ import annotations

from alembic.operations import ops
from sqlalchemy import Enum

from common.ops.enums import DropEnumTypeOp


def _enum_names(table_op: ops.DropTableOp) -> list[str]:
    table = table_op.to_table()
    names = []
    for column in table.columns:
        type_ = column.type
        if isinstance(type_, Enum) and type_.native_enum and type_.name:
            names.append(type_.name)
    return names


def drop_unused_enum_types(downgrade_ops: ops.DowngradeOps, dialect: str) -> None:
    if dialect != "postgresql":
        return
    present = {o.name for o in downgrade_ops.ops if isinstance(o, DropEnumTypeOp)}
    for table_op in list(downgrade_ops.ops):
        if not isinstance(table_op, ops.DropTableOp):
            continue
        for name in _enum_names(table_op):
            if name not in present:
                downgrade_ops.ops.append(DropEnumTypeOp(name, if_unused=True))
                present.add(name)

"""Enum types outlive the tables that used them unless a downgrade drops them.

PostgreSQL creates a named type for a native enum with its first table, but dropping the
table leaves the type behind, so upgrading again fails with "type already exists".
Every downgrade that drops a table holding a native enum column therefore ends with
``op.drop_enum_type(name, if_unused=True)``.
"""

from __future__ import annotations

from alembic.operations import ops
from sqlalchemy import Enum

from common.autogen.enums import EnumKey, enum_key
from common.ops.enums import DropEnumTypeOp


def _enum_keys(table_op: ops.DropTableOp, default_schema: str | None) -> list[EnumKey]:
    table = table_op.to_table()
    keys = []
    for column in table.columns:
        type_ = column.type
        if isinstance(type_, Enum) and type_.native_enum and type_.name:
            keys.append(enum_key(type_, default_schema))
    return keys


def drop_unused_enum_types(
    downgrade_ops: ops.DowngradeOps, dialect: str, default_schema: str | None = None
) -> None:
    if dialect != "postgresql":
        return
    present = {(o.schema, o.name) for o in downgrade_ops.ops if isinstance(o, DropEnumTypeOp)}
    for table_op in list(downgrade_ops.ops):
        if not isinstance(table_op, ops.DropTableOp):
            continue
        for schema, name in _enum_keys(table_op, default_schema):
            if (schema, name) not in present:
                downgrade_ops.ops.append(DropEnumTypeOp(name, if_unused=True, schema=schema))
                present.add((schema, name))

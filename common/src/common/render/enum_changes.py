"""A new table creates its own enum types: no separate ``create_enum_type`` before it.

``op.create_table`` creates the native enum types of its columns (without IF NOT EXISTS),
so a ``create_enum_type`` for the same name in the same direction would make it fail
with "type already exists". That happens on downgrade when an upgrade dropped a table
and with it the last use of a type: the downgrade recreates both.
"""

from __future__ import annotations

from alembic.operations import ops

from common.autogen.enums import native_enum
from common.ops.enum_types import CreateEnumTypeOp


def _created_by_tables(container: ops.OpContainer) -> set[str]:
    names = set()
    for op in container.ops:
        if isinstance(op, ops.CreateTableOp):
            for column in op.columns:
                enum = native_enum(getattr(column, "type", None))
                if enum is not None:
                    names.add(enum.name)
    return names


def leave_enum_types_to_new_tables(script: ops.MigrationScript) -> None:
    for container in (*script.upgrade_ops_list, *script.downgrade_ops_list):
        created = _created_by_tables(container)
        container.ops = [
            op
            for op in container.ops
            if not (isinstance(op, CreateEnumTypeOp) and op.name in created)
        ]

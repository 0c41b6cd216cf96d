"""Enum type steps placed where they can run.

- A new table creates its own enum types: no separate ``create_enum_type`` before it.
  ``op.create_table`` creates the native enum types of its columns (without IF NOT
  EXISTS), so a ``create_enum_type`` for the same name in the same direction would make
  it fail with "type already exists". That happens on downgrade when an upgrade dropped
  a table and with it the last use of a type: the downgrade recreates both.
- Several values added to one type become, in the downgrade, one swap back to the old
  value list (not one table rewrite per value).
- A server default that names a value a swap (or a value rename) adds can only be set
  after it: in a downgrade the swap comes last, so such ``alter_column(server_default=...)``
  steps move after it (the swap itself drops defaults naming a value it removes).
"""

from __future__ import annotations

from alembic.operations import ops

from common.autogen.enums import EnumKey, enum_key, native_enum
from common.ops.enums import AddEnumValueOp, CreateEnumTypeOp, RenameEnumValueOp, SwapEnumTypeOp


def _created_by_tables(container: ops.OpContainer, default_schema: str | None) -> set[EnumKey]:
    keys = set()
    for op in container.ops:
        if isinstance(op, ops.CreateTableOp):
            for column in op.columns:
                enum = native_enum(getattr(column, "type", None))
                if enum is not None:
                    keys.add(enum_key(enum, default_schema))
    return keys


def leave_enum_types_to_new_tables(
    script: ops.MigrationScript, default_schema: str | None = None
) -> None:
    for container in (*script.upgrade_ops_list, *script.downgrade_ops_list):
        created = _created_by_tables(container, default_schema)
        container.ops = [
            op
            for op in container.ops
            if not (isinstance(op, CreateEnumTypeOp) and (op.schema, op.name) in created)
        ]


def merge_enum_swaps(container: ops.OpContainer) -> None:
    """Adjacent swaps of one type become one swap from the first list to the last."""
    merged: list[ops.MigrateOperation] = []
    for op in container.ops:
        previous = merged[-1] if merged else None
        if (
            isinstance(op, SwapEnumTypeOp)
            and isinstance(previous, SwapEnumTypeOp)
            and (previous.schema, previous.name) == (op.schema, op.name)
        ):
            merged[-1] = SwapEnumTypeOp(
                op.name, op.values, previous.existing_values, schema=op.schema
            )
            continue
        merged.append(op)
    container.ops = merged


def _value_steps(container: ops.OpContainer) -> dict[EnumKey, int]:
    """Index of the last value change (add, rename or swap) of each enum type."""
    return {
        (op.schema, op.name): index
        for index, op in enumerate(container.ops)
        if isinstance(op, AddEnumValueOp | RenameEnumValueOp | SwapEnumTypeOp)
    }


def _default_on_changed_enum(
    op: ops.MigrateOperation, changed: dict[EnumKey, int], default_schema: str | None
) -> EnumKey | None:
    if not isinstance(op, ops.AlterColumnOp) or op.modify_server_default is False:
        return None
    enum = native_enum(op.existing_type) or native_enum(op.modify_type)
    if enum is None:
        return None
    key = enum_key(enum, default_schema)
    return key if key in changed else None


def _split_default(op: ops.AlterColumnOp) -> ops.AlterColumnOp:
    """The server default part of ``op`` as its own step; ``op`` keeps the rest."""
    default_only = ops.AlterColumnOp(
        op.table_name,
        op.column_name,
        schema=op.schema,
        existing_type=op.modify_type or op.existing_type,
        existing_nullable=op.existing_nullable,
        existing_server_default=op.existing_server_default,
        existing_comment=op.existing_comment,
        modify_server_default=op.modify_server_default,
    )
    op.modify_server_default = False
    return default_only


def defaults_after_enum_swaps(
    container: ops.OpContainer, default_schema: str | None = None
) -> None:
    changed = _value_steps(container)
    if not changed:
        return
    moved: dict[EnumKey, list[ops.MigrateOperation]] = {}
    for index, table_ops in enumerate(container.ops):
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        kept = []
        for op in table_ops.ops:
            name = _default_on_changed_enum(op, changed, default_schema)
            if name is None or changed[name] < index:
                kept.append(op)
                continue
            step = _split_default(op)
            if op.has_changes():
                kept.append(op)
            moved.setdefault(name, []).append(
                ops.ModifyTableOps(table_ops.table_name, [step], schema=table_ops.schema)
            )
        table_ops.ops = kept
    container.ops = [op for op in container.ops if not _empty_table_ops(op)]
    for name, steps in moved.items():
        after = _value_steps(container)[name] + 1
        container.ops[after:after] = steps


def _empty_table_ops(op: ops.MigrateOperation) -> bool:
    return isinstance(op, ops.ModifyTableOps) and not op.ops

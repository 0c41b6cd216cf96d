"""PostgreSQL enum types: created, extended, swapped and dropped with the models.

Alembic compares columns, not the named types behind them, so on its own it never adds a
value to a type, never creates the type a new column needs, and leaves unused types
behind. SQLModel maps a Python ``Enum`` to a native type named after the class (lower
case), holding the member names. This comparator reads every enum type in one query
(``Inspector.get_enums``) and compares it with the types the models' columns use:

- a type no column of an existing table had: ``create_enum_type`` first (a new table
  creates its own types);
- values only added, the old ones in the same order: ``add_enum_value`` per value, with
  ``before``/``after`` so the order matches the model;
- values removed or reordered: ``swap_enum_type``;
- a type no model column uses any more: ``drop_enum_type`` last.
"""

from __future__ import annotations

import re
from typing import Any

from alembic.autogenerate.compare.server_defaults import _render_server_default_for_compare
from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import ARRAY, Enum, text

from common.ops.enum_types import AddEnumValueOp, CreateEnumTypeOp, SwapEnumTypeOp
from common.ops.enums import DropEnumTypeOp


def native_enum(type_: Any) -> Enum | None:
    """The named native enum behind a column type (also inside an ARRAY), if any."""
    if isinstance(type_, ARRAY):
        type_ = type_.item_type
    if isinstance(type_, Enum) and type_.native_enum and type_.name:
        return type_
    return None


_ENUM_USERS = text(
    """
    SELECT DISTINCT t.typname, c.relname, a.attname
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
    JOIN pg_type t ON t.oid = a.atttypid OR t.typarray = a.atttypid
    WHERE t.typtype = 'e' AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relnamespace = to_regnamespace(current_schema())
    """
)


def _droppable(users: set[tuple[str, str]], model_columns: set[tuple[str, str]]) -> bool:
    """A type whose every column leaves with this revision (or that has none)."""
    return all(user not in model_columns and not user[0].startswith("alembic_") for user in users)


def _model_enums(autogen_context: Any, existing: set[str]) -> tuple[dict, set[str]]:
    """Values of every model enum type, and the names used by tables already in the DB."""
    values: dict[str, list[str]] = {}
    on_existing: set[str] = set()
    default_schema = autogen_context.dialect.default_schema_name
    for table in autogen_context.table_key_to_table.values():
        if table.schema not in (None, default_schema):
            continue  # types in other schemas are not managed yet (README)
        for column in table.columns:
            enum = native_enum(column.type)
            if enum is None or enum.schema not in (None, default_schema):
                continue
            values.setdefault(enum.name, list(enum.enums))
            if table.name in existing:
                on_existing.add(enum.name)
    return values, on_existing


def value_changes(name: str, old: list[str], new: list[str]) -> list[ops.MigrateOperation]:
    """``add_enum_value`` steps when ``new`` only inserts values into ``old``, else a swap."""
    if old == new:
        return []
    kept = [v for v in new if v in old]
    if kept != old:
        return [SwapEnumTypeOp(name, new, old)]
    steps: list[ops.MigrateOperation] = []
    current = list(old)
    for index, value in enumerate(new):
        if value in current:
            continue
        following = next((v for v in new[index + 1 :] if v in current), None)
        if following is not None:
            steps.append(AddEnumValueOp(name, value, before=following, existing_values=current))
            current = [
                *current[: current.index(following)],
                value,
                *current[current.index(following) :],
            ]
        else:
            after = current[-1] if current else None
            steps.append(AddEnumValueOp(name, value, after=after, existing_values=current))
            current = [*current, value]
    return steps


def _compare_enums(
    autogen_context: Any, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    if None not in schemas:
        return PriorityDispatchResult.CONTINUE
    inspector = autogen_context.inspector
    reflected = {
        e["name"]: list(e["labels"]) for e in inspector.get_enums() if e.get("visible", True)
    }
    existing = set(inspector.get_table_names())
    model, on_existing = _model_enums(autogen_context, existing)
    first: list[ops.MigrateOperation] = []
    last: list[ops.MigrateOperation] = []
    for name, values in model.items():
        if name not in reflected:
            if name in on_existing:
                first.append(CreateEnumTypeOp(name, values))
            continue
        first.extend(value_changes(name, reflected[name], values))
    users: dict[str, set[tuple[str, str]]] = {}
    for type_name, table_name, column_name in autogen_context.connection.execute(_ENUM_USERS):
        users.setdefault(type_name, set()).add((table_name, column_name))
    model_columns = {
        (t.name, c.name)
        for t in autogen_context.table_key_to_table.values()
        if t.schema is None
        for c in t.columns
    }
    for name, values in reflected.items():
        if name not in model and _droppable(users.get(name, set()), model_columns):
            last.append(DropEnumTypeOp(name, if_unused=True, values=values))
    upgrade_ops.ops[:0] = first
    upgrade_ops.ops.extend(last)
    return PriorityDispatchResult.CONTINUE


def _enum_label(default: Any) -> str | None:
    """``'doing'::status`` or ``'doing'`` -> ``doing``; None for anything else."""
    found = re.match(r"^\s*'((?:[^']|'')*)'(?:::[\w.\"]+)?\s*$", str(default))
    return found.group(1).replace("''", "'") if found else None


def _compare_enum_default(
    autogen_context: Any,
    alter_column_op: ops.AlterColumnOp,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: Any,
    metadata_col: Any,
) -> PriorityDispatchResult:
    """Enum defaults compared as labels, without asking the server.

    Alembic evaluates ``SELECT <model default> = <database default>`` on PostgreSQL,
    which fails when the model's default is a value this revision adds to the type.
    """
    if not isinstance(metadata_col.type, Enum) or native_enum(metadata_col.type) is None:
        return PriorityDispatchResult.CONTINUE
    conn_default, model_default = conn_col.server_default, metadata_col.server_default
    if conn_default is None or model_default is None:
        return PriorityDispatchResult.CONTINUE
    model = model_default.arg
    if not isinstance(model, str):
        model = _enum_label(_render_server_default_for_compare(model_default, autogen_context))
    database = _enum_label(getattr(conn_default.arg, "text", conn_default.arg))
    if model is None or database is None:
        return PriorityDispatchResult.CONTINUE
    alter_column_op.existing_server_default = conn_default
    if model != database:
        alter_column_op.modify_server_default = model_default
    return PriorityDispatchResult.STOP


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _compare_enums, "schema", "enums", qualifier="postgresql", priority=DispatchPriority.LAST
    )
    plugin.add_autogenerate_comparator(
        _compare_enum_default,
        "column",
        "server_default",
        qualifier="postgresql",
        priority=DispatchPriority.FIRST,
    )

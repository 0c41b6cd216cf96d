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
- a value renamed (``--rename-value``, ``common.autogen.enum_value_renames``):
  ``rename_enum_value`` first, then the above for whatever else changed;
- a type no model column uses any more: ``drop_enum_type`` last.

Types are told apart by schema and name (``billing.status`` is not ``status``): every
compared schema and every schema a model table or type names is covered, and the ops
carry ``schema=`` for a type outside the default schema.
"""

from __future__ import annotations

import re
from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import ARRAY, Enum, bindparam, text

from common.alembic_private import render_server_default_for_compare
from common.autogen.aspects import compares
from common.autogen.enum_value_renames import refuse_unmatched, renamed, value_renames
from common.ops.enums import AddEnumValueOp, CreateEnumTypeOp, DropEnumTypeOp, SwapEnumTypeOp


def native_enum(type_: Any) -> Enum | None:
    """The named native enum behind a column type (also inside an ARRAY), if any."""
    if isinstance(type_, ARRAY):
        type_ = type_.item_type
    if isinstance(type_, Enum) and type_.native_enum and type_.name:
        return type_
    return None


EnumKey = tuple[str | None, str]
"""(schema, name) of an enum type; schema None is the default schema."""


def type_schema(enum: Enum, default_schema: str | None = None) -> str | None:
    """The schema an enum type lives in, None for the default schema.

    SQLAlchemy 2.1 does not give a type the schema of its table: a type without
    ``schema=`` goes to its MetaData's schema (the default one), so SQLModel's enum on a
    table in ``billing`` is a type of the default schema. ``sa.Enum(..., schema="billing")``
    (or the deprecated ``inherit_schema=True``) puts it in ``billing``.
    """
    schema = enum.schema
    if schema is None and enum.metadata is not None:
        schema = enum.metadata.schema
    return None if schema == default_schema else schema


def enum_key(enum: Enum, default_schema: str | None = None) -> EnumKey:
    return type_schema(enum, default_schema), enum.name


_ENUM_USERS = text(
    """
    SELECT DISTINCT tn.nspname, t.typname, cn.nspname, c.relname, a.attname
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
    JOIN pg_namespace cn ON cn.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid OR t.typarray = a.atttypid
    JOIN pg_namespace tn ON tn.oid = t.typnamespace
    WHERE t.typtype = 'e' AND a.attnum > 0 AND NOT a.attisdropped AND tn.nspname IN :schemas
    """
).bindparams(bindparam("schemas", expanding=True))

Column = tuple[str | None, str, str]
"""(schema, table, column) of a column; schema None is the default schema."""


def _model_enums(
    autogen_context: Any, existing: set[tuple[str | None, str]]
) -> tuple[dict[EnumKey, list[str]], set[EnumKey], dict[Column, EnumKey | None]]:
    """Values of every model enum type, the types used by tables already in the database,
    and every model column with the enum type it has (None: not an enum)."""
    values: dict[EnumKey, list[str]] = {}
    on_existing: set[EnumKey] = set()
    columns: dict[Column, EnumKey | None] = {}
    default_schema = autogen_context.dialect.default_schema_name
    for table in autogen_context.table_key_to_table.values():
        schema = None if table.schema == default_schema else table.schema
        for column in table.columns:
            enum = native_enum(column.type)
            key = None if enum is None else enum_key(enum, default_schema)
            columns[(schema, table.name, column.name)] = key
            if key is None:
                continue
            values.setdefault(key, list(enum.enums))
            if (schema, table.name) in existing:
                on_existing.add(key)
    return values, on_existing, columns


def value_changes(
    name: str, old: list[str], new: list[str], schema: str | None = None
) -> list[ops.MigrateOperation]:
    """``add_enum_value`` steps when ``new`` only inserts values into ``old``, else a swap."""
    if old == new:
        return []
    kept = [v for v in new if v in old]
    if kept != old:
        return [SwapEnumTypeOp(name, new, old, schema=schema)]
    steps: list[ops.MigrateOperation] = []
    current = list(old)
    for index, value in enumerate(new):
        if value in current:
            continue
        following = next((v for v in new[index + 1 :] if v in current), None)
        if following is not None:
            steps.append(
                AddEnumValueOp(
                    name, value, before=following, existing_values=current, schema=schema
                )
            )
            current = [
                *current[: current.index(following)],
                value,
                *current[current.index(following) :],
            ]
        else:
            after = current[-1] if current else None
            steps.append(
                AddEnumValueOp(name, value, after=after, existing_values=current, schema=schema)
            )
            current = [*current, value]
    return steps


def _enum_users(autogen_context: Any, schemas: set[str | None]) -> dict[EnumKey, set[Column]]:
    """Every column (in any schema) of every enum type in ``schemas``: one query."""
    default_schema = autogen_context.dialect.default_schema_name
    names = sorted(default_schema if s is None else s for s in schemas)
    users: dict[EnumKey, set[Column]] = {}
    result = autogen_context.connection.execute(_ENUM_USERS, {"schemas": names})
    for type_schema_, type_name, table_schema, table_name, column_name in result:
        key = (None if type_schema_ == default_schema else type_schema_, type_name)
        schema = None if table_schema == default_schema else table_schema
        users.setdefault(key, set()).add((schema, table_name, column_name))
    return users


def _droppable(
    autogen_context: Any,
    key: EnumKey,
    users: set[Column],
    model: dict[Column, EnumKey | None],
    schemas: set[str | None],
) -> bool:
    """A type whose every column leaves it with this revision (or that has none): the
    column is gone from the models or has another type there (``billing.status``, not
    ``status``).

    A column of a table this comparison does not cover (another schema, a table left out
    by the include/exclude patterns, bookkeeping) never leaves, so it keeps the type.
    """
    return all(
        model.get(user, ()) != key
        and user[0] in schemas
        and not user[1].startswith("alembic_")
        and autogen_context.run_name_filters(user[1], "table", {"schema_name": user[0]})
        for user in users
    )


def _compare_enums(
    autogen_context: Any, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    """Enum types of every compared schema, and of every schema the models name."""
    if None not in schemas:
        return PriorityDispatchResult.CONTINUE
    inspector = autogen_context.inspector
    default_schema = autogen_context.dialect.default_schema_name
    existing = {(s, name) for s in schemas for name in inspector.get_table_names(schema=s)}
    model, on_existing, model_columns = _model_enums(autogen_context, existing)
    compared = set(schemas) | {schema for schema, _ in model}
    compared |= {schema for schema, _, _ in model_columns}
    reflected: dict[EnumKey, list[str]] = {}
    for enum in inspector.get_enums(schema="*"):
        schema = None if enum["schema"] == default_schema else enum["schema"]
        if schema in compared:
            reflected[(schema, enum["name"])] = list(enum["labels"])
    first: list[ops.MigrateOperation] = []
    last: list[ops.MigrateOperation] = []
    hints = value_renames(autogen_context)
    for (schema, name), values in model.items():
        if (schema, name) not in reflected:
            if (schema, name) in on_existing:
                first.append(CreateEnumTypeOp(name, values, schema=schema))
            continue
        renames, current = renamed(
            (schema, name), reflected[(schema, name)], values, hints.pop((schema, name), {})
        )
        first.extend(renames)
        first.extend(value_changes(name, current, values, schema))
    refuse_unmatched(hints)
    unused = [key for key in reflected if key not in model]
    users = _enum_users(autogen_context, compared) if unused else {}
    for schema, name in unused:
        key = (schema, name)
        if _droppable(autogen_context, key, users.get(key, set()), model_columns, compared):
            values = reflected[(schema, name)]
            last.append(DropEnumTypeOp(name, if_unused=True, values=values, schema=schema))
    upgrade_ops.ops[:0] = first
    upgrade_ops.ops.extend(last)
    return PriorityDispatchResult.CONTINUE


def _enum_label(default: Any) -> str | None:
    """``'doing'::status`` or ``'doing'`` -> ``doing``; None for anything else."""
    found = re.match(r"^\s*'((?:[^']|'')*)'(?:::[\w.\"]+)?\s*$", str(default))
    return found.group(1).replace("''", "'") if found else None


@compares("column.server_default")
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
        model = _enum_label(render_server_default_for_compare(model_default, autogen_context))
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

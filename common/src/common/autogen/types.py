"""Column types: every length, precision and kind change, and how PostgreSQL casts it.

Alembic's type comparison misses unbounded ``VARCHAR`` -> ``VARCHAR(n)``, and it writes
``alter_column(type_=...)`` without ``postgresql_using``, which PostgreSQL refuses for
any change without an assignment cast (text -> integer, integer -> boolean, text -> an
enum). This comparator decides type differences itself and records the cast both ways;
a change no cast can make (integer -> uuid) becomes ``op.require_data_migration``, a
step that stops the script with a message instead of guessing, on every database: SQLite's
batch copy put the integers into the UUID column, and the rows could no longer be read.

Enum columns whose type keeps its schema and name are left to common.autogen.enums, which
changes the type's values instead of the column; one moved to the same-named type of
another schema (``status`` -> ``billing.status``) is a type change, cast to the qualified
name.

The unchanged-table shortcut's proof for types is here too (``_same_type``): the same
DDL text on both sides; MariaDB's spellings (``INTEGER(11)``) are left to the comparators.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Integer,
    Interval,
    Numeric,
    String,
    Text,
    Time,
    TypeDecorator,
    Uuid,
)

from common.alembic_private import compare_type_setup
from common.autogen.alter_column import AlterColumnOp
from common.autogen.aspects import ASK, compares, proves
from common.autogen.enums import enum_key, native_enum, type_schema
from common.ops.data_migration import RequireDataMigrationOp

NO_CAST = "no cast"
USING = "workbench_using"

_FAMILIES = (
    (Enum, "enum"),
    (String, "string"),
    (Integer, "integer"),
    (Numeric, "numeric"),
    (Boolean, "boolean"),
    ((DateTime, Date, Time, Interval), "temporal"),
    (Uuid, "uuid"),
    (JSON, "json"),
)


def unwrap(type_: Any, dialect: Any = None) -> Any:
    """The type a TypeDecorator (SQLModel's AutoString...) stands for, on ``dialect``.

    On a dialect the decorator may pick another type: AutoString is VARCHAR(255) on
    MySQL/MariaDB, where the unbounded String it stands for elsewhere cannot be created.
    """
    while isinstance(type_, TypeDecorator):
        type_ = type_.load_dialect_impl(dialect) if dialect is not None else type_.impl_instance
    return type_


def family(type_: Any) -> str:
    type_ = unwrap(type_)
    for classes, name in _FAMILIES:
        if isinstance(type_, classes):
            return name
    return type(type_).__name__.lower()


def _converts_implicitly(source: str, target: str) -> bool:
    return source == target or target == "string" or {source, target} == {"integer", "numeric"}


def impossible(old: Any, new: Any) -> bool:
    """No cast converts ``old`` values to ``new`` (integer -> uuid, a number -> a date)."""
    source, target = family(old), family(new)
    if target == "enum" or _converts_implicitly(source, target):
        return False
    return source != "string" and ("uuid" in (source, target) or target in ("json", "temporal"))


def cast_for(old: Any, new: Any, column: str, dialect: Any) -> str | None:
    """The ``postgresql_using`` expression from ``old`` to ``new``; None: no USING needed."""
    source, target = family(old), family(new)
    quoted = dialect.identifier_preparer.quote(column)
    if target == "enum":
        return f"{quoted}::text::{_type_name(unwrap(new), dialect)}"
    if _converts_implicitly(source, target):
        return None
    if impossible(old, new):
        return NO_CAST
    return f"{quoted}::{new.compile(dialect=dialect)}"


def _type_name(enum: Enum, dialect: Any) -> str:
    """``"billing"."status"``: an enum type's name qualified by its schema, when not the
    default one (``status`` and ``billing.status`` are two types)."""
    preparer = dialect.identifier_preparer
    schema = type_schema(enum, dialect.default_schema_name)
    name = preparer.quote(enum.name)
    return name if schema is None else f"{preparer.quote_schema(schema)}.{name}"


def _length_differs(conn_type: Any, meta_type: Any, dialect: Any) -> bool:
    """Unbounded VARCHAR vs VARCHAR(n), which Alembic's comparison lets through."""
    conn_type, meta_type = unwrap(conn_type, dialect), unwrap(meta_type, dialect)
    strings = all(
        isinstance(t, String) and not isinstance(t, (Text, Enum)) for t in (conn_type, meta_type)
    )
    return strings and conn_type.length != meta_type.length


@compares("column.type")
def _compare_type(
    autogen_context: Any,
    alter_column_op: ops.AlterColumnOp,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: Any,
    metadata_col: Any,
) -> PriorityDispatchResult:
    if autogen_context.migration_context.opts.get("compare_type", True) is False:
        return PriorityDispatchResult.STOP
    if not compare_type_setup(alter_column_op, tname, cname, conn_col, metadata_col):
        return PriorityDispatchResult.CONTINUE
    dialect = autogen_context.dialect
    conn_type, meta_type = conn_col.type, metadata_col.type
    conn_enum, meta_enum = native_enum(conn_type), native_enum(meta_type)
    same_named_enums = dialect.name == "postgresql" and conn_enum and meta_enum
    if same_named_enums and conn_enum.name != meta_enum.name:
        same_named_enums = False
    default_schema = dialect.default_schema_name
    moved = same_named_enums and (
        enum_key(conn_enum, default_schema) != enum_key(meta_enum, default_schema)
    )
    if same_named_enums and not moved:  # one type: its values are common.autogen.enums'
        return PriorityDispatchResult.STOP
    impl = autogen_context.migration_context.impl
    if not (
        moved
        or impl.compare_type(conn_col, metadata_col)
        or _length_differs(conn_type, meta_type, dialect)
    ):
        return PriorityDispatchResult.STOP
    alter_column_op.modify_type = meta_type
    if dialect.name == "postgresql":
        alter_column_op.info[USING] = (
            cast_for(conn_type, meta_type, cname, dialect),
            cast_for(meta_type, conn_type, cname, dialect),
        )
    elif impossible(conn_type, meta_type) or impossible(meta_type, conn_type):
        # SQLite's batch copy and MySQL's MODIFY would convert the values silently, wrongly
        alter_column_op.info[USING] = (NO_CAST, NO_CAST)
    return PriorityDispatchResult.STOP


def _type_reads(comparer: Any, info: dict, column: Any, table: Any) -> tuple:
    """What the type comparators read of the two columns."""
    in_db, model = info["type"], column.type
    return (type(in_db), comparer.type_text(in_db), type(model), comparer.type_text(model))


@proves("column.type", reads=_type_reads)
def _same_type(comparer: Any, info: dict, column: Any, table: Any) -> bool | str:
    if comparer.type_text(info["type"]) == comparer.type_text(column.type):
        return True
    return False if comparer.dialect.name == "postgresql" else ASK


def _with_casts(op: ops.AlterColumnOp, dialect: Any) -> list[ops.MigrateOperation]:
    up, down = op.info.pop(USING)
    if NO_CAST not in (up, down):
        return [AlterColumnOp.from_op(op, using=up, reverse_using=down)]
    stop = RequireDataMigrationOp(
        op.table_name,
        op.column_name,
        str(op.existing_type.compile(dialect=dialect)).lower(),
        str(op.modify_type.compile(dialect=dialect)).lower(),
        schema=op.schema,
    )
    op.modify_type = None
    rest = [op] if op.has_changes() else []
    return [stop, *rest]


def _apply_casts(
    autogen_context: Any, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    top: list[ops.MigrateOperation] = []
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            top.append(table_ops)
            continue
        rewritten: list[ops.MigrateOperation] = []
        for op in table_ops.ops:
            if isinstance(op, ops.AlterColumnOp) and USING in op.info:
                for step in _with_casts(op, autogen_context.dialect):
                    # a stop is no step of the table's batch_alter_table block (SQLite)
                    (top if isinstance(step, RequireDataMigrationOp) else rewritten).append(step)
            else:
                rewritten.append(op)
        table_ops.ops = rewritten
        if rewritten:
            top.append(table_ops)
    upgrade_ops.ops = top
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _compare_type, "column", "types", priority=DispatchPriority.FIRST
    )
    plugin.add_autogenerate_comparator(
        _apply_casts, "schema", "type_casts", priority=DispatchPriority.LAST
    )

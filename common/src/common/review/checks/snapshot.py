"""Schema snapshots to compare across a round trip, seed rows, and row counts.

On PostgreSQL a snapshot is four catalog queries (columns, indexes, constraints, enum
types), cheap enough to take after every revision step; elsewhere SQLAlchemy's inspector.
Bookkeeping tables (``alembic_*``) are left out.

A PostgreSQL snapshot covers the default schema and every other schema ``include``
accepts (the review passes the schemas autogenerate compares, ``common.review.checks.
compared``); a key outside the default schema starts with its schema (``audit.event.id``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, inspect, select, text, types

# every query yields (schema, key, value); the system schemas are never compared
_USER_SCHEMA = "{n} NOT LIKE 'pg\\_%' AND {n} <> 'information_schema'"
_PG_QUERIES = {
    "columns": """
        SELECT n.nspname, c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
               || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relname NOT LIKE 'alembic\\_%' AND """
    + _USER_SCHEMA.format(n="n.nspname"),
    "indexes": """
        SELECT schemaname, indexname, indexdef FROM pg_indexes
        WHERE tablename NOT LIKE 'alembic\\_%' AND """
    + _USER_SCHEMA.format(n="schemaname"),
    "constraints": """
        SELECT n.nspname, c.relname || '.' || conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = k.connamespace
        WHERE c.relname NOT LIKE 'alembic\\_%' AND """
    + _USER_SCHEMA.format(n="n.nspname"),
    "enums": """
        SELECT n.nspname, t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE """
    + _USER_SCHEMA.format(n="n.nspname")
    + " GROUP BY n.nspname, t.typname",
}


# one round trip per snapshot: the four queries as one UNION ALL
_PG_SNAPSHOT = text(
    " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, s, k, v, s = current_schema() FROM ({query}) AS {kind}(s, k, v)"
        for kind, query in _PG_QUERIES.items()
    )
)


def snapshot(
    connection: Connection, include: Callable[[str], bool] | None = None
) -> dict[str, dict[str, str]]:
    """The schema as comparable text; ``include`` picks schemas besides the default one."""
    if connection.dialect.name == "postgresql":
        shot: dict[str, dict[str, str]] = {kind: {} for kind in _PG_QUERIES}
        for kind, schema, key, value, default in connection.execute(_PG_SNAPSHOT):
            if default:
                shot[kind][key] = value
            elif include is not None and include(schema):
                shot[kind][f"{schema}.{key}"] = value
        return shot
    return _inspected(connection)


def _inspected(connection: Connection) -> dict[str, dict[str, str]]:
    inspector = inspect(connection)
    shot: dict[str, dict[str, str]] = {"columns": {}, "indexes": {}, "constraints": {}}
    for name in inspector.get_table_names():
        if name.startswith("alembic_"):
            continue
        for col in inspector.get_columns(name):
            shot["columns"][f"{name}.{col['name']}"] = f"{col['type']} {col['nullable']}".lower()
        for index in inspector.get_indexes(name):
            shot["indexes"][f"{name}.{index['name']}"] = str(index["column_names"])
        for fk in inspector.get_foreign_keys(name):
            shot["constraints"][f"{name}.fk.{fk['constrained_columns']}"] = fk["referred_table"]
    return shot


def tables_of(shot: dict[str, dict[str, str]]) -> set[str]:
    """Tables of a snapshot, ``schema.table`` outside the default schema."""
    return {key.rsplit(".", 1)[0] for key in shot["columns"]}


def _table(name: str, metadata: MetaData) -> Table:
    schema, _, table = name.rpartition(".")
    return Table(table, metadata, schema=schema or None)


def differences(before: dict, after: dict) -> list[str]:
    """Readable differences between two snapshots (at most a handful)."""
    lines = []
    for kind in sorted(set(before) | set(after)):
        old, new = before.get(kind, {}), after.get(kind, {})
        for key in sorted(set(old) | set(new)):
            if key not in new:
                lines.append(f"{kind[:-1]} {key} is missing")
            elif key not in old:
                lines.append(f"{kind[:-1]} {key} is left over")
            elif old[key] != new[key]:
                lines.append(f"{kind[:-1]} {key} differs: {old[key]} -> {new[key]}")
    return lines[:6]


def row_counts(connection: Connection, names: set[str]) -> dict[str, int]:
    """Row counts of ``names`` in one query (a scalar subquery per table)."""
    if not names:
        return {}
    metadata = MetaData()
    ordered = sorted(names)
    counts = [
        select(func.count()).select_from(_table(name, metadata)).scalar_subquery()
        for name in ordered
    ]
    return dict(zip(ordered, connection.execute(select(*counts)).one(), strict=True))


def _value(column: Any) -> Any:
    kind = column.type
    if isinstance(kind, types.Enum) and kind.enums:
        return kind.enums[0]
    python: dict[type, Any] = {
        types.Boolean: False,
        types.Integer: 1,
        types.Numeric: 1,
        types.DateTime: dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        types.Date: dt.date(2000, 1, 1),
        types.Uuid: uuid.UUID(int=1),
        types.JSON: {},
        types.LargeBinary: b"x",
        types.String: "x",
    }
    for base, value in python.items():
        if isinstance(kind, base):
            return value
    raise LookupError(type(kind).__name__)


def _row(connection: Connection, table: Table) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.foreign_keys:
            target = next(iter(column.foreign_keys)).column
            row[column.name] = connection.execute(select(target).limit(1)).scalar()
        elif column.server_default is not None or column.autoincrement is True:
            continue
        elif column.primary_key and isinstance(column.type, types.Integer):
            if len(table.primary_key.columns) == 1:
                continue
            row[column.name] = 1
        else:
            try:
                row[column.name] = _value(column)
            except LookupError:
                if not column.nullable:
                    raise
    return row


def seed(connection: Connection, schemas: tuple[str, ...] = ()) -> list[str]:
    """One row per table of the default schema and ``schemas`` where a plausible row can
    be made; the tables seeded (``schema.table`` outside the default schema)."""
    metadata = MetaData()
    metadata.reflect(connection)
    for schema in schemas:
        metadata.reflect(connection, schema=schema)
    seeded = []
    for table in metadata.sorted_tables:
        if table.name.startswith("alembic_"):
            continue
        savepoint = connection.begin_nested()
        try:
            connection.execute(table.insert().values(_row(connection, table)))
            savepoint.commit()
            seeded.append(table.key)
        except Exception:
            savepoint.rollback()
    return seeded

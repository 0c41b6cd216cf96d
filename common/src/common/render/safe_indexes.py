"""Indexes and constraints added to existing tables without blocking writes (PostgreSQL).

``CREATE INDEX`` holds a SHARE lock (no writes) for the whole build; ``ADD FOREIGN KEY`` /
``ADD CHECK`` scan the table under a lock that blocks writes. On a table that already
exists (one created by the same script has no rows and no readers) they become:

- ``op.create_index_concurrently`` (and ``op.drop_index_concurrently`` for drops);
- ``op.add_unique_constraint_concurrently`` for a new UNIQUE constraint;
- ``op.create_foreign_key_not_valid`` / ``op.create_check_constraint_not_valid``, then
  ``op.validate_constraint`` as a separate step (VALIDATE takes SHARE UPDATE EXCLUSIVE:
  reads and writes go on).

On a partitioned table (common.models.partitions) PostgreSQL refuses CONCURRENTLY: a new
index there becomes ``op.create_partitioned_index`` (ON ONLY the parent, CONCURRENTLY
on each partition, then ATTACH), and a dropped one stays a plain ``drop_index`` (a
partitioned index cannot be dropped concurrently either).

MySQL/MariaDB have no CONCURRENTLY nor NOT VALID (InnoDB builds indexes online anyway)
and SQLite has nothing to lock: their operations stay as autogenerate wrote them.

Names are written as the database will store them: a conventional name over the limit
(Alembic's ``op.f()`` name) is shortened here as SQLAlchemy shortens it, so the script,
its ``--sql`` text and the review show the name ``create_all`` gives.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy import Column
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ClauseElement

from common.identifiers import stored_name
from common.models.partitions import declared_partitions
from common.ops import (
    AddUniqueConstraintConcurrentlyOp,
    CreateCheckConstraintNotValidOp,
    CreateForeignKeyNotValidOp,
    CreateIndexConcurrentlyOp,
    CreatePartitionedIndexOp,
    DropIndexConcurrentlyOp,
    ValidateConstraintOp,
)
from common.ops._expressions import compiled_sql
from common.render.regroup import regroup


def _stored(dialect: Any, name: str, kind: str = "index") -> str:
    """The name PostgreSQL stores (these rewrites run for PostgreSQL only)."""
    return stored_name(dialect if dialect is not None else postgresql.dialect(), name, kind)


def _expression(value: Any, dialect: Any) -> Any:
    if isinstance(value, Column):
        return value.name
    if isinstance(value, ClauseElement):
        text = getattr(value, "text", None)
        if isinstance(text, ClauseElement):  # Alembic's textual index element wraps a TextClause
            text = getattr(text, "text", None)
        if not isinstance(text, str):
            text = compiled_sql(value, dialect)
        return sa.text(text)
    return value


def _create_index(op: ops.CreateIndexOp, dialect: Any, partitions: list[str] | None) -> list:
    options: dict[str, Any] = {}
    if op.unique:
        options["unique"] = True
    for key, value in op.kw.items():
        if key.startswith("postgresql_") and value not in (None, [], ()):
            options[key] = _expression(value, dialect)
    columns = [_expression(column, dialect) for column in op.columns]
    name = _stored(dialect, op.index_name)
    if partitions is not None:
        unique = options.pop("unique", False)
        return [
            CreatePartitionedIndexOp(name, op.table_name, columns, partitions, unique, **options)
        ]
    return [CreateIndexConcurrentlyOp(name, op.table_name, columns, **options)]


def _drop_index(op: ops.DropIndexOp, dialect: Any) -> list:
    return [DropIndexConcurrentlyOp(_stored(dialect, op.index_name), op.table_name)]


def _foreign_key(op: ops.CreateForeignKeyOp, dialect: Any) -> list:
    options = {k: op.kw[k] for k in ("ondelete", "onupdate") if op.kw.get(k)}
    name = _stored(dialect, op.constraint_name, "constraint")
    create = CreateForeignKeyNotValidOp(
        name,
        op.source_table,
        op.referent_table,
        list(op.local_cols),
        list(op.remote_cols),
        **options,
    )
    return [create, ValidateConstraintOp(name, op.source_table)]


def _check(op: ops.CreateCheckConstraintOp, dialect: Any) -> list:
    condition = op.condition
    if isinstance(condition, ClauseElement):
        condition = compiled_sql(condition, dialect)
    name = _stored(dialect, op.constraint_name, "constraint")
    create = CreateCheckConstraintNotValidOp(name, op.table_name, str(condition))
    return [create, ValidateConstraintOp(name, op.table_name)]


def _unique(op: ops.CreateUniqueConstraintOp, dialect: Any) -> list:
    name = _stored(dialect, op.constraint_name, "constraint")
    return [AddUniqueConstraintConcurrentlyOp(name, op.table_name, list(op.columns))]


def partitioned_tables(metadata: Any, dialect: Any) -> dict[tuple[str | None, str], list[str]]:
    """(schema, name) -> declared partitions, of the model tables partitioned."""
    default = getattr(dialect, "default_schema_name", None)
    found = {}
    for table in metadata.tables.values() if metadata is not None else ():
        declared = declared_partitions(table)
        if declared or table.dialect_options["postgresql"].get("partition_by"):
            schema = None if table.schema == default else table.schema
            found[(schema, table.name)] = list(declared)
    return found


def make_indexes_safe(
    container: ops.OpContainer, dialect_name: str, dialect: Any = None, metadata: Any = None
) -> None:
    if dialect_name != "postgresql":
        return
    partitioned = partitioned_tables(metadata, dialect)

    def replace(op: ops.MigrateOperation) -> list | None:
        if isinstance(op, ops.CreateIndexOp) and op.index_name:
            return _create_index(op, dialect, partitioned.get((op.schema, op.table_name)))
        if isinstance(op, ops.DropIndexOp):
            if (op.schema, op.table_name) in partitioned:
                return None
            return _drop_index(op, dialect)
        if isinstance(op, ops.CreateForeignKeyOp) and op.constraint_name:
            return _foreign_key(op, dialect)
        if isinstance(op, ops.CreateCheckConstraintOp) and op.constraint_name:
            return _check(op, dialect)
        if isinstance(op, ops.CreateUniqueConstraintOp) and op.constraint_name:
            return _unique(op, dialect)
        return None

    regroup(container, replace)

"""NOT NULL on a table that already holds rows, without failing or locking it for long.

``ADD COLUMN ... NOT NULL`` fails on a table with rows unless the column has a default,
and ``SET NOT NULL`` scans the whole table under an ACCESS EXCLUSIVE lock. So on an
existing table:

- a NOT NULL column with a constant default, on PostgreSQL 11+, MariaDB 10.3+ and
  MySQL 8.0.12+ (SQLite: a server default only), is added in one catalog-only step
  (``instant_defaults``: no rewrite, no scan);
- any other NOT NULL column with a default (server or Python) is added nullable, existing rows
  are backfilled with the default in batches (``op.batch_update``), then made NOT NULL
  (``op.set_not_null_safely`` on PostgreSQL: CHECK NOT VALID, VALIDATE, SET NOT NULL);
- a NOT NULL column with no default stops the revision (``op.stop_migration``) with a
  ``# REVIEW:`` note: someone has to decide what existing rows hold;
- nullable -> NOT NULL backfills the NULLs with the model's default first.

In a downgrade a dropped NOT NULL column comes back with placeholder values (its data is
gone either way) so the downgrade still runs; a note says so.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy import Column, MetaData

from common.alembic_private import copy_column
from common.ops import BatchUpdateOp, SetNotNullSafelyOp, StopMigrationOp
from common.render.backfill import backfill_value, placeholder, shown
from common.render.instant_defaults import (
    instant_reason,
    server_default_for,
    why_not_instant,
)
from common.render.notes import add_note, notes_of, set_path


def make_columns_safe(
    container: ops.OpContainer,
    dialect: Any,
    *,
    downgrade: bool,
    metadata: MetaData | None,
    server: Any = None,
) -> None:
    """Rewrite ``container``'s column steps on existing tables; ``server`` is the connected
    SQLAlchemy dialect (its version decides the instant path), None when rendering offline."""
    created = {op.table_name for op in container.ops if isinstance(op, ops.CreateTableOp)}
    result: list[ops.MigrateOperation] = []
    stops: list[ops.MigrateOperation] = []
    for op in container.ops:
        if isinstance(op, ops.ModifyTableOps) and op.table_name not in created:
            rewriter = _TableRewriter(op, dialect, downgrade, metadata, server)
            result.extend(rewriter.rewrite())
            stops.extend(rewriter.stops)
        else:
            result.append(op)
    container.ops = stops + result


class _TableRewriter:
    """Splits one table's changes where a backfill has to run between them."""

    def __init__(self, table_ops: ops.ModifyTableOps, dialect, downgrade, metadata, server) -> None:
        self.table_ops = table_ops
        self.table = table_ops.table_name
        self.dialect = dialect
        self.downgrade = downgrade
        self.metadata = metadata
        self.result: list[ops.MigrateOperation] = []
        self.group: list[ops.MigrateOperation] = []
        self.stops: list[ops.MigrateOperation] = []
        self.backfills: list[ops.MigrateOperation] = []
        self.not_null: list[ops.MigrateOperation] = []
        self.server = server

    def rewrite(self) -> list[ops.MigrateOperation]:
        """The table's other changes, then every backfill, then every SET NOT NULL.

        Grouped so SQLite copies the table at most twice and PostgreSQL scans it once
        per backfilled column.
        """
        for op in self.table_ops.ops:
            if isinstance(op, ops.AddColumnOp) and self._needs_backfill(op.column):
                self._add_not_null_column(op)
            elif isinstance(op, ops.AlterColumnOp) and op.modify_nullable is False:
                self._set_not_null(op)
            else:
                self.group.append(op)
        self._flush()
        self.result += self.backfills
        if self.dialect == "postgresql":
            self.result += self.not_null
        elif self.not_null:
            schema = self.table_ops.schema
            self.result.append(ops.ModifyTableOps(self.table, self.not_null, schema=schema))
        return self.result

    def _flush(self) -> None:
        if self.group:
            copy = ops.ModifyTableOps(self.table, self.group, schema=self.table_ops.schema)
            self.result.append(copy)
            self.group = []

    @staticmethod
    def _needs_backfill(column: Column) -> bool:
        return (
            not column.nullable
            and not column.primary_key
            and column.computed is None
            and (column.identity is None)
        )

    def _model_column(self, name: str) -> Column | None:
        if self.downgrade or self.metadata is None:
            return None
        table = self.metadata.tables.get(self.table)
        return table.columns.get(name) if table is not None else None

    def _add_not_null_column(self, op: ops.AddColumnOp) -> None:
        column = op.column
        value = backfill_value(column, self.dialect)
        if value is None and self.downgrade:
            value = placeholder(column.type)
            if value is not None:
                add_note(
                    op,
                    f"downgrade: {self.table}.{column.name} comes back with placeholder "
                    f"value {shown(value)} in existing rows; its data was dropped by the upgrade",
                )
        if value is None:
            self._refuse(op)
            return
        in_database = column.server_default is not None
        reason = instant_reason(self.server, value, server_default=in_database)
        if reason:
            self._add_instant(op, value, reason)
            return
        nullable = copy_column(column)
        nullable.nullable = True
        later_default = self.dialect == "postgresql" and in_database
        if later_default:  # a volatile default, or one before PG 11, would rewrite the table
            nullable.server_default = None
        added = ops.AddColumnOp(self.table, nullable, schema=op.schema)
        add_note(
            added,
            f"{self.table}.{column.name} is NOT NULL: added nullable, existing rows backfilled "
            f"with {shown(value)} in batches, then set NOT NULL "
            f"({why_not_instant(self.dialect, self.server, value, server_default=in_database)})",
        )
        self.group.append(added)
        if later_default:
            self.group.append(self._set_default(column, op.schema))
        self.backfills.append(self._backfill(column.name, value))
        # the DefaultClause itself, not its ``.arg``: Alembic's renderer tests the existing
        # default for truth, which a text() clause refuses (MySQL and SQLite render it)
        self._set_not_null_step(column.name, column.type, column.server_default, op.schema)

    def _add_instant(self, op: ops.AddColumnOp, value: Any, reason: str) -> None:
        """One ADD COLUMN ... NOT NULL DEFAULT; a Python default's is dropped right after."""
        column = op.column
        if column.server_default is not None:
            set_path(op, reason)
            self.group.append(op)
            return
        added = copy_column(column)
        added.server_default = server_default_for(value, column.type, self.server)
        step = ops.AddColumnOp(self.table, added, schema=op.schema)
        for note in notes_of(op):  # a downgrade's placeholder note
            add_note(step, note)
        set_path(step, f"{reason}; the model has no server default: the next step drops it")
        drop_default = ops.AlterColumnOp(
            self.table,
            column.name,
            schema=op.schema,
            existing_type=column.type,
            existing_server_default=added.server_default,
            existing_nullable=False,
            modify_server_default=None,
        )
        set_path(drop_default, "catalog only: rows keep the value; new rows get the model's")
        self.group += [step, drop_default]

    def _set_default(self, column: Column, schema: str | None) -> ops.AlterColumnOp:
        """SET DEFAULT after a plain ADD COLUMN: catalog only, for the rows inserted from
        now on (the backfill gives the existing rows theirs); on PostgreSQL an ADD COLUMN
        carrying a volatile default (``gen_random_uuid()``) rewrites the table."""
        step = ops.AlterColumnOp(
            self.table,
            column.name,
            schema=schema,
            existing_type=column.type,
            existing_nullable=True,
            modify_server_default=column.server_default,
        )
        set_path(
            step,
            "added apart from the column: no rewrite; new rows get it, the "
            "backfill gives existing rows theirs",
        )
        return step

    def _refuse(self, op: ops.AddColumnOp) -> None:
        name = f"{self.table}.{op.column.name}"
        reason = (
            f"{name} is NOT NULL without a default: the rows already in {self.table} would "
            "have no value for it."
        )
        fix = (
            "give the model field a default (Field(default=...)) or a server_default and "
            "generate again, or backfill by hand: add it nullable, op.batch_update, then "
            "op.set_not_null_safely, and delete this line."
        )
        self.stops.append(StopMigrationOp(reason, fix))
        add_note(op, f"adding-not-nullable-field: {reason}")
        self.group.append(op)

    def _set_not_null(self, op: ops.AlterColumnOp) -> None:
        column = self._model_column(op.column_name)
        value = backfill_value(column, self.dialect)
        server_default = op.existing_server_default
        if op.modify_server_default is not False:
            server_default = op.modify_server_default
        if value is None and server_default not in (None, False):
            value = sa.text(_sql_text(server_default))
        op.modify_nullable = None
        if _has_other_changes(op):
            self.group.append(op)
        type_ = op.modify_type if op.modify_type is not None else op.existing_type
        if value is not None:
            self.backfills.append(self._backfill(op.column_name, value))
        step = self._set_not_null_step(op.column_name, type_, server_default, op.schema)
        if value is None:
            add_note(
                step,
                f"{self.table}.{op.column_name} becomes NOT NULL without a default to fill "
                "existing NULLs: this step fails while any row holds NULL; backfill them first",
            )

    def _backfill(self, column: str, value: Any) -> BatchUpdateOp:
        where = sa.column(column).is_(None)
        schema = {"schema": self.table_ops.schema} if self.table_ops.schema else {}
        return BatchUpdateOp(self.table, {column: value}, where=where, **schema)

    def _set_not_null_step(self, column: str, type_, server_default, schema):
        if self.dialect == "postgresql":
            step = SetNotNullSafelyOp(self.table, column)
            self.not_null.append(step)
            return step
        alter = ops.AlterColumnOp(
            self.table,
            column,
            schema=schema,
            existing_type=type_,
            existing_server_default=server_default if server_default is not False else None,
            existing_nullable=True,
            modify_nullable=False,
        )
        self.not_null.append(alter)
        return alter


def _sql_text(default: Any) -> str:
    arg = getattr(default, "arg", default)
    return str(getattr(arg, "text", arg))


def _has_other_changes(op: ops.AlterColumnOp) -> bool:
    return (
        op.modify_type is not None
        or op.modify_server_default is not False
        or op.modify_comment is not False
        or op.modify_name is not None
    )

"""Constraints added without a long lock: NOT VALID first, VALIDATE in a separate step.

Adding a CHECK or FOREIGN KEY normally scans the whole table under a lock that blocks
writes (ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE on both tables for a foreign
key). ``NOT VALID`` makes the ADD instant (new rows are checked from then on), and
``VALIDATE CONSTRAINT`` scans the old rows under SHARE UPDATE EXCLUSIVE, which lets
reads and writes go on. The two must be separate transactions, or the first step's
strong lock is held through the scan; so each step here commits on its own.
SET NOT NULL reuses a validated CHECK (PostgreSQL 12+ then skips its own scan), and a
unique constraint adopts an index built concurrently.

MySQL/MariaDB and SQLite have no NOT VALID: the constraint is added (and checked) in
one step, through Alembic's batch mode on SQLite. A constraint name over the dialect's
limit is shortened as the naming convention shortens it (``common.identifiers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from common.database import driver_message
from common.identifiers import stored_name
from common.ops._support import (
    DEFAULT_LOCK_TIMEOUT_MS,
    OperationError,
    alembic_operations,
    autocommit,
    column_of,
    dialect_name,
    reflect_table,
    short_step,
)
from common.ops.indexes import create_index_concurrently

_CONSTRAINT_EXISTS = sa.text(
    """
    SELECT c.convalidated FROM pg_constraint c
    WHERE c.conname = :name AND c.conrelid = to_regclass(:table)
    """
)


def _pg_table(conn: Connection, table_name: str, schema: str | None) -> str:
    return conn.dialect.identifier_preparer.format_table(sa.table(table_name, schema=schema))


def _pg_constraint(conn: Connection, name: str, table: str, schema: str | None) -> bool | None:
    """None if absent, else whether it is validated."""
    params = {"name": name, "table": _pg_table(conn, table, schema)}
    return conn.execute(_CONSTRAINT_EXISTS, params).scalar()


def _sqlite_batch(conn: Connection, table_name: str, schema: str | None, change) -> None:
    """Alembic's batch mode (copy the table) in one explicit transaction on SQLite.

    The connection is in AUTOCOMMIT; without BEGIN, a failing copy would leave
    ``_alembic_tmp_<table>`` behind. Rows violating the new constraint become one line.
    """
    conn.exec_driver_sql("BEGIN")
    try:
        with alembic_operations(conn).batch_alter_table(table_name, schema=schema) as batch:
            change(batch)
    except BaseException as exc:
        conn.exec_driver_sql("ROLLBACK")
        if isinstance(exc, DBAPIError):
            raise OperationError(
                f"changing table {table_name!r} failed, existing rows violate the change: "
                f"{driver_message(exc)}",
                "fix those rows (e.g. with op.batch_update) before adding the constraint.",
            ) from None
        raise
    conn.exec_driver_sql("COMMIT")


def create_check_constraint_not_valid(
    connection: Connection,
    constraint_name: str,
    table_name: str,
    condition: Any,
    *,
    schema: str | None = None,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
) -> str:
    """ADD CONSTRAINT ... CHECK (...) NOT VALID; "added" or "exists"."""
    condition = sa.text(condition) if isinstance(condition, str) else condition
    dialect = dialect_name(connection)
    constraint_name = stored_name(connection.dialect, constraint_name, "constraint")
    with autocommit(connection) as conn:
        if dialect == "sqlite":
            _sqlite_batch(
                conn,
                table_name,
                schema,
                lambda b: b.create_check_constraint(constraint_name, condition),
            )
            return "added"
        if dialect != "postgresql":
            _checked(
                lambda: alembic_operations(conn).create_check_constraint(
                    constraint_name, table_name, condition, schema=schema
                ),
                constraint_name,
            )
            return "added"
        if _pg_constraint(conn, constraint_name, table_name, schema) is not None:
            return "exists"
        short_step(
            conn,
            lambda step: alembic_operations(step).create_check_constraint(
                constraint_name,
                table_name,
                condition,
                schema=schema,
                postgresql_not_valid=True,
            ),
            lock_timeout_ms,
        )
        return "added"


def create_foreign_key_not_valid(
    connection: Connection,
    constraint_name: str,
    source_table: str,
    referent_table: str,
    local_cols: Sequence[str],
    remote_cols: Sequence[str],
    ondelete: str | None = None,
    onupdate: str | None = None,
    *,
    schema: str | None = None,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
) -> str:
    """ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID; "added" or "exists"."""
    options = {"ondelete": ondelete, "onupdate": onupdate}
    dialect = dialect_name(connection)
    constraint_name = stored_name(connection.dialect, constraint_name, "constraint")
    with autocommit(connection) as conn:
        if dialect == "sqlite":
            _sqlite_batch(
                conn,
                source_table,
                schema,
                lambda b: b.create_foreign_key(
                    constraint_name, referent_table, list(local_cols), list(remote_cols), **options
                ),
            )
            return "added"
        if dialect != "postgresql":
            _checked(
                lambda: alembic_operations(conn).create_foreign_key(
                    constraint_name,
                    source_table,
                    referent_table,
                    list(local_cols),
                    list(remote_cols),
                    source_schema=schema,
                    referent_schema=schema,
                    **options,
                ),
                constraint_name,
            )
            return "added"
        if _pg_constraint(conn, constraint_name, source_table, schema) is not None:
            return "exists"
        short_step(
            conn,
            lambda step: alembic_operations(step).create_foreign_key(
                constraint_name,
                source_table,
                referent_table,
                list(local_cols),
                list(remote_cols),
                source_schema=schema,
                referent_schema=schema,
                postgresql_not_valid=True,
                **options,
            ),
            lock_timeout_ms,
        )
        return "added"


def _checked(action, constraint_name: str) -> None:
    """Existing rows violating the constraint: one line, not a driver traceback."""
    try:
        action()
    except DBAPIError as exc:
        raise OperationError(
            f"constraint {constraint_name!r} is violated by existing rows: {driver_message(exc)}",
            "fix those rows (e.g. with op.batch_update) before adding the constraint.",
        ) from None


def validate_constraint(
    connection: Connection,
    constraint_name: str,
    table_name: str,
    *,
    schema: str | None = None,
) -> str:
    """VALIDATE CONSTRAINT (PostgreSQL): scans old rows without blocking writes.

    Returns "validated", "already valid", or "not needed" on databases without NOT VALID.
    """
    constraint_name = stored_name(connection.dialect, constraint_name, "constraint")
    if dialect_name(connection) != "postgresql":
        return "not needed"
    with autocommit(connection) as conn:
        valid = _pg_constraint(conn, constraint_name, table_name, schema)
        if valid is None:
            raise OperationError(
                f"table {table_name!r} has no constraint {constraint_name!r}.",
                "check the names, or add it first (op.create_check_constraint_not_valid).",
            )
        if valid:
            return "already valid"
        table = _pg_table(conn, table_name, schema)
        name = conn.dialect.identifier_preparer.quote(constraint_name)
        _checked(
            lambda: conn.execute(sa.text(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")),
            constraint_name,
        )
        return "validated"


def set_not_null_safely(
    connection: Connection,
    table_name: str,
    column_name: str,
    *,
    schema: str | None = None,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
) -> str:
    """SET NOT NULL without a long ACCESS EXCLUSIVE scan; "set" or "already".

    PostgreSQL: CHECK (col IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL (which trusts
    the valid CHECK), then drop the CHECK, each a transaction of its own. NULLs left in
    the column fail with a one-line error and leave the table as it was.
    """
    dialect = dialect_name(connection)
    with autocommit(connection) as conn:
        table = reflect_table(conn, table_name, schema)
        column = column_of(table, column_name)
        if not column.nullable:
            return "already"
        nulls = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(column.is_(None))
        ).scalar_one()
        if nulls:
            raise OperationError(
                f"column {table_name}.{column_name} still has {nulls:,} NULL values.",
                f"backfill them first, e.g. op.batch_update({table_name!r}, "
                f"{{{column_name!r}: ...}}, where={column_name!r} + ' IS NULL').",
            )
        if dialect == "postgresql":
            _pg_set_not_null(conn, table, column, schema, lock_timeout_ms)
        elif dialect == "sqlite":
            _sqlite_batch(
                conn,
                table_name,
                schema,
                lambda b: b.alter_column(column_name, nullable=False, existing_type=column.type),
            )
        else:
            alembic_operations(conn).alter_column(
                table_name,
                column_name,
                nullable=False,
                existing_type=column.type,
                existing_server_default=column.server_default,
                schema=schema,
                existing_comment=column.comment,
            )
        return "set"


def not_null_check_name(table_name: str, column_name: str) -> str:
    """The temporary CHECK that proves NOT NULL before SET NOT NULL (63 bytes at most)."""
    return f"{table_name}_{column_name}_not_null"[:63]


def _pg_set_not_null(conn, table: sa.Table, column: sa.Column, schema, lock_timeout_ms) -> None:
    check_name = not_null_check_name(table.name, column.name)
    quote = conn.dialect.identifier_preparer.quote
    qualified = _pg_table(conn, table.name, schema)
    if _pg_constraint(conn, check_name, table.name, schema) is None:
        create_check_constraint_not_valid(
            conn,
            check_name,
            table.name,
            sa.column(column.name).is_not(None),
            schema=schema,
            lock_timeout_ms=lock_timeout_ms,
        )
    validate_constraint(conn, check_name, table.name, schema=schema)
    short_step(
        conn,
        sa.text(f"ALTER TABLE {qualified} ALTER COLUMN {quote(column.name)} SET NOT NULL"),
        lock_timeout_ms,
    )
    short_step(
        conn,
        sa.text(f"ALTER TABLE {qualified} DROP CONSTRAINT {quote(check_name)}"),
        lock_timeout_ms,
    )


def add_unique_constraint_concurrently(
    connection: Connection,
    constraint_name: str,
    table_name: str,
    columns: Sequence[str],
    *,
    schema: str | None = None,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
) -> str:
    """A unique index built concurrently, then ADD CONSTRAINT ... UNIQUE USING INDEX.

    The ADD only takes a brief ACCESS EXCLUSIVE lock (no scan, the index exists).
    Returns "added" or "exists".
    """
    dialect = dialect_name(connection)
    constraint_name = stored_name(connection.dialect, constraint_name, "constraint")
    with autocommit(connection) as conn:
        existing = {u["name"] for u in sa.inspect(conn).get_unique_constraints(table_name, schema)}
        if constraint_name in existing:
            return "exists"
        if dialect == "sqlite":
            _sqlite_batch(
                conn,
                table_name,
                schema,
                lambda b: b.create_unique_constraint(constraint_name, list(columns)),
            )
            return "added"
        if dialect != "postgresql":
            _checked(
                lambda: alembic_operations(conn).create_unique_constraint(
                    constraint_name, table_name, list(columns), schema=schema
                ),
                constraint_name,
            )
            return "added"
        create_index_concurrently(
            conn, constraint_name, table_name, list(columns), unique=True, schema=schema
        )
        qualified = _pg_table(conn, table_name, schema)
        name = conn.dialect.identifier_preparer.quote(constraint_name)
        short_step(
            conn,
            sa.text(f"ALTER TABLE {qualified} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}"),
            lock_timeout_ms,
        )
        return "added"

"""Index DDL that never blocks writes: CREATE / DROP / REINDEX ... CONCURRENTLY.

A plain CREATE INDEX holds a SHARE lock on the table for the whole build: every INSERT,
UPDATE and DELETE waits. CONCURRENTLY only takes SHARE UPDATE EXCLUSIVE, so writes go
on; the price is that it cannot run in a transaction, and a failed build leaves an
INVALID index behind that the planner ignores but every write still maintains. A retry
here detects that leftover and rebuilds it instead of silently keeping it
(``IF NOT EXISTS`` alone would). On SQLite the index is built plainly (one writer at a
time anyway); MySQL/MariaDB build secondary indexes online by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations.schemaobj import SchemaObjects
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from common.database import driver_message
from common.identifiers import stored_name
from common.ops._support import (
    OperationError,
    alembic_operations,
    autocommit,
    dialect_name,
    require_table_name,
)
from common.output import say

_INDEX_STATE = sa.text(
    """
    SELECT i.indisvalid
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relname = :name AND n.nspname = coalesce(:schema, current_schema())
    """
)

_REINDEX_LEFTOVERS = sa.text(
    """
    SELECT c.relname
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT i.indisvalid AND left(c.relname, length(:name)) = :name
      AND substr(c.relname, length(:name) + 1) ~ '^_ccnew[0-9]*$'
      AND n.nspname = coalesce(:schema, current_schema())
    """
)


def index_state(connection: Connection, index_name: str, schema: str | None = None) -> str | None:
    """``"valid"``, ``"invalid"`` or None (no such index) on PostgreSQL."""
    valid = connection.execute(_INDEX_STATE, {"name": index_name, "schema": schema}).scalar()
    if valid is None:
        return None
    return "valid" if valid else "invalid"


def _qualified(connection: Connection, name: str, schema: str | None) -> str:
    quote = connection.dialect.identifier_preparer.quote
    return f"{quote(schema)}.{quote(name)}" if schema else quote(name)


def _index(
    connection: Connection,
    index_name: str,
    table_name: str,
    columns: Sequence[Any],
    unique: bool,
    schema: str | None,
    dialect_kw: dict[str, Any],
) -> sa.Index:
    objects = SchemaObjects(MigrationContext.configure(connection))
    index = objects.index(
        index_name, table_name, list(columns), schema=schema, unique=unique, **dialect_kw
    )
    for name in dialect_kw.get("postgresql_include", ()):  # as Alembic's create_index does
        if isinstance(name, str) and name not in index.table.c:
            index.table.append_column(sa.Column(name, sa.types.NULLTYPE))
    return index


def _portable_kw(dialect: str, index_name: str, dialect_kw: dict[str, Any]) -> dict[str, Any]:
    """postgresql_* options mapped to the dialect's equivalent, or a clear refusal."""
    kept = {k: v for k, v in dialect_kw.items() if not k.startswith("postgresql_")}
    where = dialect_kw.get("postgresql_where")
    if where is not None:
        if dialect == "sqlite":
            kept["sqlite_where"] = where
        else:
            raise OperationError(
                f"index {index_name!r} is partial (postgresql_where), which MySQL/MariaDB "
                "do not support.",
                "drop postgresql_where on this database, or index a generated column.",
            )
    return kept


def create_index_concurrently(
    connection: Connection,
    index_name: str,
    table_name: str,
    columns: Sequence[Any],
    unique: bool = False,
    if_not_exists: bool = True,
    *,
    schema: str | None = None,
    **dialect_kw: Any,
) -> str:
    """Build the index without blocking writes; returns "created", "rebuilt" or "exists".

    ``postgresql_where``, ``postgresql_include`` and ``postgresql_using`` pass through.
    A name over the dialect's limit is shortened as the naming convention shortens it.
    """
    dialect = dialect_name(connection)
    index_name = stored_name(connection.dialect, index_name)
    with autocommit(connection) as conn:
        if dialect != "postgresql":
            return _create_plain(
                conn,
                index_name,
                table_name,
                columns,
                unique,
                if_not_exists,
                schema,
                _portable_kw(dialect, index_name, dialect_kw),
            )
        outcome = "created"
        state = index_state(conn, index_name, schema)
        if state == "valid":
            if if_not_exists:
                return "exists"
            raise OperationError(
                f"index {index_name!r} already exists.",
                "pass if_not_exists=True, or choose another name.",
            )
        if state == "invalid":
            say(f"  index {index_name}: INVALID leftover of a failed build; rebuilding it")
            _drop_pg(conn, index_name, schema, if_exists=True)
            outcome = "rebuilt"
        kw = {**dialect_kw, "postgresql_concurrently": True}
        index = _index(conn, index_name, table_name, columns, unique, schema, kw)
        try:
            conn.execute(sa.schema.CreateIndex(index))
        except DBAPIError as exc:
            _drop_pg(conn, index_name, schema, if_exists=True)
            raise OperationError(
                f"building index {index_name!r} on {table_name!r} failed: {driver_message(exc)}",
                "fix the cause (e.g. remove duplicate rows for a unique index) and run "
                "update-db again; the half-built index was dropped.",
            ) from None
        return outcome


def _create_plain(conn, index_name, table_name, columns, unique, if_not_exists, schema, kw):
    existing = {i["name"] for i in sa.inspect(conn).get_indexes(table_name, schema=schema)}
    if index_name in existing:
        if if_not_exists:
            return "exists"
        raise OperationError(f"index {index_name!r} already exists.", "pass if_not_exists=True.")
    index = _index(conn, index_name, table_name, columns, unique, schema, kw)
    conn.execute(sa.schema.CreateIndex(index))
    return "created"


def _drop_pg(conn: Connection, index_name: str, schema: str | None, if_exists: bool) -> None:
    guard = "IF EXISTS " if if_exists else ""
    name = _qualified(conn, index_name, schema)
    conn.execute(sa.text(f"DROP INDEX CONCURRENTLY {guard}{name}"))


def drop_index_concurrently(
    connection: Connection,
    index_name: str,
    table_name: str | None = None,
    if_exists: bool = True,
    *,
    schema: str | None = None,
) -> str:
    """Drop the index without blocking reads or writes; returns "dropped" or "absent"."""
    dialect = dialect_name(connection)
    index_name = stored_name(connection.dialect, index_name)
    with autocommit(connection) as conn:
        if dialect == "postgresql":
            if index_state(conn, index_name, schema) is None and if_exists:
                return "absent"
            _drop_pg(conn, index_name, schema, if_exists)
            return "dropped"
        if dialect == "sqlite":
            present = conn.execute(
                sa.text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :n"),
                {"n": index_name},
            ).first()
        else:
            table_name = require_table_name(table_name, "drop_index_concurrently")
            names = {i["name"] for i in sa.inspect(conn).get_indexes(table_name, schema=schema)}
            present = index_name in names
        if not present and if_exists:
            return "absent"
        alembic_operations(conn).drop_index(index_name, table_name=table_name, schema=schema)
        return "dropped"


def reindex_concurrently(
    connection: Connection, index_name: str, *, schema: str | None = None
) -> None:
    """Rebuild a bloated or INVALID index without blocking writes (PostgreSQL 12+).

    Leftover ``<name>_ccnew`` indexes of an interrupted REINDEX CONCURRENTLY are dropped
    first; they are invalid copies every write would otherwise keep maintaining.
    """
    dialect = dialect_name(connection)
    if dialect == "mysql":
        raise OperationError(
            f"reindex_concurrently({index_name!r}): MySQL/MariaDB have no REINDEX.",
            "drop and recreate the index (op.drop_index_concurrently, "
            "op.create_index_concurrently), or run OPTIMIZE TABLE in a maintenance window.",
        )
    index_name = stored_name(connection.dialect, index_name)
    with autocommit(connection) as conn:
        name = _qualified(conn, index_name, schema)
        if dialect == "sqlite":
            conn.execute(sa.text(f"REINDEX {name}"))
            return
        if index_state(conn, index_name, schema) is None:
            raise OperationError(f"index {index_name!r} does not exist.", "check its name.")
        leftovers = conn.execute(_REINDEX_LEFTOVERS, {"name": index_name, "schema": schema})
        for (leftover,) in leftovers.all():
            say(f"  index {leftover}: leftover of an interrupted REINDEX; dropping it")
            _drop_pg(conn, leftover, schema, if_exists=True)
        conn.execute(sa.text(f"REINDEX INDEX CONCURRENTLY {name}"))

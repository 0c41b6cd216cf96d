"""What the index ops read before they act, and the options each database accepts.

``CREATE INDEX CONCURRENTLY`` that fails (a duplicate for a unique index, a cancelled
build) leaves an INVALID index behind: the planner ignores it, but every write still
maintains it, and ``IF NOT EXISTS`` would keep it silently. An interrupted ``REINDEX
CONCURRENTLY`` leaves an INVALID ``<name>_ccnew`` copy. The online index ops read
``pg_index`` for both and repair them; offline (``--sql``) cannot read, so it writes
the statements for the state the revision expects (the index absent, resp. present).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy import Connection
from sqlalchemy.schema import conv

from common.ops._statements import execute
from common.ops._support import OperationError
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


def index_names(connection: Connection, table_name: str, schema: str | None) -> set[str]:
    """The indexes of ``table_name`` as reflected (SQLite, MySQL/MariaDB)."""
    return {i["name"] for i in sa.inspect(connection).get_indexes(table_name, schema=schema)}


def drop_concurrently(
    index_name: str, schema: str | None, if_exists: bool = True
) -> ops.DropIndexOp:
    """``DROP INDEX CONCURRENTLY [IF EXISTS]`` (PostgreSQL), as Alembic spells it."""
    return ops.DropIndexOp(
        conv(index_name), schema=schema, if_exists=if_exists or None, postgresql_concurrently=True
    )


def drop_invalid_leftover(conn: Connection, index_name: str, schema: str | None) -> bool:
    """Drop ``index_name`` if it is an INVALID leftover of a failed build; True if it was."""
    if index_state(conn, index_name, schema) != "invalid":
        return False
    say(f"  index {index_name}: INVALID leftover of a failed build; rebuilding it")
    execute(conn, drop_concurrently(index_name, schema))
    return True


def drop_reindex_leftovers(conn: Connection, index_name: str, schema: str | None) -> None:
    """Drop the INVALID ``<name>_ccnew`` copies an interrupted REINDEX left behind."""
    leftovers = conn.execute(_REINDEX_LEFTOVERS, {"name": index_name, "schema": schema})
    for (leftover,) in leftovers.all():
        say(f"  index {leftover}: leftover of an interrupted REINDEX; dropping it")
        execute(conn, drop_concurrently(leftover, schema))


def portable_kw(dialect: str, index_name: str, dialect_kw: dict[str, Any]) -> dict[str, Any]:
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

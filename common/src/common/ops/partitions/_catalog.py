"""What the partition ops read first: a parent's partitions, and which are leaving.

``pg_inherits`` links each partition to its parent (``inhdetachpending`` marks one a
``DETACH ... CONCURRENTLY`` left half done: it must be finished with ``FINALIZE``);
``pg_get_expr(relpartbound)`` is the bound as PostgreSQL spells it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class Partition:
    name: str
    bound: str  # FOR VALUES ... or DEFAULT
    leaf: bool  # a plain table (False: itself partitioned)
    detach_pending: bool


_PARTITIONS = text(
    """
    SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.relkind = 'r', i.inhdetachpending
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    JOIN pg_namespace n ON n.oid = p.relnamespace
    WHERE p.relname = :parent AND p.relkind = 'p'
      AND n.nspname = coalesce(:schema, current_schema())
    ORDER BY c.relname
    """
)

_PENDING_COLUMN = text(
    "SELECT 1 FROM pg_attribute WHERE attrelid = 'pg_inherits'::regclass "
    "AND attname = 'inhdetachpending'"
)


def partitions(conn: Connection, parent: str, schema: str | None = None) -> dict[str, Partition]:
    """The partitions of ``parent`` (empty when it is not a partitioned table)."""
    statement = _PARTITIONS
    if conn.execute(_PENDING_COLUMN).first() is None:  # before PostgreSQL 14
        statement = text(_PARTITIONS.text.replace("i.inhdetachpending", "false"))
    rows = conn.execute(statement, {"parent": parent, "schema": schema})
    return {name: Partition(name, bound, leaf, pending) for name, bound, leaf, pending in rows}


def has_default(found: dict[str, Partition]) -> bool:
    return any(p.bound.upper() == "DEFAULT" for p in found.values())


def concurrent_detach_possible(conn: Connection, found: dict[str, Partition]) -> bool:
    """PostgreSQL 14+ detaches CONCURRENTLY, except while a DEFAULT partition exists."""
    return (conn.dialect.server_version_info or (0,)) >= (14,) and not has_default(found)


_ATTACHED = text(
    """
    SELECT 1 FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relname = :name AND n.nspname = coalesce(:schema, current_schema())
    """
)

_PARTITION_NAMES = text(
    """
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relispartition AND c.relkind IN ('r', 'p')
      AND n.nspname = coalesce(:schema, current_schema())
    """
)


def is_attached(conn: Connection, name: str, schema: str | None = None) -> bool:
    """Whether the table or index ``name`` is a partition of another (attached)."""
    return conn.execute(_ATTACHED, {"name": name, "schema": schema}).first() is not None


def partition_names(conn: Connection, schema: str | None = None) -> set[str]:
    """Every table of ``schema`` that is a partition of another (PostgreSQL 10+)."""
    return {name for (name,) in conn.execute(_PARTITION_NAMES, {"schema": schema})}

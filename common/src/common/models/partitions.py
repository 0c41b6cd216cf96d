"""Declaratively partitioned tables: the parent's key and its partitions, in the model.

SQLAlchemy already spells the parent (``postgresql_partition_by="RANGE (created_at)"``
renders ``PARTITION BY RANGE (created_at)``) but has no notion of its partitions, and a
partitioned table without partitions accepts no rows. The workbench reads them from the
table's ``info["partitions"]``: partition name -> its bound as PostgreSQL writes it
after ``FOR VALUES`` (``"FROM ('2025-01-01') TO ('2026-01-01')"``, ``"IN ('eu')"``,
``"WITH (MODULUS 4, REMAINDER 0)"``) or ``"DEFAULT"``. ``partitioned()`` builds both::

    class Event(SQLModel, table=True):
        __table_args__ = partitioned("RANGE (created_at)", {
            "event_2025": "FROM ('2025-01-01') TO ('2026-01-01')",
            "event_default": "DEFAULT",
        })

Bounds are SQL the model's author writes, like a ``server_default`` text. Both parts are
PostgreSQL's: other databases create a plain table (SQLAlchemy ignores
``postgresql_*`` options there, and so does the workbench for the partitions), so one
model file still serves a SQLite or MariaDB development database.

``create_all`` creates the declared partitions after their parent (the ``after_create``
listener below), so a test database built from the models is the one update-db builds.
Generated revisions write them as ``op.create_partition`` steps instead (the
``create_table`` they write carries no declaration, and offline there is no connection
for the listener to run on).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, event
from sqlalchemy.schema import DDL

KEY = "partitions"


def partitioned(by: str, partitions: Mapping[str, str], **table_args: Any) -> dict[str, Any]:
    """``__table_args__`` for a table partitioned ``by`` (``"RANGE (col)"``, ``"LIST
    (col)"``, ``"HASH (col)"``) into ``partitions`` (name -> bound, see the module)."""
    info = {**table_args.pop("info", {}), KEY: dict(partitions)}
    return {"postgresql_partition_by": by, "info": info, **table_args}


def partition_by(table: Table) -> str | None:
    """The parent's ``PARTITION BY`` clause, or None for a plain table."""
    return table.dialect_options["postgresql"].get("partition_by")


def declared_partitions(table: Table) -> dict[str, str]:
    """name -> bound of the partitions the model declares (empty for a plain table)."""
    if not partition_by(table):
        return {}
    return dict(table.info.get(KEY) or {})


def bound_clause(bound: str) -> str:
    """``DEFAULT`` or ``FOR VALUES <bound>``, as ``CREATE TABLE ... PARTITION OF`` takes it."""
    text = " ".join(bound.split())
    if text.upper() == "DEFAULT" or text.upper().startswith("FOR VALUES"):
        return text
    return f"FOR VALUES {text}"


def _quoted(preparer: Any, schema: str | None, name: str) -> str:
    return (
        f"{preparer.quote_schema(schema)}.{preparer.quote(name)}"
        if schema
        else preparer.quote(name)
    )


@event.listens_for(Table, "after_create")
def _create_partitions(table: Table, connection: Any, **kw: Any) -> None:
    if not isinstance(connection, Connection) or connection.dialect.name != "postgresql":
        return  # offline (--sql) there is no connection: the script's ops write them
    preparer = connection.dialect.identifier_preparer
    parent = _quoted(preparer, table.schema, table.name)
    for name, bound in declared_partitions(table).items():
        child = _quoted(preparer, table.schema, name)
        statement = f"CREATE TABLE {child} PARTITION OF {parent} {bound_clause(bound)}"
        connection.execute(DDL(statement.replace("%", "%%")))  # DDL() formats with %

"""The bookkeeping tables of many tenant schemas of one database, in three queries.

``status --fleet`` (and the at-head check of ``update-db --fleet``) would otherwise pay
half a dozen round trips per tenant (has the schema, has ``alembic_version``, read it,
has ``alembic_history``, read it): 1,200 statements for 200 tenants. Here one catalog
query says which schemas exist and which of the two tables each has; one ``UNION ALL``
reads every ``alembic_version``, one every ``alembic_history``. Schema names travel as
quoted identifiers (``table(..., schema=...)``) and bound parameters, never as text.
A target without a tenant schema (``None``) is read the same way, unqualified.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import (
    Connection,
    String,
    and_,
    cast,
    column,
    inspect,
    literal,
    select,
    table,
    union_all,
)

from common.runner.history import HISTORY_TABLE

VERSION_TABLE = "alembic_version"
_HISTORY_COLUMNS = ("id", "revision", "direction", "status", "checksum")
_namespaces = table("pg_namespace", column("oid"), column("nspname"))
_classes = table("pg_class", column("relname"), column("relnamespace"))
CHUNK = 250  # schemas per UNION ALL


@dataclass
class Bookkeeping:
    """What one schema's ``alembic_version`` and ``alembic_history`` hold."""

    exists: bool = True
    versions: list[str] = field(default_factory=list)
    history: list[tuple] = field(
        default_factory=list
    )  # (id, revision, direction, status, checksum)


def read_bookkeeping(connection: Connection, schemas: list[str | None]) -> dict:
    """``{schema: Bookkeeping}`` for each schema (``None``: the connection's own)."""
    tables = _tables(connection, schemas)
    found = {s: Bookkeeping(exists=s in tables) for s in schemas}
    with_version = [s for s in schemas if VERSION_TABLE in tables.get(s, ())]
    for schema, version in _rows(connection, VERSION_TABLE, ("version_num",), with_version):
        found[schema].versions.append(version)
    with_history = [s for s in schemas if HISTORY_TABLE in tables.get(s, ())]
    for schema, *row in _rows(connection, HISTORY_TABLE, _HISTORY_COLUMNS, with_history):
        found[schema].history.append(tuple(row))
    for book in found.values():
        book.history.sort()
    return found


def _tables(connection: Connection, schemas: list[str | None]) -> dict[str | None, set[str]]:
    """Which of the two tables each existing schema has."""
    found: dict[str | None, set[str]] = {}
    if None in schemas:
        inspector = inspect(connection)
        found[None] = {t for t in (VERSION_TABLE, HISTORY_TABLE) if inspector.has_table(t)}
    named = [s for s in schemas if s is not None]
    if named:
        joined = _namespaces.outerjoin(
            _classes,
            and_(
                _classes.c.relnamespace == _namespaces.c.oid,
                _classes.c.relname.in_([VERSION_TABLE, HISTORY_TABLE]),
            ),
        )
        query = (
            select(_namespaces.c.nspname, _classes.c.relname)
            .select_from(joined)
            .where(_namespaces.c.nspname.in_(named))
        )
        grouped: dict[str | None, set[str]] = defaultdict(set)
        for schema, name in connection.execute(query):
            grouped[schema].update([name] if name else [])
        found.update(grouped)
    return found


def _rows(connection: Connection, name: str, columns: tuple[str, ...], schemas: list):
    """Every row of table ``name`` in each schema, the schema first."""
    for start in range(0, len(schemas), CHUNK):
        parts = []
        for schema in schemas[start : start + CHUNK]:
            source = table(name, *(column(c) for c in columns), schema=schema)
            label = cast(literal(schema or ""), String).label("tenant")
            parts.append(select(label, *source.c))
        for row in connection.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
            yield (row[0] or None, *row[1:])

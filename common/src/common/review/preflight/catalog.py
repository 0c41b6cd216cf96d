"""What the pre-flight reads of the target besides its rows, once per table.

The primary key (for sample keys), the column types (the UNIQUE hash and the typed
arrays depend on them), the keys already unique, the statistics that choose between an
exact count and a time-boxed scan, and the columns of a swapped enum type. One
SQLAlchemy inspector serves all the lookups, so its reflection cache is shared.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, inspect, text

from common.review.preflight.bounds import STATISTIC, Bounds, TimeBox, estimated_rows, method
from common.review.preflight.changes import Change


class Catalog:
    """The target's connection plus what the counts look up once per table."""

    def __init__(self, connection: Connection, bounds: Bounds) -> None:
        self.connection = connection
        self.bounds = bounds
        self.dialect = connection.dialect
        self.version = int(getattr(connection.dialect, "server_version_info", (0,))[0]) * 10000
        self._inspector = inspect(connection)  # one reflection cache for all the lookups
        self._present: dict[tuple, bool] = {}
        self._keys: dict[tuple, list[str]] = {}
        self._kinds: dict[tuple, dict[str, Any]] = {}
        self._methods: dict[tuple, tuple[bool, str]] = {}

    def missing(self, change: Change) -> str | None:
        """The table ``change`` reads that the target does not have (the step's own, or a
        foreign key's referred one), or None: a target that drifted from its revisions."""
        for name in (change.table, change.referent):
            if name is None:
                continue
            if (name, change.schema) not in self._present:
                present = self._inspector.has_table(name, schema=change.schema)
                self._present[(name, change.schema)] = present
            if not self._present[(name, change.schema)]:
                return name
        return None

    def keys(self, name: str, schema: str | None) -> list[str]:
        if (name, schema) not in self._keys:
            primary = self._inspector.get_pk_constraint(name, schema=schema)
            self._keys[(name, schema)] = list(primary.get("constrained_columns") or [])
        return self._keys[(name, schema)]

    def kinds(self, name: str, schema: str | None) -> dict[str, Any]:
        """The table's column types by name (the UNIQUE hash depends on them)."""
        if (name, schema) not in self._kinds:
            found = self._inspector.get_columns(name, schema=schema)
            self._kinds[(name, schema)] = {c["name"]: c["type"] for c in found}
        return self._kinds[(name, schema)]

    def unique_keys(self, name: str, schema: str | None) -> list[tuple[str, tuple[str, ...]]]:
        """``(name, columns)`` of the table's primary key, unique constraints and plain
        unique indexes (no expression, no WHERE): what the rows already keep unique."""
        inspector, found = self._inspector, []
        primary = inspector.get_pk_constraint(name, schema=schema)
        if primary.get("constrained_columns"):
            found.append((primary.get("name") or "primary key", primary["constrained_columns"]))
        for unique in inspector.get_unique_constraints(name, schema=schema):
            found.append((unique["name"], unique["column_names"]))
        for index in inspector.get_indexes(name, schema=schema):
            options = index.get("dialect_options", {})
            partial = any(k.endswith("_where") and v is not None for k, v in options.items())
            columns = index.get("column_names") or [None]
            if index.get("unique") and not partial and None not in columns:
                found.append((index["name"], columns))
        return [(key, tuple(columns)) for key, columns in found]

    def method(self, name: str, schema: str | None) -> tuple[bool, str]:
        """``(time_boxed, how it is said)`` from the table's statistics."""
        if (name, schema) not in self._methods:
            rows = estimated_rows(self.connection, name, schema)
            self.connection.rollback()
            self._methods[(name, schema)] = method(rows, self.bounds, STATISTIC[self.dialect.name])
        return self._methods[(name, schema)]

    def box(self, boxed: bool) -> TimeBox | None:
        """The time a step's queries get from now, or None (an exact count: no limit)."""
        return TimeBox.starting(self.bounds.timeout) if boxed else None

    def enum_columns(self, change: Change) -> list[Change]:
        """A swapped PostgreSQL enum type: one change per column of that type."""
        query = text(
            "SELECT c.relname, a.attname FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p') "
            "JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE t.typname = :name AND n.nspname = coalesce(:schema, current_schema()) "
            "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
        )
        rows = self.connection.execute(query, {"name": change.enum, "schema": change.schema})
        found = [
            replace(change, table=t, columns=(c,), enum=None, enum_type=change.enum)
            for t, c in rows
        ]
        self.connection.rollback()
        return found

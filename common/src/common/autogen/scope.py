"""What autogenerate compares: which schemas, which tables.

A huge database is often shared: other teams' schemas, partitions, tables an ETL tool
owns. ``WORKBENCH_SCHEMAS``, ``WORKBENCH_INCLUDE_TABLES`` and ``WORKBENCH_EXCLUDE_TABLES``
(comma-separated, shell-style wildcards) narrow the comparison, and because Alembic
applies ``include_name`` before it reflects anything, what is left out is not even read.

Schemas: the default schema, every schema a model table names (so ``__table_args__ =
{"schema": "audit"}`` works with no setting), and the ``WORKBENCH_SCHEMAS`` patterns.
Tables in other schemas are neither reflected nor reported as dropped.

Tables: a pattern matches the bare name (``audit_*``) or the qualified one
(``audit.*``). A table left out is ignored on both sides: not created, not dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import MetaData

BOOKKEEPING_PREFIX = "alembic_"


def split_patterns(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"a, b*"`` -> ``("a", "b*")``; a list passes through."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item and item.strip())


def _matches(patterns: tuple[str, ...], *names: str) -> bool:
    return any(fnmatchcase(name, pattern) for pattern in patterns for name in names)


@dataclass(frozen=True)
class Scope:
    """The schemas and tables one comparison covers."""

    schemas: tuple[str, ...] = ()
    include_tables: tuple[str, ...] = ()
    exclude_tables: tuple[str, ...] = ()
    model_schemas: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Any, metadata: MetaData) -> Scope:
        return cls(
            schemas=split_patterns(settings.schemas),
            include_tables=split_patterns(settings.include_tables),
            exclude_tables=split_patterns(settings.exclude_tables),
            model_schemas=frozenset(t.schema for t in metadata.tables.values() if t.schema),
        )

    @property
    def several_schemas(self) -> bool:
        """Whether Alembic must look beyond the default schema (``include_schemas``)."""
        return bool(self.schemas or self.model_schemas)

    def schema_included(self, schema: str | None) -> bool:
        return schema is None or schema in self.model_schemas or _matches(self.schemas, schema)

    def table_included(self, name: str, schema: str | None) -> bool:
        if name.startswith(BOOKKEEPING_PREFIX):
            return False
        names = (name, f"{schema}.{name}") if schema else (name,)
        if self.include_tables and not _matches(self.include_tables, *names):
            return False
        return not _matches(self.exclude_tables, *names)

    def include_name(self, name: str | None, type_: str, parent_names: dict) -> bool:
        """Alembic's ``include_name``: runs on reflected names, before reflection."""
        if type_ == "schema":
            return self.schema_included(name)
        if type_ == "table" and name:
            return self.table_included(name, parent_names.get("schema_name"))
        return True

    def include_object(
        self, obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        """Alembic's ``include_object``: also leaves out model tables outside the scope."""
        if type_ != "table" or not name:
            return True
        schema = obj.schema
        if schema is not None and not self.schema_included(schema):
            return False
        return self.table_included(name, schema)

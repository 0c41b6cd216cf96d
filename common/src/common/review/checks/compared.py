"""The schemas the review compares: the ones autogenerate compares.

That is the default schema, every schema a model table or a native enum type names, and
the ``WORKBENCH_SCHEMAS`` patterns (``common.autogen.scope``). The round trip snapshots
and seeds them all, drift compares them (``compare_metadata`` takes the same scope), and
the impact check reads the statistics of the schema each statement names. Without this
the review saw ``current_schema()`` alone, and a broken downgrade in ``audit`` passed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, MetaData, inspect

from common.autogen.enums import native_enum, type_schema
from common.autogen.scope import Scope
from common.config import Settings
from common.errors import WorkbenchError
from common.models import load_metadata


def _enum_schemas(metadata: MetaData) -> frozenset[str]:
    found = set()
    for table in metadata.tables.values():
        for column in table.columns:
            enum = native_enum(column.type)
            schema = type_schema(enum) if enum is not None else None
            if schema:
                found.add(schema)
    return frozenset(found)


@dataclass(frozen=True)
class ComparedSchemas:
    """Answers "does the review compare this schema?" (the default one always)."""

    scope: Scope
    enum_schemas: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> ComparedSchemas:
        try:
            metadata = load_metadata(settings.models_module)
        except WorkbenchError:  # the drift check reports it; the default schema still counts
            metadata = MetaData()
        return cls(Scope.from_settings(settings, metadata), _enum_schemas(metadata))

    def __call__(self, schema: str) -> bool:
        return self.scope.schema_included(schema) or schema in self.enum_schemas

    def present(self, connection: Connection) -> tuple[str, ...]:
        """The compared schemas ``connection``'s database has, the default one left out."""
        inspector = inspect(connection)
        default = inspector.default_schema_name
        names = inspector.get_schema_names() if connection.dialect.name == "postgresql" else []
        return tuple(name for name in names if name != default and self(name))

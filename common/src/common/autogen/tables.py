"""Table comparison at the speed of bulk reflection: Alembic's, minus the unchanged tables.

Replaces Alembic's ``alembic.autogenerate.tables`` comparator (PLUGINS excludes it) with
the same steps in the same order, plus two changes that make a large schema cheap:

- Every table of every compared schema is reflected with one ``get_multi_*`` call per
  kind of object and schema (Alembic 1.20 pre-caches the first schema only, and falls
  back to one query per table in the others), so the number of statements does not
  grow with the number of tables.
- Tables that ``common.autogen.unchanged`` proves unchanged from those plain dicts are
  not turned into ``Table`` objects nor passed through the per-table comparators;
  that object building is most of Alembic's time on an in-sync schema. Every other
  table (added, removed, or possibly changed) goes through Alembic's own comparison.
- The partitions of a partitioned table are not compared as tables of their own
  (common.autogen.partitions compares them as the parent's partitions).
"""

from __future__ import annotations

import warnings
from typing import Any

from alembic.util import PriorityDispatchResult
from sqlalchemy.sql.ddl import sort_tables
from sqlalchemy.util import OrderedSet

from common.alembic_private import INSPECTOR_KEYS, compare_tables
from common.autogen import (
    aspects,
    computed_spelling,
    partitions,
    reflect_mysql,
    reflect_sqlite,
    sequences,
)
from common.autogen.adopt import adopting
from common.autogen.unchanged import TableComparer, unchanged_tables


def reflect_in_bulk(inspector: Any, tables_by_schema: dict[str | None, tuple[list, set]]) -> None:
    """Fill Alembic's reflection cache with one ``get_multi_*`` call per kind and schema.

    ``tables_by_schema`` maps a schema to (tables to compare, tables that exist). When
    most of a schema is compared, asking for all of it is cheaper than a long name list.
    On MariaDB and SQLite, whose dialects reflect one table at a time, the workbench's
    own bulk readers fill it instead; a table they leave out is reflected by itself.
    """
    for reader in (reflect_mysql, reflect_sqlite):
        if reader.supported(inspector.dialect):
            wanted = {schema: names for schema, (names, _) in tables_by_schema.items()}
            found = reader.reflect(inspector.bind, wanted)
            for key in INSPECTOR_KEYS:
                inspector.info_cache[f"alembic_{key}"] = found.get(key, {})
            return
    for key in INSPECTOR_KEYS:
        merged: dict | type[NotImplementedError] = {}
        method = getattr(inspector, f"get_multi_{key}")
        for schema, (names, available) in tables_by_schema.items():
            if not names:
                continue
            filter_names = None if len(names) * 2 > len(available) else names
            try:
                merged.update(method(schema=schema, filter_names=filter_names))
            except NotImplementedError:
                merged = NotImplementedError
                break
        inspector.info_cache[f"alembic_{key}"] = merged


def _in_creation_order(
    models: dict[tuple[str | None, str], Any],
    conn_table_names: set[tuple[str | None, str]],
    unchanged: set[tuple[str | None, str]],
) -> OrderedSet:
    """Model tables left to compare, the new ones in foreign-key order.

    Alembic orders all model tables (``MetaData.sorted_tables``), which costs more than
    the whole comparison on a large schema; only the tables to create need an order.
    """
    new = [table for key, table in models.items() if key not in conn_table_names]
    existing = [
        table for key, table in models.items() if key in conn_table_names and key not in unchanged
    ]
    return OrderedSet((table.schema, table.name) for table in [*sort_tables(new), *existing])


def _reflected_columns(cache: dict[str, Any], pairs: list) -> list[tuple[list[dict], Any]]:
    """(reflected column dicts, model table) for the pairs whose columns the cache holds."""
    columns = cache.get("alembic_columns")
    if not isinstance(columns, dict):
        return []
    return [(columns[key], table) for key, table in pairs if key in columns]


def _shortcut_proofs(autogen_context: Any) -> list | None:
    """The proofs of what the registered comparators compare; None: no shortcut.

    User callables for type or default comparison may see differences no proof can, and
    so may comparators that compare what nothing proves (warned about)."""
    opts = autogen_context.migration_context.opts
    if callable(opts.get("compare_type")) or callable(opts.get("compare_server_default")):
        return None
    proofs, problems = aspects.needed(autogen_context.comparators)
    if problems:
        warnings.warn(
            "the unchanged-table shortcut is off, every table takes the full comparison: "
            + "; ".join(problems),
            stacklevel=2,
        )
        return None
    return proofs


def _autogen_for_tables(
    autogen_context: Any, upgrade_ops: Any, schemas: set[str | None]
) -> PriorityDispatchResult:
    inspector = autogen_context.inspector
    migration_context = autogen_context.migration_context
    version_key = (migration_context.version_table_schema, migration_context.version_table)

    conn_table_names: set[tuple[str | None, str]] = set()
    tables_by_schema: dict[str | None, tuple[list, set]] = {}
    for schema in schemas:
        available = set(inspector.get_table_names(schema=schema))
        available -= partitions.hidden_partitions(autogen_context, schema)
        tables = available - {version_key[1]} if schema == version_key[0] else available
        names = [
            name
            for name in tables
            if autogen_context.run_name_filters(name, "table", {"schema_name": schema})
        ]
        conn_table_names.update((schema, name) for name in names)
        tables_by_schema[schema] = (names, available)
    reflect_in_bulk(inspector, tables_by_schema)

    default_schema = autogen_context.dialect.default_schema_name
    models = {
        (None if table.schema == default_schema else table.schema, table.name): table
        for table in autogen_context.table_key_to_table.values()
        if (table.schema, table.name) != version_key
    }
    pairs = [(key, models[key]) for key in conn_table_names if key in models]
    computed_spelling.probe(autogen_context, _reflected_columns(inspector.info_cache, pairs))
    unchanged: set[tuple[str | None, str]] = set()
    proofs = _shortcut_proofs(autogen_context)
    if proofs is not None:
        owners = sequences.owned_sequences(autogen_context)
        adopt = adopting(autogen_context)
        comparer = TableComparer(autogen_context, owners.get, proofs, names_count=adopt)
        unchanged = unchanged_tables(comparer, inspector.info_cache, pairs)

    compare_tables(
        conn_table_names - unchanged,
        _in_creation_order(models, conn_table_names, unchanged),
        inspector,
        upgrade_ops,
        autogen_context,
    )
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(_autogen_for_tables, "schema", "tables")

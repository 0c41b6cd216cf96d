"""Schemas the models name but the database lacks: ``create_schema`` before anything else.

Scope includes every schema a model table names (common.autogen.scope), but Alembic
compares only the schemas the database has, and ``create_table`` in a missing schema
fails. So a schema named by a model table or enum type (``sa.Enum(..., schema=...)``)
and absent from the database gets ``op.create_schema`` at the start of the upgrade; the
downgrade drops it last, after its tables and types (common.render.schemas keeps that
order). A schema the models stop naming is left alone: it may hold what others own.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult

from common.autogen.enums import native_enum, type_schema
from common.ops.schemas import CreateSchemaOp


def model_schemas(autogen_context: Any) -> set[str]:
    """Schemas of the model tables and of their native enum types (default one left out)."""
    default_schema = autogen_context.dialect.default_schema_name
    named: set[str | None] = set()
    for table in autogen_context.table_key_to_table.values():
        named.add(table.schema)
        for column in table.columns:
            enum = native_enum(column.type)
            if enum is not None:
                named.add(type_schema(enum, default_schema))
    return {schema for schema in named if schema not in (None, default_schema)}


def _compare_schemas(
    autogen_context: Any, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    present = set(autogen_context.inspector.get_schema_names())
    missing = sorted(model_schemas(autogen_context) - present)
    upgrade_ops.ops[:0] = [CreateSchemaOp(name) for name in missing]
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _compare_schemas,
        "schema",
        "create_schemas",
        qualifier="postgresql",
        priority=DispatchPriority.LAST,
    )

"""Database objects beyond tables: the comparator that turns declarations into ops.

Registered as an autogenerate plugin at the schema level, after the table comparison
(priority LAST), because it orders its ops around the table changes already in the
upgrade: objects that depend on a column being retyped or dropped are dropped before
the ALTER and created again after it. On PostgreSQL the steps are: one catalog round
(``candidates.render``: the declarations created under temporary names in a rolled-back
savepoint, read back with the live objects), then ``plan.plan``. MySQL and SQLite
compare views and triggers (``other_dialects``) and refuse the other kinds in one line.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult

from common.autogen.objects import candidates, other_dialects
from common.autogen.objects.plan import normalized, plan
from common.models.db_objects import DbObject, declared


def declared_objects(autogen_context: Any) -> list[DbObject]:
    metadata = autogen_context.metadata
    if metadata is None:
        return []
    if not isinstance(metadata, list | tuple):
        metadata = [metadata]
    return [obj for each in metadata for obj in declared(each)]


def altered_columns(upgrade_ops: ops.UpgradeOps, default_schema: str) -> set[tuple]:
    """(schema, table, column) of the columns this revision retypes or drops."""
    found = set()
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        schema = table_ops.schema or default_schema
        for op in table_ops.ops:
            retyped = isinstance(op, ops.AlterColumnOp) and op.modify_type is not None
            if retyped or isinstance(op, ops.DropColumnOp):
                found.add((schema, table_ops.table_name, op.column_name))
    return found


def _compare_objects(
    autogen_context: Any, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    objects = declared_objects(autogen_context)
    connection = autogen_context.connection
    if connection is None:
        return PriorityDispatchResult.CONTINUE
    if connection.dialect.name != "postgresql":
        other_dialects.compare(connection, objects, upgrade_ops)
        return PriorityDispatchResult.CONTINUE
    default = connection.dialect.default_schema_name
    objects = normalized(objects, default)
    altered = altered_columns(upgrade_ops, default)
    if not objects and not altered:
        return PriorityDispatchResult.CONTINUE
    names = sorted(
        {schema or default for schema in schemas}
        | {obj.schema for obj in objects if obj.kind != "extension" and obj.schema}
    )
    numbered = {n: obj for n, obj in enumerate(objects) if obj.kind != "extension"}
    rendered = candidates.render(connection, names, numbered, dependencies=True)
    steps = plan(objects, rendered.candidates, rendered.catalog, altered, default)
    upgrade_ops.ops[:0] = steps.before
    upgrade_ops.ops.extend(steps.after)
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _compare_objects, "schema", "db_objects", priority=DispatchPriority.LAST
    )

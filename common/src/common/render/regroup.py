"""Splitting a table's grouped changes around steps that must run on their own.

Autogenerate groups a table's changes in one ``ModifyTableOps`` (one
``batch_alter_table`` block on SQLite). A workbench call (``op.batch_update``,
``op.create_index_concurrently``...) cannot sit inside such a group, so the group is cut
where one appears, keeping every step in its original order.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic.operations import ops

from common.render.notes import KEY

# an inner op -> None (keep it in the group) or the top-level ops replacing it
Replacer = Callable[[ops.MigrateOperation], list[ops.MigrateOperation] | None]


def tables_created(container: ops.OpContainer) -> set[str]:
    return {op.table_name for op in container.ops if isinstance(op, ops.CreateTableOp)}


def regroup(container: ops.OpContainer, replace: Replacer) -> None:
    """Apply ``replace`` to the changes of every table that exists before this script."""
    created = tables_created(container)
    result: list[ops.MigrateOperation] = []
    for op in container.ops:
        if not isinstance(op, ops.ModifyTableOps) or op.table_name in created:
            result.append(op)
            continue
        group: list[ops.MigrateOperation] = []
        for inner in op.ops:
            replacement = replace(inner)
            if replacement is None:
                group.append(inner)
                continue
            if group:
                result.append(ops.ModifyTableOps(op.table_name, group, schema=op.schema))
                group = []
            if replacement and (inner.info or {}).get(KEY):
                replacement[0].info.setdefault(KEY, []).extend(inner.info[KEY])
            result.extend(replacement)
        if group:
            result.append(ops.ModifyTableOps(op.table_name, group, schema=op.schema))
    container.ops = result

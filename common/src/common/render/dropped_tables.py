"""A table's indexes go with the table: no separate drop_index before drop_table.

Autogenerate drops each index and then its table. MySQL/MariaDB refuse the index drop
when a foreign key needs that index ("Cannot drop index ...: needed in a foreign key
constraint"), and on every database the extra statements only lengthen the script.
"""

from __future__ import annotations

from alembic.operations import ops


def _table_key(schema: str | None, table: str) -> tuple[str | None, str]:
    return (schema, table)


def _is_index_of(op: ops.MigrateOperation, dropped: set) -> bool:
    return isinstance(op, ops.DropIndexOp) and _table_key(op.schema, op.table_name) in dropped


def drop_indexes_with_their_table(operations: ops.OpContainer) -> None:
    """Remove index drops (top level or grouped per table) for tables dropped whole."""
    dropped = {
        _table_key(op.schema, op.table_name)
        for op in operations.ops
        if isinstance(op, ops.DropTableOp)
    }
    if not dropped:
        return
    kept: list[ops.MigrateOperation] = []
    for op in operations.ops:
        if isinstance(op, ops.ModifyTableOps):
            op.ops = [inner for inner in op.ops if not _is_index_of(inner, dropped)]
            if not op.ops:
                continue
        elif _is_index_of(op, dropped):
            continue
        kept.append(op)
    operations.ops = kept

"""A table's indexes go with the table: no separate drop_index before drop_table.

Autogenerate drops each index and then its table. MySQL/MariaDB refuse the index drop
when a foreign key needs that index ("Cannot drop index ...: needed in a foreign key
constraint"), and on every database the extra statements only lengthen the script.
"""

from __future__ import annotations

from alembic.operations import ops


def _table_key(schema: str | None, table: str) -> tuple[str | None, str]:
    return (schema, table)


def drop_indexes_with_their_table(operations: ops.OpContainer) -> None:
    dropped = {
        _table_key(op.schema, op.table_name)
        for op in operations.ops
        if isinstance(op, ops.DropTableOp)
    }
    if not dropped:
        return
    operations.ops = [
        op
        for op in operations.ops
        if not (
            isinstance(op, ops.DropIndexOp)
            and _table_key(op.schema, op.table_name) in dropped
        )
    ]

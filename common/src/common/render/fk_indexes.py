"""On MySQL/MariaDB, every dropped foreign key is followed by dropping its implicit index.

See ``common.ops.fk_indexes``: InnoDB keeps the index it created for a foreign key after
the key is dropped, so the revision would not converge to the models without this step.
"""

from __future__ import annotations

from alembic.operations import ops

from common.ops.fk_indexes import MYSQL_DIALECTS, DropForeignKeyIndexOp


def drop_foreign_key_indexes(container: ops.OpContainer, dialect: str) -> None:
    """Insert ``op.drop_foreign_key_index`` after each named foreign key dropped."""
    if dialect not in MYSQL_DIALECTS:
        return
    for table_ops in container.ops:
        if isinstance(table_ops, ops.ModifyTableOps):
            table_ops.ops = [step for op in table_ops.ops for step in _with_index_drop(op)]


def _with_index_drop(op: ops.MigrateOperation) -> list[ops.MigrateOperation]:
    if (
        isinstance(op, ops.DropConstraintOp)
        and op.constraint_type == "foreignkey"
        and op.constraint_name
    ):
        name = str(op.constraint_name)
        return [op, DropForeignKeyIndexOp(op.table_name, name, schema=op.schema)]
    return [op]

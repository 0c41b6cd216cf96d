"""An identity option change is written with the column's current identity beside it.

Alembic's ``alter_column`` renderer writes ``existing_server_default`` only when the
default itself does not change, so a script changing ``Identity(start=1)`` to
``Identity(start=100)`` would lose the old identity that ``common.autogen.identity``
recorded, and PostgreSQL would be asked to ``ADD GENERATED`` an identity the column
already has. The workbench's ``AlterColumnOp`` (``common.autogen.alter_column``) with
``keep_existing_default`` writes both, so Alembic emits ``SET START`` / ``SET INCREMENT``;
the downgrade op is the same with the two swapped.
"""

from __future__ import annotations

from alembic.operations import ops
from sqlalchemy import Identity

from common.autogen.alter_column import AlterColumnOp


def _is_identity_change(op: ops.MigrateOperation) -> bool:
    return (
        isinstance(op, ops.AlterColumnOp)
        and isinstance(op.modify_server_default, Identity)
        and isinstance(op.existing_server_default, Identity)
    )


def write_identity_changes(operations: ops.OpContainer) -> None:
    """Identity-to-identity ``alter_column`` steps keep the current identity in the script."""
    for container in operations.ops:
        if isinstance(container, ops.ModifyTableOps):
            container.ops = [
                AlterColumnOp.from_op(op, keep_existing_default=True)
                if _is_identity_change(op)
                else op
                for op in container.ops
            ]

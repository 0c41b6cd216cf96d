"""An identity option change is written with the column's current identity beside it.

Alembic's ``alter_column`` renderer writes ``existing_server_default`` only when the
default itself does not change, so a script changing ``Identity(start=1)`` to
``Identity(start=100)`` would lose the old identity that ``common.autogen.identity``
recorded, and PostgreSQL would be asked to ``ADD GENERATED`` an identity the column
already has. ``IdentityChangeOp`` renders both, so Alembic emits ``SET START`` /
``SET INCREMENT``; the downgrade op is the same with the two swapped.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.render import _alter_column, _render_server_default
from alembic.operations import ops
from sqlalchemy import Identity


class IdentityChangeOp(ops.AlterColumnOp):
    """``alter_column`` from one identity to another, both written in the script."""


def _is_identity_change(op: ops.MigrateOperation) -> bool:
    return (
        isinstance(op, ops.AlterColumnOp)
        and isinstance(op.modify_server_default, Identity)
        and isinstance(op.existing_server_default, Identity)
    )


def _as_identity_change(op: ops.AlterColumnOp) -> IdentityChangeOp:
    changed = IdentityChangeOp(op.table_name, op.column_name, schema=op.schema)
    changed.__dict__.update(op.__dict__)
    return changed


def write_identity_changes(operations: ops.OpContainer) -> None:
    """Turn identity-to-identity ``alter_column`` steps into ``IdentityChangeOp``."""
    for container in operations.ops:
        if isinstance(container, ops.ModifyTableOps):
            container.ops = [
                _as_identity_change(op) if _is_identity_change(op) else op for op in container.ops
            ]


@renderers.dispatch_for(IdentityChangeOp)
def _render_identity_change(autogen_context: Any, op: IdentityChangeOp) -> str:
    text = _alter_column(autogen_context, op)
    existing = _render_server_default(op.existing_server_default, autogen_context)
    return f"{text[:-1]},\n           existing_server_default={existing})"

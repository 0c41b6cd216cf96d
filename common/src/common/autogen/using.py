"""An ``alter_column`` that carries its PostgreSQL cast (``postgresql_using``) both ways.

Alembic's ``AlterColumnOp`` accepts ``postgresql_using`` when run, but autogenerate never
writes it, and ``reverse()`` would hand the upgrade's cast to the downgrade. This
subclass keeps one cast per direction and renders the right one.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.render import _alter_column
from alembic.operations import ops


class AlterColumnUsingOp(ops.AlterColumnOp):
    """``alter_column`` with ``postgresql_using=using``; its reverse uses ``reverse_using``."""

    using: str | None = None
    reverse_using: str | None = None

    @classmethod
    def from_op(cls, op: ops.AlterColumnOp, using: str | None, reverse_using: str | None):
        new = cls(
            op.table_name,
            op.column_name,
            schema=op.schema,
            existing_type=op.existing_type,
            existing_server_default=op.existing_server_default,
            existing_nullable=op.existing_nullable,
            existing_comment=op.existing_comment,
            modify_nullable=op.modify_nullable,
            modify_comment=op.modify_comment,
            modify_server_default=op.modify_server_default,
            modify_name=op.modify_name,
            modify_type=op.modify_type,
            **op.kw,
        )
        new.using, new.reverse_using = using, reverse_using
        return new

    def reverse(self) -> AlterColumnUsingOp:
        base = super().reverse()
        base.using, base.reverse_using = self.reverse_using, self.using
        return base


@renderers.dispatch_for(AlterColumnUsingOp)
def _render(autogen_context: Any, op: AlterColumnUsingOp) -> str:
    text = _alter_column(autogen_context, op)
    if op.using is None or op.modify_type is None:
        return text
    return f"{text[:-1]},\n    postgresql_using={op.using!r},\n)"

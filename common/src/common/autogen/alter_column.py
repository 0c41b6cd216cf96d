"""``alter_column`` with the two things Alembic's renderer leaves out, rendered whole.

Alembic's ``AlterColumnOp`` accepts ``postgresql_using`` when run, but its renderer never
writes it (nor any other dialect keyword), and ``reverse()`` would hand the upgrade's
cast to the downgrade. And it writes ``existing_server_default`` only when the default
itself does not change, so a change from ``Identity(start=1)`` to ``Identity(start=100)``
would lose the old identity ``common.autogen.identity`` recorded, and PostgreSQL would be
asked to ``ADD GENERATED`` an identity the column already has.

``AlterColumnOp`` here keeps one cast per direction and, when asked, the current
identity; its renderer, registered with ``renderers.dispatch_for``, writes the whole
call from the op's attributes in Alembic's keyword order, with types and defaults spelled
by Alembic's own renderers (``common.alembic_private``), never by editing Alembic's text.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import ops

from common.alembic_private import render_server_default, repr_type

_INDENT = " " * 11


class AlterColumnOp(ops.AlterColumnOp):
    """``alter_column`` with ``postgresql_using=using`` (the reverse uses ``reverse_using``),
    and with ``existing_server_default`` written beside a changed one when
    ``keep_existing_default`` (identity option changes)."""

    def __init__(
        self,
        table_name: str,
        column_name: str,
        *,
        using: str | None = None,
        reverse_using: str | None = None,
        keep_existing_default: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(table_name, column_name, **kw)
        self.using, self.reverse_using = using, reverse_using
        self.keep_existing_default = keep_existing_default

    @classmethod
    def from_op(cls, op: ops.AlterColumnOp, **extra: Any) -> AlterColumnOp:
        """``op`` (its info and notes too) as this class, with ``extra`` attributes set."""
        new = cls(op.table_name, op.column_name, schema=op.schema)
        new.__dict__.update(op.__dict__)
        for name, value in extra.items():
            setattr(new, name, value)
        return new

    def reverse(self) -> AlterColumnOp:
        base = super().reverse()
        base.using, base.reverse_using = self.reverse_using, self.using
        base.keep_existing_default = self.keep_existing_default
        return base


def _keywords(autogen_context: Any, op: AlterColumnOp, batch: bool) -> list[tuple[str, str]]:
    """Alembic's ``alter_column`` keywords, in its order, then the two it leaves out."""

    def type_(value: Any) -> str:
        return repr_type(value, autogen_context)

    def default(value: Any) -> str:
        return render_server_default(value, autogen_context)

    out: list[tuple[str, str]] = []
    if op.existing_type is not None:
        out.append(("existing_type", type_(op.existing_type)))
    if op.modify_server_default is not False:
        out.append(("server_default", default(op.modify_server_default)))
    if op.modify_name is not None:
        out.append(("new_column_name", repr(op.modify_name)))
    if op.modify_type is not None:
        out.append(("type_", type_(op.modify_type)))
    if op.modify_nullable is not None:
        out.append(("nullable", repr(op.modify_nullable)))
    if op.modify_comment is not False:
        out.append(("comment", repr(op.modify_comment)))
    if op.existing_comment is not None:
        out.append(("existing_comment", repr(op.existing_comment)))
    if op.modify_nullable is None and op.existing_nullable is not None:
        out.append(("existing_nullable", repr(op.existing_nullable)))
    if op.kw.get("autoincrement") is not None:
        out.append(("autoincrement", repr(op.kw["autoincrement"])))
    if op.modify_server_default is False and op.existing_server_default:
        out.append(("existing_server_default", default(op.existing_server_default)))
    if op.schema and not batch:
        out.append(("schema", repr(op.schema)))
    changed = op.modify_server_default is not False
    if op.keep_existing_default and changed and op.existing_server_default:
        out.append(("existing_server_default", default(op.existing_server_default)))
    if _writes_using(op):
        out.append(("postgresql_using", repr(op.using)))
    return out


def _writes_using(op: AlterColumnOp) -> bool:
    return op.using is not None and op.modify_type is not None


@renderers.dispatch_for(AlterColumnOp)
def _render_alter_column(autogen_context: Any, op: AlterColumnOp) -> str:
    # every AlterColumnOp sits in a ModifyTableOps, rendered as a batch block when asked
    batch = bool(autogen_context.opts.get("render_as_batch"))
    prefix = "batch_op." if batch else autogen_context.opts.get("alembic_module_prefix") or ""
    names = [op.column_name] if batch else [op.table_name, op.column_name]
    text = f"{prefix}alter_column({', '.join(repr(name) for name in names)}"
    text += "".join(
        f",\n{_INDENT}{name}={value}" for name, value in _keywords(autogen_context, op, batch)
    )
    # a cast keeps a trailing comma, so ruff writes one keyword per line, as it always has
    return text + (",\n)" if _writes_using(op) else ")")

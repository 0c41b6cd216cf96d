"""The workbench's ``alter_column`` renders the whole call itself (no database).

Its renderer writes Alembic's keywords from the op's attributes plus the two Alembic
leaves out (``postgresql_using`` per direction, the current identity beside a new one);
these tests pin the exact text, plain and in a batch block, so the scripts read as they
did when the text was spliced onto Alembic's output.
"""

from __future__ import annotations

import textwrap

from alembic.autogenerate import render_python_code
from alembic.operations import ops
from sqlalchemy import BigInteger, Identity, Integer, String

from common.autogen.alter_column import AlterColumnOp
from common.render import render_item


def _render(op: ops.AlterColumnOp, batch: bool = False) -> str:
    up = ops.UpgradeOps([ops.ModifyTableOps(op.table_name, [op], schema=op.schema)])
    text = render_python_code(up, render_as_batch=batch, render_item=render_item)
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return textwrap.dedent("\n".join(lines)).strip()


def _cast(schema: str | None = None) -> AlterColumnOp:
    change = ops.AlterColumnOp(
        "account",
        "code",
        schema=schema,
        existing_type=String(20),
        modify_type=Integer(),
        existing_nullable=False,
    )
    return AlterColumnOp.from_op(change, using="code::INTEGER", reverse_using=None)


def test_a_cast_is_written_in_the_upgrade_and_its_own_reverse_in_the_downgrade():
    up = _cast("app")
    assert _render(up) == (
        "op.alter_column('account', 'code',\n"
        "           existing_type=sa.String(length=20),\n"
        "           type_=sa.Integer(),\n"
        "           existing_nullable=False,\n"
        "           schema='app',\n"
        "           postgresql_using='code::INTEGER',\n"
        ")"
    )
    down = up.reverse()
    assert type(down) is AlterColumnOp and (down.using, down.reverse_using) == (
        None,
        "code::INTEGER",
    )
    assert _render(down) == (
        "op.alter_column('account', 'code',\n"
        "           existing_type=sa.Integer(),\n"
        "           type_=sa.String(length=20),\n"
        "           existing_nullable=False,\n"
        "           schema='app')"
    )


def test_in_a_batch_block_the_call_goes_to_batch_op_without_table_and_schema():
    assert _render(_cast("app"), batch=True) == (
        "with op.batch_alter_table('account', schema='app') as batch_op:\n"
        "    batch_op.alter_column('code',\n"
        "           existing_type=sa.String(length=20),\n"
        "           type_=sa.Integer(),\n"
        "           existing_nullable=False,\n"
        "           postgresql_using='code::INTEGER',\n"
        ")"
    )


def test_an_identity_change_keeps_the_current_identity_after_every_other_keyword():
    change = ops.AlterColumnOp(
        "book",
        "number",
        schema="app",
        existing_type=BigInteger(),
        modify_server_default=Identity(start=100),
        existing_server_default=Identity(always=False, start=1),
    )
    up = AlterColumnOp.from_op(change, keep_existing_default=True)
    assert _render(up) == (
        "op.alter_column('book', 'number',\n"
        "           existing_type=sa.BigInteger(),\n"
        "           server_default=sa.Identity(always=False, start=100),\n"
        "           schema='app',\n"
        "           existing_server_default=sa.Identity(always=False, start=1))"
    )
    assert "server_default=sa.Identity(always=False, start=1),\n" in _render(up.reverse())
    assert _render(up.reverse()).endswith(
        "existing_server_default=sa.Identity(always=False, start=100))"
    )

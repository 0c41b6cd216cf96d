"""``--expand-contract`` on the op tree and the script text, no database: which steps the
expand and the contract get, and each one's downgrade."""

from __future__ import annotations

import ast
import textwrap
from types import SimpleNamespace

import sqlalchemy as sa
from alembic.autogenerate import render_python_code
from alembic.operations import ops
from sqlalchemy.dialects import postgresql

from common.autogen.alter_column import AlterColumnOp
from common.ops.expand._body import sync_body
from common.ops.renames import RenameIndexOp
from common.render.expand_contract import split_script
from common.render.notes import place_notes
from common.render.renames import RenameColumnOp, RenameTableOp
from common.render.risks import note_risks

METADATA = sa.MetaData()
sa.Table(
    "ticket",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("note", sa.String(50), nullable=False, server_default="-"),
)
CONTEXT = SimpleNamespace(dialect=postgresql.dialect(), opts={"target_metadata": METADATA})


def _split(*changes: ops.MigrateOperation) -> list[ops.MigrationScript]:
    upgrade = ops.UpgradeOps(list(changes))
    script = ops.MigrationScript("0002", upgrade, upgrade.reverse(), message="change")
    return split_script(script, CONTEXT, "0003")


def _code(container: ops.OpContainer) -> str:
    """The rendered steps, one statement a line as ``ast.unparse`` spells them."""
    text = render_python_code(container)
    lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
    module = ast.parse(textwrap.dedent("\n".join(lines)))
    return "\n".join(ast.unparse(statement) for statement in module.body)


def _texts(script: ops.MigrationScript) -> tuple[str, str]:
    return _code(script.upgrade_ops), _code(script.downgrade_ops)


def _table(*inner: ops.MigrateOperation) -> ops.ModifyTableOps:
    return ops.ModifyTableOps("ticket", list(inner))


def test_column_rename_adds_syncs_and_backfills_then_contract_drops_the_old_column():
    rename = RenameColumnOp(
        "ticket", "title", modify_name="name", existing_type=sa.String(200), existing_nullable=False
    )
    expand, contract = _split(_table(rename))
    up, down = _texts(expand)
    assert up.splitlines() == [
        "op.add_column('ticket', sa.Column('name', sa.String(length=200), nullable=True))",
        "op.create_sync_trigger('ticket', 'title', 'name', 'title', 'name')",
        "op.batch_update('ticket', {'name': sa.text('title')}, where=sa.column('name').is_(None))",
        "op.set_not_null_safely('ticket', 'name')",
    ]
    assert down.splitlines() == [
        "op.drop_sync_trigger('ticket', 'title', 'name', 'title', 'name')",
        "op.drop_column('ticket', 'name')",
    ]
    up, down = _texts(contract)
    assert up.splitlines() == [
        "op.drop_sync_trigger('ticket', 'title', 'name', 'title', 'name')",
        "op.drop_column('ticket', 'title')",
    ]
    assert down.splitlines() == [  # the old column comes back filled from the new one
        "op.add_column('ticket', sa.Column('title', sa.String(length=200), nullable=True))",
        "op.create_sync_trigger('ticket', 'title', 'name', 'title', 'name')",
        "op.batch_update('ticket', {'title': sa.text('name')}, where=sa.column('title').is_(None))",
        "op.set_not_null_safely('ticket', 'title')",
    ]
    assert (expand.rev_id, contract.rev_id, contract.head) == ("0002", "0003", "0002")


def test_type_change_with_cast_fills_a_second_column_swapped_in_by_the_contract():
    change = AlterColumnOp.from_op(
        ops.AlterColumnOp(
            "ticket",
            "amount",
            existing_type=sa.Text(),
            modify_type=sa.Integer(),
            existing_nullable=True,
        ),
        using="amount::INTEGER",
        reverse_using="amount::TEXT",
    )
    expand, contract = _split(_table(change))
    up, _ = _texts(expand)
    assert "op.add_column('ticket', sa.Column('_amount_new', sa.Integer(), nullable=True))" in up
    assert (
        "op.create_sync_trigger('ticket', 'amount', '_amount_new', 'amount::INTEGER', "
        "'_amount_new')" in up  # integer -> text casts on assignment
    )
    assert "{'_amount_new': sa.text('amount::INTEGER')}" in up
    assert "set_not_null_safely" not in up  # nullable before and after
    up, down = _texts(contract)
    assert up.splitlines()[1:] == [
        "op.drop_column('ticket', 'amount')",
        "op.alter_column('ticket', '_amount_new', existing_type=sa.Integer(), "
        "new_column_name='amount')",
    ]
    assert down.splitlines()[0] == (
        "op.alter_column('ticket', 'amount', existing_type=sa.Integer(), "
        "new_column_name='_amount_new')"
    )
    assert "{'amount': sa.text('_amount_new')}" in down
    place_notes(contract.upgrade_ops)  # no code ever used the temporary name: acknowledged
    text = render_python_code(contract.upgrade_ops)
    assert "# review: ignore[renaming-column] _amount_new is the expand's, no code uses it" in text
    # dropping the old column is the contract's purpose; update-db --contract gates it
    assert "# review: ignore[ban-drop-column] contract phase: no deployed code reads it" in text


def test_widening_types_copy_without_a_cast_either_way():
    for old, new in ((sa.Integer(), sa.BigInteger()), (sa.String(20), sa.Text())):
        change = ops.AlterColumnOp("ticket", "qty", existing_type=old, modify_type=new)
        up, _ = _texts(_split(_table(change))[0])
        assert "op.create_sync_trigger('ticket', 'qty', '_qty_new', 'qty', '_qty_new')" in up


def test_not_null_fills_with_the_default_by_trigger_and_the_contract_sets_it():
    change = ops.AlterColumnOp(
        "ticket",
        "note",
        existing_type=sa.String(50),
        modify_nullable=False,
        existing_nullable=True,
    )
    expand, contract = _split(_table(change))
    assert _texts(expand) == (
        "op.create_fill_trigger('ticket', 'note', \"'-'\")\n"
        "op.batch_update('ticket', {'note': sa.text(\"'-'\")}, where=sa.column('note').is_(None))",
        "op.drop_fill_trigger('ticket', 'note', \"'-'\")",
    )
    up, down = _texts(contract)
    assert up.splitlines() == [
        "op.set_not_null_safely('ticket', 'note')",
        "op.drop_fill_trigger('ticket', 'note', \"'-'\")",
    ]
    assert "nullable=True" in down.splitlines()[1]


def test_table_rename_keeps_the_old_name_as_a_view_until_the_contract():
    expand, contract = _split(RenameTableOp("person", "member"))
    assert _texts(expand) == (
        "op.rename_table('person', 'member')\nop.create_view('person', 'SELECT * FROM member')",
        "op.drop_view('person', 'SELECT * FROM member')\nop.rename_table('member', 'person')",
    )
    assert _texts(contract) == (
        "op.drop_view('person', 'SELECT * FROM member')",
        "op.create_view('person', 'SELECT * FROM member')",
    )
    note_risks(expand.upgrade_ops, "postgresql")  # the old name still works: no warning
    assert not any(op.info.get("notes") for op in expand.upgrade_ops.ops)


def test_a_change_the_old_code_survives_stays_one_revision():
    added = _table(ops.AddColumnOp("ticket", sa.Column("extra", sa.Integer)))
    assert len(_split(added)) == 1


def test_the_sync_trigger_derives_from_whichever_column_the_statement_wrote():
    body = sync_body("ticket", "title", "name", '"title"', '"name"', None)
    assert "title ticket.title%TYPE := NEW.title;" in body
    assert 'IF NEW.name IS NULL THEN\n      NEW.name := ("title");' in body  # old code insert
    assert "ELSIF NEW.name IS DISTINCT FROM OLD.name THEN" in body  # new code update wins
    assert 'ELSIF NEW.title IS DISTINCT FROM OLD.title THEN\n    NEW.name := ("title");' in body


def test_a_renamed_columns_index_is_built_concurrently_instead_of_renamed():
    metadata = sa.MetaData()
    sa.Table(
        "task",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), index=True),
    )
    rename = RenameColumnOp("task", "title", modify_name="name", existing_type=sa.String(200))
    renamed_index = RenameIndexOp("ix_task_title", "ix_task_name", "task")
    upgrade = ops.UpgradeOps([ops.ModifyTableOps("task", [rename]), renamed_index])
    script = ops.MigrationScript("0002", upgrade, upgrade.reverse(), message="change")
    context = SimpleNamespace(dialect=postgresql.dialect(), opts={"target_metadata": metadata})
    expand, contract = split_script(script, context, "0003")
    up, down = _texts(expand)
    assert "rename_index" not in up
    assert up.splitlines()[-1] == "op.create_index_concurrently('ix_task_name', 'task', ['name'])"
    assert down.splitlines()[0] == "op.drop_index_concurrently('ix_task_name', 'task')"
    _, contract_down = _texts(contract)  # the old column's index comes back with it
    assert contract_down.splitlines()[-1] == (
        "op.create_index_concurrently('ix_task_title', 'task', ['title'])"
    )

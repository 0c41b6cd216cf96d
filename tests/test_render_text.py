"""The rewriters and the review header, checked on the script text (no database).

Operations are built the way autogenerate builds them, run through the rewriters and
rendered with Alembic's own ``render_python_code``.
"""

from __future__ import annotations

import io

from alembic.autogenerate import render_python_code
from alembic.operations import ops
from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    String,
    Table,
    text,
)

from common.autogen.identity import _old_options
from common.ops.stop import StopMigrationOp
from common.render.dropped_tables import order_foreign_keys_around_tables
from common.render.header import review_header
from common.render.identity import write_identity_changes
from common.render.notes import place_notes
from common.render.questioner import (
    InteractiveRenameQuestioner,
    RenameQuestioner,
    questioner_for,
)
from common.render.risks import note_risks
from common.render.safe_columns import make_columns_safe
from common.render.safe_indexes import make_indexes_safe
from tests.scenario import compact


def _rewrite(upgrade: ops.UpgradeOps, dialect: str, metadata=None, downgrade=False) -> str:
    make_columns_safe(upgrade, dialect, downgrade=downgrade, metadata=metadata)
    make_indexes_safe(upgrade, dialect)
    note_risks(upgrade, dialect)
    place_notes(upgrade)
    return render_python_code(upgrade, render_as_batch=dialect == "sqlite")


def _add(table: str, column: Column) -> ops.ModifyTableOps:
    return ops.ModifyTableOps(table, [ops.AddColumnOp(table, column)])


def test_check_constraint_on_existing_table_is_added_not_valid_then_validated():
    upgrade = ops.UpgradeOps(
        [
            ops.ModifyTableOps(
                "item",
                [ops.CreateCheckConstraintOp("ck_item_positive", "item", "price > 0")],
            )
        ]
    )
    code = compact(_rewrite(upgrade, "postgresql"))
    assert (
        "op.create_check_constraint_not_valid('ck_item_positive','item','price>0')"
        "op.validate_constraint('ck_item_positive','item')"
    ) in code


def test_new_table_keeps_plain_create_index():
    table = Table(
        "fresh", MetaData(), Column("id", Integer, primary_key=True), Column("a", Integer)
    )
    upgrade = ops.UpgradeOps(
        [
            ops.CreateTableOp.from_table(table),
            ops.ModifyTableOps("fresh", [ops.CreateIndexOp("ix_fresh_a", "fresh", ["a"])]),
        ]
    )
    code = compact(_rewrite(upgrade, "postgresql"))
    assert "op.create_index('ix_fresh_a','fresh',['a']" in code
    assert "concurrently" not in code


def test_mysql_keeps_plain_index_and_alter_column_for_not_null():
    column = Column("rank", Integer, nullable=False, default=0)
    upgrade = ops.UpgradeOps(
        [
            _add("item", column),
            ops.ModifyTableOps("item", [ops.CreateIndexOp("ix_item_rank", "item", ["rank"])]),
        ]
    )
    code = compact(_rewrite(upgrade, "mysql"))
    assert "op.batch_update('item',{'rank':0},where=sa.column('rank').is_(None))" in code
    assert "op.alter_column('item','rank',existing_type=sa.Integer(),nullable=False" in code
    assert "op.create_index('ix_item_rank','item',['rank']" in code
    assert "set_not_null_safely" not in code and "concurrently" not in code


def test_server_default_expression_is_the_backfill_value():
    column = Column("seen", Integer, nullable=False, server_default=text("42"))
    code = compact(_rewrite(ops.UpgradeOps([_add("item", column)]), "postgresql"))
    assert "op.batch_update('item',{'seen':sa.text('42')}" in code
    assert "op.set_not_null_safely('item','seen')" in code


def test_nullable_to_not_null_backfills_with_the_models_default():
    metadata = MetaData()
    Table(
        "item",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("kind", String(9), default="plain", nullable=False),
    )
    alter = ops.AlterColumnOp(
        "item", "kind", existing_type=String(9), existing_nullable=True, modify_nullable=False
    )
    upgrade = ops.UpgradeOps([ops.ModifyTableOps("item", [alter])])
    code = compact(_rewrite(upgrade, "postgresql", metadata))
    assert (
        "op.batch_update('item',{'kind':'plain'},where=sa.column('kind').is_(None))"
        "op.set_not_null_safely('item','kind')"
    ) in code


def test_nullable_to_not_null_without_default_warns():
    alter = ops.AlterColumnOp(
        "item", "kind", existing_type=String(9), existing_nullable=True, modify_nullable=False
    )
    upgrade = ops.UpgradeOps([ops.ModifyTableOps("item", [alter])])
    code = _rewrite(upgrade, "postgresql", MetaData())
    assert "# REVIEW: item.kind becomes NOT NULL without a default to fill existing NULLs" in code
    assert "batch_update" not in code


def test_not_null_without_default_stops_first():
    upgrade = ops.UpgradeOps(
        [
            ops.ModifyTableOps("other", [ops.DropColumnOp("other", "old")]),
            _add("item", Column("rank", Integer, nullable=False)),
        ]
    )
    code = _rewrite(upgrade, "postgresql")
    assert code.strip().splitlines()[1].strip() == "op.stop_migration("
    assert isinstance(upgrade.ops[0], StopMigrationOp)
    assert "# REVIEW: ban-drop-column: drops other.old and its data for good" in code


def test_downgrade_readding_a_not_null_column_uses_a_placeholder():
    downgrade = ops.DowngradeOps([_add("item", Column("rank", Integer, nullable=False))])
    code = compact(_rewrite(downgrade, "postgresql", downgrade=True))
    assert "op.batch_update('item',{'rank':0}" in code
    assert "stop_migration" not in code


def test_review_header_lists_steps_locks_destruction_and_notes():
    upgrade = ops.UpgradeOps(
        [
            _add("item", Column("rank", Integer, nullable=False, default=1)),
            ops.ModifyTableOps("item", [ops.CreateIndexOp("ix_item_rank", "item", ["rank"])]),
            ops.DropTableOp("legacy"),
        ]
    )
    make_columns_safe(upgrade, "postgresql", downgrade=False, metadata=None)
    make_indexes_safe(upgrade, "postgresql")
    note_risks(upgrade, "postgresql")
    header = review_header(ops.MigrationScript("1", upgrade, ops.DowngradeOps([])), "postgresql")
    assert header.splitlines() == [
        "Review (postgresql); upgrade steps, and what each locks:",
        "  1. add column item.rank (NULL)",
        "     lock: ACCESS EXCLUSIVE, brief (catalog change only)",
        "  2. backfill item in batches",
        "     lock: row locks, one batch at a time",
        "  3. set rank NOT NULL on item (CHECK NOT VALID, VALIDATE, SET NOT NULL)",
        "     lock: SHARE UPDATE EXCLUSIVE while validating (reads and writes go on), then brief",
        "  4. create index ix_item_rank on item CONCURRENTLY",
        "     lock: SHARE UPDATE EXCLUSIVE (reads and writes go on), outside the transaction",
        "  5. drop table legacy",
        "     lock: ACCESS EXCLUSIVE",
        "Destructive:",
        "  - drop table legacy and every row in it",
        "Check by hand:",
        "  - item.rank is NOT NULL: added nullable, existing rows backfilled with 1 in batches,"
        " then set NOT NULL (no server version known, so PostgreSQL 11+'s one-step add is not"
        " assumed)",
        "  - ban-drop-table: drops table legacy and every row in it; make sure nothing uses it"
        " and a backup exists",
    ]


def test_questioner_answers_from_hints_and_never_asks_without_a_terminal():
    questioner = RenameQuestioner({"task.title": "name", "task": "todo"})
    assert questioner.ask_rename_column("task", "title", "name")
    assert not questioner.ask_rename_column("task", "title", "label")
    assert questioner.ask_rename_table("task", "todo")
    assert not questioner.ask_rename_table("task", "job")
    assert questioner.asked == []
    assert type(questioner_for({}, stdin=io.StringIO("y\n"))) is RenameQuestioner


def test_interactive_questioner_asks_on_stderr_and_reads_the_answer():
    errors = io.StringIO()
    questioner = InteractiveRenameQuestioner({}, stdin=io.StringIO("y\nn\n"), stderr=errors)
    assert questioner.ask_rename_column("task", "title", "name")
    assert not questioner.ask_rename_table("task", "todo")
    assert errors.getvalue() == (
        "Did you rename task.title to task.name? [y/N] Did you rename table task to todo? [y/N] "
    )


def test_identity_option_change_keeps_the_old_identity_both_ways():
    reflected = Identity(start=1, increment=1, minvalue=1, maxvalue=2**63 - 1, cycle=False, cache=1)
    new = Identity(start=100)
    change = ops.AlterColumnOp(
        "book",
        "number",
        modify_server_default=new,
        existing_server_default=_old_options(reflected, new),
        existing_type=BigInteger(),
    )
    upgrade = ops.UpgradeOps([ops.ModifyTableOps("book", [change])])
    downgrade = upgrade.reverse()
    texts = []
    for container in (upgrade, downgrade):
        write_identity_changes(container)
        texts.append(compact(render_python_code(container)))
    assert "server_default=sa.Identity(always=False,start=100)" in texts[0]
    assert "existing_server_default=sa.Identity(always=False,start=1))" in texts[0]
    assert "server_default=sa.Identity(always=False,start=1)" in texts[1]
    assert "existing_server_default=sa.Identity(always=False,start=100))" in texts[1]


def _tables() -> tuple[Table, Table]:
    metadata = MetaData()
    author = Table("author", metadata, Column("id", Integer, primary_key=True))
    book = Table(
        "book",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("author_id", ForeignKey("author.id", name="fk_book_author")),
    )
    return author, book


def test_foreign_keys_are_dropped_before_the_table_they_reference():
    author, book = _tables()
    drop_key = ops.DropConstraintOp.from_constraint(next(iter(book.foreign_key_constraints)))
    upgrade = ops.UpgradeOps(
        [ops.DropTableOp.from_table(author), ops.ModifyTableOps("book", [drop_key])]
    )
    downgrade = upgrade.reverse()
    for container in (upgrade, downgrade):
        order_foreign_keys_around_tables(container)
    up, down = (compact(render_python_code(c)) for c in (upgrade, downgrade))
    assert up.index("op.drop_constraint('fk_book_author'") < up.index("op.drop_table('author')")
    assert down.index("op.create_table('author'") < down.index("op.create_foreign_key(")


def test_a_new_table_and_a_column_referencing_it_come_apart_key_first():
    """Downgrade: the key is dropped before its column (dropping the column drops the key)."""
    author, book = _tables()
    column = ops.AddColumnOp.from_column_and_tablename(None, "book", Column("author_id", Integer))
    add_key = ops.CreateForeignKeyOp.from_constraint(next(iter(book.foreign_key_constraints)))
    upgrade = ops.UpgradeOps(
        [ops.CreateTableOp.from_table(author), ops.ModifyTableOps("book", [column, add_key])]
    )
    downgrade = upgrade.reverse()
    for container in (upgrade, downgrade):
        order_foreign_keys_around_tables(container)
    up, down = (compact(render_python_code(c)) for c in (upgrade, downgrade))
    assert up.index("op.add_column('book'") < up.index("op.create_foreign_key(")
    assert down.index("op.drop_constraint('fk_book_author'") < down.index("op.drop_column(")
    assert down.index("op.drop_column(") < down.index("op.drop_table('author')")


def test_tables_dropped_together_go_referrers_first_and_come_back_in_order():
    author, book = _tables()
    upgrade = ops.UpgradeOps([ops.DropTableOp.from_table(author), ops.DropTableOp.from_table(book)])
    downgrade = upgrade.reverse()
    for container in (upgrade, downgrade):
        order_foreign_keys_around_tables(container)
    up, down = (compact(render_python_code(c)) for c in (upgrade, downgrade))
    assert up.index("op.drop_table('book')") < up.index("op.drop_table('author')")
    assert down.index("op.create_table('author'") < down.index("op.create_table('book'")

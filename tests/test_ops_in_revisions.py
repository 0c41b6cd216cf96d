"""The operations as ``op.<name>`` in revisions run by update-db / downgrade, and rendered.

update-db applies a revision that uses every helper (each runs in autocommit_block);
downgrade reverts it; the renderers write the calls a revision script would contain.
"""

from __future__ import annotations

import textwrap

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.migration import MigrationContext

from common import ops
from common.ops import batch_ops

SETUP = '''
"""Tables

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("owner", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer),
        sa.Column("code", sa.String(10)),
        sa.Column("qty", sa.Integer),
    )
    op.execute("INSERT INTO owner (id) VALUES (1)")
    op.execute(
        "INSERT INTO ticket (id, owner_id, code, qty) VALUES (1, 1, 'a', NULL), (2, NULL, 'b', 5)"
    )


def downgrade() -> None:
    op.drop_table("ticket")
    op.drop_table("owner")
'''

SAFE = '''
"""Safe changes

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.batch_update("ticket", {"qty": 0}, where="qty IS NULL", batch_size=1)
    op.batch_update("ticket", {"owner_id": 1}, where=sa.text("owner_id IS NULL"))
    op.create_index_concurrently("ix_ticket_qty", "ticket", ["qty"])
    op.add_unique_constraint_concurrently("uq_ticket_code", "ticket", ["code"])
    op.create_foreign_key_not_valid("fk_ticket_owner", "ticket", "owner", ["owner_id"], ["id"])
    op.validate_constraint("fk_ticket_owner", "ticket")
    op.create_check_constraint_not_valid("ck_ticket_qty", "ticket", "qty >= 0")
    op.validate_constraint("ck_ticket_qty", "ticket")
    op.set_not_null_safely("ticket", "qty")
    op.reindex_concurrently("ix_ticket_qty") if op.get_bind().dialect.name != "mysql" else None


def downgrade() -> None:
    op.drop_index_concurrently("ix_ticket_qty", "ticket")
    op.batch_delete("ticket", where="id > 1")
'''


def test_revision_using_every_helper(project, any_url, engine_for):
    project.use_database(any_url)
    project.write_models("from sqlmodel import SQLModel\n")
    (project.versions / "0001_tables.py").write_text(textwrap.dedent(SETUP))
    (project.versions / "0002_safe_changes.py").write_text(textwrap.dedent(SAFE))
    result = project.ok("update-db")
    assert "batch_update ticket: 1 rows changed in 2 batches" in result.stderr

    inspector = sa.inspect(engine_for(any_url))
    assert "ix_ticket_qty" in {i["name"] for i in inspector.get_indexes("ticket")}
    assert [u["name"] for u in inspector.get_unique_constraints("ticket")] == ["uq_ticket_code"]
    assert [f["name"] for f in inspector.get_foreign_keys("ticket")] == ["fk_ticket_owner"]
    assert {c["name"]: c["nullable"] for c in inspector.get_columns("ticket")}["qty"] is False
    with engine_for(any_url).connect() as conn:
        rows = conn.execute(sa.text("SELECT id, owner_id, qty FROM ticket ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, 1, 0), (2, 1, 5)]

    project.ok("downgrade")
    inspector = sa.inspect(engine_for(any_url))
    assert "ix_ticket_qty" not in {i["name"] for i in inspector.get_indexes("ticket")}
    with engine_for(any_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ticket")).scalar() == 1


def test_sql_mode_writes_plain_statements(project, pg_url):
    project.use_database(pg_url)
    project.write_models("from sqlmodel import SQLModel\n")
    (project.versions / "0001_tables.py").write_text(textwrap.dedent(SETUP))
    (project.versions / "0002_safe_changes.py").write_text(
        textwrap.dedent(SAFE).replace(
            '    op.reindex_concurrently("ix_ticket_qty") if op.get_bind()'
            '.dialect.name != "mysql" else None\n',
            "",
        )
    )
    out = project.ok("update-db", "--sql").stdout
    assert "UPDATE ticket SET qty=0 WHERE qty IS NULL;" in out
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_ticket_qty ON ticket (qty);" in out
    assert (
        "ALTER TABLE ticket ADD CONSTRAINT fk_ticket_owner FOREIGN KEY(owner_id) "
        "REFERENCES owner (id) NOT VALID;"
    ) in out
    assert "ALTER TABLE ticket VALIDATE CONSTRAINT ck_ticket_qty;" in out
    # each brief strong-lock step is a short transaction with its lock_timeout, as online
    assert (
        "BEGIN;\n\nSELECT set_config('lock_timeout', '1000ms', true) AS set_config_1;\n\n"
        "ALTER TABLE ticket ADD CONSTRAINT ck_ticket_qty CHECK (qty >= 0) NOT VALID;\n\nCOMMIT;"
    ) in out


def test_sql_mode_refuses_what_it_cannot_write_on_sqlite(project, sqlite_url):
    """SQLite adds a constraint by copying the table as the database has it: --sql
    cannot write that, and says so in one line before writing anything."""
    project.use_database(sqlite_url)
    project.write_models("from sqlmodel import SQLModel\n")
    (project.versions / "0001_tables.py").write_text(textwrap.dedent(SETUP))
    (project.versions / "0002_safe_changes.py").write_text(textwrap.dedent(SAFE))
    result = project.run("update-db", "--sql")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: add_unique_constraint_concurrently copies table 'ticket' on SQLite (batch "
        "mode), which --sql cannot write: it is built from the table as the database has "
        "it. Fix: run update-db without --sql on this database, or write this step by hand."
    )
    assert "ADD CONSTRAINT uq_ticket_code" not in result.stdout


def _render(op) -> str:
    context = AutogenContext(
        MigrationContext.configure(dialect_name="postgresql"),
        opts={"alembic_module_prefix": "op.", "sqlalchemy_module_prefix": "sa."},
    )
    return render_op_text(context, op)


def test_renderers_write_the_op_calls():
    cases = {
        batch_ops.BatchUpdateOp("t", {"a": sa.text("b + 1")}, where="a IS NULL"): (
            "op.batch_update('t', {'a': sa.text('b + 1')}, where='a IS NULL')"
        ),
        batch_ops.BatchUpdateOp("t", {"a": sa.column("a") + 1}, where=sa.column("a") < 5): (
            "op.batch_update('t', {'a': sa.text('a + 1')}, where=sa.text('a < 5'))"
        ),
        batch_ops.BatchDeleteOp("t", "old", batch_size=500): (
            "op.batch_delete('t', where='old', batch_size=500)"
        ),
        # an explicit size is written even when it equals the setting's default: the script
        # pins it; left out, WORKBENCH_BATCH_SIZE applies when the revision runs
        batch_ops.BatchUpdateOp("t", {"a": 1}, batch_size=10_000, max_batch_ms=None): (
            "op.batch_update('t', {'a': 1}, batch_size=10000, max_batch_ms=None)"
        ),
        batch_ops.BatchDeleteOp("t", "old", max_batch_ms=20): (
            "op.batch_delete('t', where='old', max_batch_ms=20)"
        ),
        batch_ops.BatchCopyColumnOp("t", "a", "b", using="CAST(a AS text)"): (
            "op.batch_copy_column('t', 'a', 'b', using='CAST(a AS text)')"
        ),
        ops.CreateIndexConcurrentlyOp("ix", "t", ["a"], unique=True): (
            "op.create_index_concurrently('ix', 't', ['a'], unique=True)"
        ),
        ops.DropIndexConcurrentlyOp("ix", "t"): "op.drop_index_concurrently('ix', 't')",
        ops.ReindexConcurrentlyOp("ix"): "op.reindex_concurrently('ix')",
        ops.AddUniqueConstraintConcurrentlyOp("uq", "t", ["a"]): (
            "op.add_unique_constraint_concurrently('uq', 't', ['a'])"
        ),
        ops.CreateForeignKeyNotValidOp("fk", "t", "o", ["o_id"], ["id"], "CASCADE"): (
            "op.create_foreign_key_not_valid('fk', 't', 'o', ['o_id'], ['id'], ondelete='CASCADE')"
        ),
        ops.CreateCheckConstraintNotValidOp("ck", "t", "a > 0"): (
            "op.create_check_constraint_not_valid('ck', 't', 'a > 0')"
        ),
        ops.ValidateConstraintOp("ck", "t"): "op.validate_constraint('ck', 't')",
        ops.SetNotNullSafelyOp("t", "a"): "op.set_not_null_safely('t', 'a')",
    }
    for op, text in cases.items():
        assert _render(op) == text


def test_reverse_of_each_reversible_helper():
    create = ops.CreateIndexConcurrentlyOp("ix", "t", ["a"])
    assert _render(create.reverse()) == "op.drop_index_concurrently('ix', 't')"
    assert create.reverse().reverse() is create
    fk = ops.CreateForeignKeyNotValidOp("fk", "t", "o", ["o_id"], ["id"])
    assert _render(fk.reverse()) == "op.drop_constraint('fk', 't', type_='foreignkey')"
    unique = ops.AddUniqueConstraintConcurrentlyOp("uq", "t", ["a"])
    assert _render(unique.reverse()) == "op.drop_constraint('uq', 't', type_='unique')"
    not_null = ops.SetNotNullSafelyOp("t", "a").reverse()
    assert "nullable=True" in _render(not_null)


def test_dry_run_in_a_revision_counts_and_stops_it(project, sqlite_url, engine_for):
    project.use_database(sqlite_url)
    project.write_models("from sqlmodel import SQLModel\n")
    (project.versions / "0001_tables.py").write_text(textwrap.dedent(SETUP))
    dry = (
        textwrap.dedent(SAFE).split("def upgrade() -> None:")[0].replace("Safe changes", "Dry run")
    ) + (
        "def upgrade() -> None:\n"
        '    op.batch_update("ticket", {"qty": 7}, where="qty IS NULL", dry_run=True)\n\n\n'
        "def downgrade() -> None:\n    pass\n"
    )
    (project.versions / "0002_dry_run.py").write_text(dry)
    result = project.run("update-db")
    assert result.returncode == 1
    assert "batch_update ticket (dry run): 1 of 2 rows match" in result.stderr
    assert result.stderr.strip().endswith(
        "error: batch_update on 'ticket' is a dry run: 1 rows would change; the revision "
        "stops here and is not recorded as applied. Fix: remove dry_run=True to run it."
    )
    with engine_for(sqlite_url).connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        assert conn.execute(sa.text("SELECT count(*) FROM ticket WHERE qty = 7")).scalar() == 0

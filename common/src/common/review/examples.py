"""One ``ok`` and one ``error`` revision per review rule, as a user would write them.

The rule tests run both (the error case must trigger its rule, the ok case must not) and
the reference prints them on the rule's page, so every example there is one that is
proven to do what the page says. Each case is the body of ``upgrade()`` and
``downgrade()``; ``users`` and ``tasks`` are existing tables (created before the pending
set), so locks on them matter.
"""

from __future__ import annotations

import textwrap

HEADER = '''"""case"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
'''


def revision_source(upgrade: str, downgrade: str | None = "pass") -> str:
    text = (
        HEADER + "\n\ndef upgrade() -> None:\n" + textwrap.indent(textwrap.dedent(upgrade), "    ")
    )
    if downgrade is not None:
        body = textwrap.indent(textwrap.dedent(downgrade), "    ")
        text += "\n\ndef downgrade() -> None:\n" + body
    return text + "\n"


# rule id -> (ok case, error case); each case is (upgrade body, downgrade body)
CASES: dict[str, tuple[tuple[str, str | None], tuple[str, str | None]]] = {
    "ban-drop-column": (
        ('op.add_column("users", sa.Column("nick", sa.Text()))', 'op.drop_column("users", "nick")'),
        (
            'op.drop_column("users", "full_name")',
            'op.add_column("users", sa.Column("full_name", sa.Text()))',
        ),
    ),
    "ban-drop-table": (
        (
            'op.create_table("tmp", sa.Column("id", sa.Integer(), primary_key=True))\n'
            'op.drop_table("tmp")',
            "pass",
        ),
        (
            'op.drop_table("tags")',
            'op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))',
        ),
    ),
    "renaming-column": (
        (
            'op.create_table("t", sa.Column("a", sa.Integer()))\n'
            'op.alter_column("t", "a", new_column_name="b")',
            'op.drop_table("t")',
        ),
        (
            'op.alter_column("users", "full_name", new_column_name="name")',
            'op.alter_column("users", "name", new_column_name="full_name")',
        ),
    ),
    "renaming-table": (
        (
            'op.create_table("t", sa.Column("a", sa.Integer()))\nop.rename_table("t", "t2")',
            'op.drop_table("t2")',
        ),
        ('op.rename_table("tags", "labels")', 'op.rename_table("labels", "tags")'),
    ),
    "changing-column-type": (
        (
            'op.add_column("users", sa.Column("age2", sa.BigInteger()))',
            'op.drop_column("users", "age2")',
        ),
        (
            'op.alter_column("users", "full_name", type_=sa.Integer(), '
            'existing_type=sa.String(200), postgresql_using="full_name::integer")',
            'op.alter_column("users", "full_name", type_=sa.String(200))',
        ),
    ),
    "adding-not-nullable-field": (
        (
            'op.add_column("users", sa.Column("score", sa.Integer(), nullable=False, '
            'server_default="0"))',
            'op.drop_column("users", "score")',
        ),
        (
            'op.add_column("users", sa.Column("score", sa.Integer(), nullable=False))',
            'op.drop_column("users", "score")',
        ),
    ),
    "setting-not-null": (
        (
            'op.create_check_constraint("ck_name", "users", "full_name IS NOT NULL", '
            "postgresql_not_valid=True)\n"
            "with op.get_context().autocommit_block():\n"
            '    op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_name")\n'
            'op.alter_column("users", "full_name", nullable=False)',
            'op.alter_column("users", "full_name", nullable=True)',
        ),
        (
            'op.alter_column("users", "full_name", nullable=False)',
            'op.alter_column("users", "full_name", nullable=True)',
        ),
    ),
    "adding-field-with-volatile-default": (
        (
            'op.add_column("users", sa.Column("seen_at", sa.DateTime(), '
            'server_default=sa.text("now()")))',
            'op.drop_column("users", "seen_at")',
        ),
        (
            'op.add_column("users", sa.Column("token", sa.Uuid(), '
            'server_default=sa.text("gen_random_uuid()")))',
            'op.drop_column("users", "token")',
        ),
    ),
    "require-concurrent-refresh": (
        ('op.refresh_materialized_view("report", concurrently=True)', "pass"),
        ('op.refresh_materialized_view("report")', "pass"),
    ),
    "function-signature-change": (
        (
            'op.replace_function("total", "a integer", '
            '"RETURNS int LANGUAGE sql AS $$ SELECT a $$", '
            '"RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")',
            'op.replace_function("total", "a integer", '
            '"RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", '
            '"RETURNS int LANGUAGE sql AS $$ SELECT a $$")',
        ),
        (
            'op.drop_function("total", "a integer", "RETURNS int LANGUAGE sql AS $$ SELECT a $$")\n'
            'op.create_function("total", "a int, b int", "RETURNS int LANGUAGE sql AS '
            '$$ SELECT a + b $$")',
            'op.drop_function("total", "a int, b int", "RETURNS int LANGUAGE sql AS '
            '$$ SELECT a + b $$")\n'
            'op.create_function("total", "a integer", '
            '"RETURNS int LANGUAGE sql AS $$ SELECT a $$")',
        ),
    ),
    "adding-trigger-to-existing-table": (
        (
            'op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))\n'
            'op.create_trigger("t_log", "t", '
            '"AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION log()")',
            'op.drop_table("t")',
        ),
        (
            'op.create_trigger("users_log", "users", '
            '"AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION log()")',
            'op.drop_trigger("users_log", "users", '
            '"AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION log()")',
        ),
    ),
    "drop-object-with-dependents": (
        (
            'op.drop_view("open_tasks", "SELECT id FROM tasks")\n'
            'op.create_view("open_tasks", "SELECT id, title FROM tasks")',
            'op.drop_view("open_tasks", "SELECT id, title FROM tasks")\n'
            'op.create_view("open_tasks", "SELECT id FROM tasks")',
        ),
        (
            'op.drop_function("touch", "", "RETURNS trigger LANGUAGE plpgsql AS '
            '$$ BEGIN RETURN NEW; END $$")\n'
            'op.create_trigger("tasks_touch", "tasks", '
            '"BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION touch()")',
            'op.drop_trigger("tasks_touch", "tasks", '
            '"BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION touch()")\n'
            'op.create_function("touch", "", "RETURNS trigger LANGUAGE plpgsql AS '
            '$$ BEGIN RETURN NEW; END $$")',
        ),
    ),
    "require-concurrent-index-creation": (
        (
            "with op.get_context().autocommit_block():\n"
            '    op.create_index("ix_users_name", "users", ["full_name"], '
            "postgresql_concurrently=True)",
            'op.drop_index("ix_users_name")',
        ),
        (
            'op.create_index("ix_users_name", "users", ["full_name"])',
            'op.drop_index("ix_users_name")',
        ),
    ),
    "require-concurrent-index-deletion": (
        (
            "with op.get_context().autocommit_block():\n"
            '    op.drop_index("ix_tasks_status", postgresql_concurrently=True)',
            'op.create_index("ix_tasks_status", "tasks", ["status"])',
        ),
        (
            'op.drop_index("ix_tasks_status")',
            'op.create_index("ix_tasks_status", "tasks", ["status"])',
        ),
    ),
    "constraint-missing-not-valid": (
        (
            'op.create_foreign_key("fk_tasks_owner", "tasks", "users", ["assignee_id"], ["id"], '
            "postgresql_not_valid=True)",
            'op.drop_constraint("fk_tasks_owner", "tasks")',
        ),
        (
            'op.create_foreign_key("fk_tasks_owner", "tasks", "users", ["assignee_id"], ["id"])',
            'op.drop_constraint("fk_tasks_owner", "tasks")',
        ),
    ),
    "adding-unique-constraint": (
        (
            "with op.get_context().autocommit_block():\n"
            '    op.create_index("uq_users_name", "users", ["full_name"], unique=True, '
            "postgresql_concurrently=True)\n"
            'op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_name UNIQUE USING INDEX '
            'uq_users_name")',
            'op.drop_constraint("uq_users_name", "users")',
        ),
        (
            'op.create_unique_constraint("uq_users_name", "users", ["full_name"])',
            'op.drop_constraint("uq_users_name", "users")',
        ),
    ),
    "enum-value-removed": (
        (
            "with op.get_context().autocommit_block():\n"
            "    op.execute(\"ALTER TYPE taskstatus ADD VALUE 'blocked'\")",
            "pass  # review: ignore[missing-downgrade] enum values cannot be dropped",
        ),
        (
            'op.alter_column("tasks", "status", '
            'existing_type=postgresql.ENUM("todo", "doing", "done", name="taskstatus"), '
            'type_=sa.Enum("todo", "done", name="taskstatus"), '
            'postgresql_using="status::text::taskstatus")',
            'op.alter_column("tasks", "status", '
            'type_=postgresql.ENUM("todo", "doing", "done", name="taskstatus"))',
        ),
    ),
    "renaming-enum-value": (
        (
            "with op.get_context().autocommit_block():\n"
            "    op.execute(\"ALTER TYPE taskstatus ADD VALUE 'blocked'\")",
            "pass  # review: ignore[missing-downgrade] enum values cannot be dropped",
        ),
        (
            'op.rename_enum_value("taskstatus", "doing", "in_progress")',
            'op.rename_enum_value("taskstatus", "in_progress", "doing")',
        ),
    ),
    "unbatched-data-migration": (
        (
            "op.execute(\"UPDATE users SET full_name = 'x' WHERE id = 1\")",
            'op.execute("UPDATE users SET full_name = NULL WHERE id = 1")',
        ),
        (
            "op.execute(\"UPDATE users SET full_name = 'x'\")",
            'op.execute("UPDATE users SET full_name = NULL")',
        ),
    ),
    "stop-migration": (
        (
            'op.add_column("users", sa.Column("rank", sa.Integer(), nullable=True))',
            'op.drop_column("users", "rank")',
        ),
        (
            'op.require_data_migration("users", "code", "integer", "uuid")',
            'op.require_data_migration("users", "code", "uuid", "integer")',
        ),
    ),
    "missing-downgrade": (
        (
            'op.add_column("users", sa.Column("nick", sa.Text()))',
            'op.drop_column("users", "nick")',
        ),
        ('op.add_column("users", sa.Column("nick", sa.Text()))', "pass"),
    ),
    "raw-sql-interpolation": (
        (
            'op.execute(sa.text("UPDATE users SET full_name = :name WHERE id = 1")'
            '.bindparams(name="x"))',
            'op.execute("UPDATE users SET full_name = NULL WHERE id = 1")',
        ),
        (
            'name = "x"\nop.execute(f"UPDATE users SET full_name = \'{name}\' WHERE id = 1")',
            'op.execute("UPDATE users SET full_name = NULL WHERE id = 1")',
        ),
    ),
    "transaction-nesting": (
        (
            "with op.get_context().autocommit_block():\n"
            "    op.execute(\"ALTER TYPE taskstatus ADD VALUE 'blocked'\")",
            "pass  # review: ignore[missing-downgrade] enum values cannot be dropped",
        ),
        (
            'op.execute("COMMIT")\nop.execute("VACUUM users")',
            "pass  # review: ignore[missing-downgrade] nothing to undo",
        ),
    ),
    "identifier-too-long": (
        (
            # the workbench op stores the name create_all gives: shortened with a hash
            'op.create_index_concurrently("ix_users_' + "full_name_" * 7 + '", "users", '
            '["full_name"])',
            'op.drop_index_concurrently("ix_users_' + "full_name_" * 7 + '")',
        ),
        (
            'op.add_column("users", sa.Column("' + "preferred_" * 7 + '", sa.Text()))',
            'op.drop_column("users", "' + "preferred_" * 7 + '")',
        ),
    ),
    "concurrently-in-transaction": (
        (
            "with op.get_context().autocommit_block():\n"
            '    op.execute("CREATE INDEX CONCURRENTLY ix_users_name ON users (full_name)")',
            'op.drop_index("ix_users_name")',
        ),
        (
            'op.execute("CREATE INDEX CONCURRENTLY ix_users_name ON users (full_name)")',
            'op.drop_index("ix_users_name")',
        ),
    ),
    "ban-drop-not-null": (
        (
            'op.add_column("users", sa.Column("nick", sa.Text(), nullable=True))',
            'op.drop_column("users", "nick")',
        ),
        (
            'op.alter_column("users", "email", existing_type=sa.String(320), nullable=True)',
            'op.alter_column("users", "email", existing_type=sa.String(320), nullable=False)',
        ),
    ),
    "ban-truncate-cascade": (
        ('op.execute("TRUNCATE task_tags")', "pass  # review: ignore[missing-downgrade] data"),
        ('op.execute("TRUNCATE tags CASCADE")', "pass  # review: ignore[missing-downgrade] data"),
    ),
}

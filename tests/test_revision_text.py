"""What create-migration writes must be a revision a person can run: in-process, SQLite."""

from __future__ import annotations

import ast
import shutil

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from tests.conftest import ROOT
from tests.revision_files import EMPTY_MODELS, write_revision
from tests.scenario import execute, rows
from tests.test_end_to_end import MODELS_V1


def _tables(url) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_message_with_quotes_and_backslashes_writes_a_file_that_parses(project, sqlite_url):
    """A message is text for the docstring, not source: it used to break the file."""
    project.use_database(sqlite_url)
    project.write_models(MODELS_V1)
    message = 'Load """legacy""" rows from C:\\Users\\data and \\N markers'
    project.ok("create-migration", message, "--empty")
    [path] = project.revision_files()
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert docstring is not None and docstring.splitlines()[0] == message
    assert project.ok("heads").stdout.strip() == path.stem


def test_an_empty_revision_is_ready_to_write_in(project, sqlite_url):
    """``op`` and ``sa`` stay imported in a blank revision (the ruff hook used to drop them)."""
    project.use_database(sqlite_url)
    project.write_models(MODELS_V1)
    project.ok("create-migration", "Hand-written step", "--empty")
    [path] = project.revision_files()
    source = path.read_text()
    assert "from alembic import op" in source and "import sqlalchemy as sa" in source
    source = source.replace(
        "def upgrade() -> None:\n    pass",
        'def upgrade() -> None:\n    op.create_table("by_hand", sa.Column("id", sa.Integer))',
    ).replace(
        "def downgrade() -> None:\n    pass",
        'def downgrade() -> None:\n    op.drop_table("by_hand")',
    )
    path.write_text(source)
    project.ok("update-db")
    assert "by_hand" in _tables(sqlite_url)
    project.ok("downgrade")
    assert "by_hand" not in _tables(sqlite_url)


EVIL_ID = "x';DROP TABLE t1 CASCADE;UPDATE alembic_version SET version_num='x"


@pytest.mark.parametrize(
    ("revision_id", "command"),
    [
        (EVIL_ID, ("update-db", "--sql")),
        (EVIL_ID, ("review", "--no-round-trip")),
        (EVIL_ID, ("update-db",)),
        ("a" * 33, ("update-db",)),  # alembic_version holds 32 characters
    ],
    ids=["update-db-sql", "review", "update-db", "33-characters"],
)
def test_a_revision_id_that_could_break_out_of_sql_is_refused(
    project, sqlite_url, revision_id, command
):
    """Such an id became a working DROP TABLE in ``update-db --sql`` output."""
    project.use_database(sqlite_url)
    project.write_models(EMPTY_MODELS)
    write_revision(project.versions, 1)
    project.ok("update-db")
    path = write_revision(project.versions, 2)
    path.write_text(path.read_text().replace('revision = "0002"', f"revision = {revision_id!r}"))
    result = project.run(*command)
    assert result.returncode == 1, result.output
    if command[0] == "review":  # a failed check of the checklist, which is BLOCKED
        assert "0002_rev_2.py has the revision id" in result.stdout, result.output
        assert "BLOCKED" in result.stdout
    else:
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "0002_rev_2.py has the revision id" in errors[0]
        assert "DROP TABLE" not in result.stdout
    assert "t1" in _tables(sqlite_url) and "t2" not in _tables(sqlite_url)


def _error_line(result) -> str:
    assert result.returncode == 1, result.output
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    return line


def test_two_files_with_one_revision_id_are_named(project, sqlite_url):
    """It was reported as "2 heads, merge them", and the merge failed."""
    project.use_database(sqlite_url)
    project.write_models(EMPTY_MODELS)
    write_revision(project.versions, 1)
    copy = project.versions / "0001_copy.py"
    copy.write_text(write_revision(project.versions, 1).read_text())
    line = _error_line(project.run("status"))
    assert "the revision id 0001 is declared by 0001_copy.py and 0001_rev_1.py" in line
    assert "Fix: give one of them a new id" in line


def test_a_down_revision_naming_a_missing_file_is_named(project, sqlite_url):
    """It was "a revision file fails to import: KeyError"."""
    project.use_database(sqlite_url)
    project.write_models(EMPTY_MODELS)
    write_revision(project.versions, 1)
    path = write_revision(project.versions, 2)
    path.write_text(path.read_text().replace("down_revision = '0001'", "down_revision = '0009'"))
    line = _error_line(project.run("update-db"))
    assert "0002_rev_2.py has down_revision '0009', which no revision file declares" in line
    assert "t1" not in _tables(sqlite_url)


def test_the_shipped_revisions_run_on_sqlite(project, sqlite_url):
    """0001 wrote DEFAULT (now()), which SQLite cannot evaluate; sa.func.now() compiles."""
    shutil.copytree(ROOT / "common" / "alembic" / "versions", project.versions, dirs_exist_ok=True)
    project.use_database(sqlite_url)
    project.write_models("from common.models.db_models import *  # noqa: F403\n")
    project.ok("update-db")
    execute(sqlite_url, "INSERT INTO users (id, email) VALUES (1, 'a@example.com')")
    assert rows(sqlite_url, "SELECT count(*) FROM users WHERE created_at IS NOT NULL") == [(1,)]
    project.ok("check")
    project.ok("downgrade", "--revision", "base")
    assert "users" not in _tables(sqlite_url)


def test_a_generic_function_default_is_written_as_the_function():
    """``server_default=func.now()`` renders as ``sa.func.now()``, not PostgreSQL's text."""
    from alembic.autogenerate import render_python_code
    from alembic.migration import MigrationContext
    from alembic.operations import ops
    from sqlalchemy import Column, DateTime, Integer, MetaData, Table, func

    from common.render import render_item

    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("at", DateTime, server_default=func.now()),
        Column("on", DateTime, server_default=func.current_timestamp()),
    )
    context = MigrationContext.configure(dialect_name="postgresql")
    code = render_python_code(
        ops.UpgradeOps([ops.CreateTableOp.from_table(table)]),
        render_item=render_item,
        migration_context=context,
    )
    assert "server_default=sa.func.now()" in code
    assert "server_default=sa.func.current_timestamp()" in code


def test_a_revision_id_that_is_no_literal_leaves_the_parents_to_alembic(tmp_path):
    """A computed ``revision`` may be the parent another file names: no false refusal."""
    from common.revision_sources import declarations, missing_parents

    (tmp_path / "0001_a.py").write_text('revision = "00" + "01"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    assert missing_parents(declarations(tmp_path)) == []
    (tmp_path / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "0003_c.py").write_text('revision = "0003"\ndown_revision = "0009"\n')
    assert missing_parents(declarations(tmp_path)) == [("0003_c.py", "0009")]

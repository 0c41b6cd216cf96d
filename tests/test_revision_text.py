"""What create-migration writes must be a revision a person can run: in-process, SQLite."""

from __future__ import annotations

import ast

from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

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

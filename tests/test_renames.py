"""Renames end to end: data kept, names follow the naming convention, downgrade renames back.

Each scenario starts from a database holding rows, generates the migration through the
real command line, applies it, compares the schema (names included) with a fresh
``create_all`` of the new models, checks the rows, downgrades and compares again.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from tests.scenario import Scenario, compact, execute, rows

OWNER = """
    class Owner(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        email: str = Field(max_length=100, unique=True)
"""

TASK_V1 = (
    """
    from sqlmodel import Field, SQLModel
"""
    + OWNER
    + """
    class Task(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=200, index=True)
        code: str = Field(max_length=20, unique=True)
        owner_id: int = Field(foreign_key="owner.id", index=True)
"""
)

TASK_COLUMNS_RENAMED = TASK_V1.replace("title: str", "name: str").replace("code: str", "ref: str")

SEED = [
    "INSERT INTO owner (id, email) VALUES (1, 'a@example.com')",
    "INSERT INTO task (title, code, owner_id) VALUES ('first', 'A-1', 1), ('second', 'A-2', 1)",
]


def test_column_rename_with_hints_keeps_data_and_renames_index_and_unique(
    project, any_url, fresh_url
):
    scenario = Scenario(TASK_V1, TASK_COLUMNS_RENAMED, SEED)
    scenario.prepare(project, (any_url, fresh_url()))
    script = scenario.generate("--rename", "task.title=name", "--rename", "task.code=ref")
    assert "new_column_name='name'" in script.replace('"', "'")
    assert "new_column_name='ref'" in script.replace('"', "'")
    assert "drop_column" not in script.split("def downgrade")[0]
    assert "op.rename_index('ix_task_title', 'ix_task_name'" in script.replace('"', "'")
    assert "# REVIEW: renaming-column: task.title becomes name" in script
    scenario.upgrade_converges()
    found = rows(any_url, "SELECT id, name, ref FROM task ORDER BY id")
    assert found == [(1, "first", "A-1"), (2, "second", "A-2")]
    scenario.downgrade_converges()
    found = rows(any_url, "SELECT id, title, code FROM task ORDER BY id")
    assert found == [(1, "first", "A-1"), (2, "second", "A-2")]


TODO_V2 = (
    """
    from sqlmodel import Field, SQLModel
"""
    + OWNER
    + """
    class Todo(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=200, index=True)
        code: str = Field(max_length=20, unique=True)
        owner_id: int = Field(foreign_key="owner.id", index=True)
        done: bool | None = Field(default=None)

    class Note(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        todo_id: int = Field(foreign_key="todo.id")
"""
)

TASK_V1_WITH_NOTES = (
    TASK_V1
    + """
    class Note(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        todo_id: int = Field(foreign_key="task.id")
"""
)


def test_table_rename_with_hint_keeps_rows_and_renames_what_is_named_after_it(
    project, any_url, fresh_url
):
    seed = [*SEED, "INSERT INTO note (id, todo_id) VALUES (1, 2)"]
    scenario = Scenario(TASK_V1_WITH_NOTES, TODO_V2, seed)
    scenario.prepare(project, (any_url, fresh_url()))
    script = scenario.generate("--rename", "task=todo")
    flat = compact(script)
    assert compact("op.rename_table('task', 'todo')") in flat
    assert "drop_table" not in script.split("def downgrade")[0]
    assert compact("op.rename_index('ix_task_title', 'ix_todo_title'") in flat
    assert compact("'uq_task_code', 'uq_todo_code'") in flat
    assert compact("'fk_note_todo_id_task', 'fk_note_todo_id_todo'") in flat
    if any_url.get_backend_name() == "postgresql":
        assert compact("op.rename_sequence('task_id_seq', 'todo_id_seq')") in flat
    if any_url.get_backend_name() != "mysql":  # MySQL/MariaDB: always PRIMARY
        assert compact("'pk_task', 'pk_todo'") in flat
    assert "add_column('todo'" in flat.replace("batch_op.add_column(", "add_column('todo', ")
    scenario.upgrade_converges()
    assert rows(any_url, "SELECT id, title, done FROM todo ORDER BY id") == [
        (1, "first", None),
        (2, "second", None),
    ]
    # the renamed sequence still numbers new rows after the old ones
    execute_insert = "INSERT INTO todo (title, code, owner_id) VALUES ('third', 'A-3', 1)"
    execute(any_url, execute_insert)
    assert rows(any_url, "SELECT id FROM todo WHERE code = 'A-3'") == [(3,)]
    execute(any_url, "DELETE FROM todo WHERE code = 'A-3'")
    scenario.downgrade_converges()
    assert rows(any_url, "SELECT id, title FROM task ORDER BY id") == [
        (1, "first"),
        (2, "second"),
    ]
    assert rows(any_url, "SELECT todo_id FROM note") == [(2,)]


def _primary_key_name(url, table: str) -> str | None:
    """The name the database holds for ``table``'s primary key (MySQL: from its catalog)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if connection.dialect.name != "mysql":
                return inspect(connection).get_pk_constraint(table)["name"]
            return connection.execute(
                text(
                    "SELECT constraint_name FROM information_schema.table_constraints"
                    " WHERE table_schema = DATABASE() AND table_name = :table"
                    " AND constraint_type = 'PRIMARY KEY'"
                ),
                {"table": table},
            ).scalar_one()
    finally:
        engine.dispose()


TODO_OWNER_RENAMED = TASK_V1.replace("class Task(", "class Todo(").replace(
    "owner_id: int", "user_id: int"
)


def test_table_and_column_rename_leave_names_as_create_all_makes_them(project, any_pair):
    """Every name as create_all gives it, the rows kept, and back after the downgrade.

    SQLite kept pk_task after task -> todo (its name lives in the CREATE TABLE text), and
    an index on a column renamed together with its table got a third name,
    ix_task_user_id, created beside the renamed ix_todo_user_id on every database.
    """
    url, fresh = any_pair
    mysql = url.get_backend_name() == "mysql"  # the primary key is always PRIMARY there
    old_pk, new_pk = ("PRIMARY", "PRIMARY") if mysql else ("pk_task", "pk_todo")
    scenario = Scenario(TASK_V1, TODO_OWNER_RENAMED, SEED)
    scenario.prepare(project, (url, fresh))
    assert _primary_key_name(url, "task") == old_pk
    scenario.generate("--rename", "task=todo", "--rename", "task.owner_id=user_id")
    scenario.upgrade_converges()
    assert _primary_key_name(url, "todo") == new_pk == _primary_key_name(fresh, "todo")
    assert rows(url, "SELECT id, title, code, user_id FROM todo ORDER BY id") == [
        (1, "first", "A-1", 1),
        (2, "second", "A-2", 1),
    ]
    scenario.downgrade_converges()
    assert _primary_key_name(url, "task") == old_pk
    assert rows(url, "SELECT id, title, code, owner_id FROM task ORDER BY id") == [
        (1, "first", "A-1", 1),
        (2, "second", "A-2", 1),
    ]


def test_without_a_tty_no_question_drop_and_add_with_a_note_naming_the_flag(project, sqlite_url):
    project.use_database(sqlite_url)
    project.write_models(TASK_V1)
    project.ok("create-migration", "Old models")
    project.ok("update-db")
    project.write_models(TASK_V1.replace("title: str", "name: str"))
    result = project.run("create-migration", "Rename title", stdin="y\n")
    assert result.returncode == 0, result.output
    assert "Did you rename" not in result.output
    script = project.revision_files()[-1].read_text()
    assert 'drop_column("title")' in script
    assert (
        "# REVIEW: task.title is dropped and task.name added: the data in task.title is lost. "
        "If it was renamed, run create-migration again with --rename task.title=name"
    ) in script
    assert "--rename task.title=name" in script.split('"""')[1]  # in the review header too


def test_a_hint_that_matches_nothing_is_refused_and_writes_nothing(project, sqlite_url):
    project.use_database(sqlite_url)
    project.write_models(TASK_V1)
    project.ok("create-migration", "Old models")
    project.ok("update-db")
    project.write_models(TASK_COLUMNS_RENAMED)
    result = project.run("create-migration", "Rename", "--rename", "task.titel=name")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --rename task.titel=name does not match the models: autogenerate finds no "
        "column task.titel dropped together with a column name added. Fix: check the names "
        "(old name on the left, as in the database; new name on the right, as in the "
        "models), or leave the hint out."
    )
    assert "Traceback" not in result.output
    assert len(project.revision_files()) == 1


def test_a_hint_on_unchanged_models_is_refused(project, sqlite_url):
    """With nothing to rename it used to say "No changes" and exit 0, the hint ignored."""
    project.use_database(sqlite_url)
    project.write_models(TASK_V1)
    project.ok("create-migration", "Old models")
    project.ok("update-db")
    result = project.run("create-migration", "Rename", "--rename", "task.title=name")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --rename task.title=name matches nothing: the models match the database. "
        "Fix: leave the hint out, or change the models first."
    )
    assert len(project.revision_files()) == 1


def _create_migration_on_a_terminal(project, answer: str):
    """``create-migration`` with a pseudo-terminal as stdin, ``answer`` typed in advance."""
    master, terminal = pty.openpty()
    try:
        os.write(master, answer.encode())
        return subprocess.run(
            [sys.executable, "-m", "common", "create-migration", "Rename title"],
            cwd=project.root,
            env=project.env,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        os.close(terminal)
        os.close(master)


@pytest.mark.e2e
@pytest.mark.parametrize("answer", ["y\n", "n\n"])
def test_on_a_terminal_a_same_shape_drop_and_add_is_asked_about(project, sqlite_url, answer):
    project.use_database(sqlite_url)
    project.write_models(TASK_V1)
    project.ok("create-migration", "Old models")
    project.ok("update-db")
    project.write_models(TASK_V1.replace("title: str", "name: str"))
    result = _create_migration_on_a_terminal(project, answer)
    assert result.returncode == 0, result.stderr
    assert "Did you rename task.title to task.name? [y/N]" in result.stderr
    assert result.stdout.strip() == str(project.revision_files()[-1])
    script = compact(project.revision_files()[-1].read_text())
    if answer == "y\n":
        assert "new_column_name='name'" in script
        assert "drop_column('title')" not in script
    else:
        assert "new_column_name" not in script
        assert "--renametask.title=name" in script

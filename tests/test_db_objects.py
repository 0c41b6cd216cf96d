"""Database objects beyond tables through the workbench's commands, on PostgreSQL.

Every kind (extension, view, materialized view with indexes, SQL and PL/pgSQL functions,
trigger, policy with row-level security) goes through create-migration, update-db, a
clean check and downgrade, on a table holding rows; the second revision retypes the
column the views, the materialized view and the policy read, which PostgreSQL refuses
unless they are dropped first and created again after.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from common.autogen import compare_metadata

TABLE = """
from sqlmodel import Field, SQLModel
from sqlalchemy import Column, String, Text, DateTime, Integer

class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column({title_type}, nullable=False))
    owner: str | None = Field(default=None, sa_column=Column(String(50)))
    touched: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
"""

OBJECTS_V1 = """
from common.models.db_objects import *

declare(
    Extension("pg_trgm"),
    Function("touch", "", "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
             "NEW.touched := OLD.touched + 1; RETURN NEW; END $$"),
    Function("title_like", "pattern text", "RETURNS bigint LANGUAGE sql STABLE AS "
             "$$ SELECT count(*) FROM tasks WHERE title LIKE '%' || pattern || '%' $$"),
    View("titles", "SELECT id, title FROM tasks"),
    View("short_titles", "SELECT id FROM titles WHERE length(title) < 10"),
    MaterializedView("title_words", "SELECT id, lower(title) AS word FROM tasks",
                     indexes=(MaterializedViewIndex("title_words_id", "(id)", unique=True),
                              MaterializedViewIndex("title_words_trgm",
                                                    "USING gin (word gin_trgm_ops)"))),
    Trigger("tasks_touch", "tasks",
            "BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE PROCEDURE touch()"),
    Policy("own_tasks", "tasks", "FOR SELECT USING (owner = current_user OR title <> '')"),
)
"""

OBJECTS_V2 = (
    OBJECTS_V1.replace("SELECT id, title FROM tasks", "SELECT id, title, owner FROM tasks")
    .replace("OLD.touched + 1", "OLD.touched + 2")
    .replace("FOR EACH ROW EXECUTE", "FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) "
             "EXECUTE")
    .replace("OR title <> ''", "OR title <> 'x'")
)


def _models(title_type: str, objects: str) -> str:
    return TABLE.format(title_type=title_type) + objects


def _state(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        return {
            "rows": conn.execute(sa.text("SELECT id, title FROM tasks ORDER BY id")).all(),
            "titles": conn.execute(sa.text("SELECT * FROM titles ORDER BY id")).all(),
            "type": conn.execute(sa.text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'tasks' AND column_name = 'title'")).scalar(),
            "matches": conn.execute(sa.text("SELECT title_like('b')")).scalar(),
            "rls": conn.execute(sa.text(
                "SELECT relrowsecurity FROM pg_class WHERE relname = 'tasks'")).scalar(),
        }


def test_every_kind_through_migrations_and_back(project, pg_url, engine_for):
    project.use_database(pg_url)
    project.write_models(_models("String(100)", OBJECTS_V1))
    first = project.ok("create-migration", "Objects").output
    project.ok("update-db")
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO tasks (id, title) VALUES (1, 'abc'), (2, 'xyz')"))
        conn.execute(sa.text("UPDATE tasks SET owner = 'o' WHERE id = 1"))
        conn.execute(sa.text("REFRESH MATERIALIZED VIEW title_words"))
    assert project.run("check").returncode == 0, first
    before = _state(engine)
    assert before["type"] == "character varying" and before["matches"] == 1 and before["rls"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT touched FROM tasks WHERE id = 1")).scalar() == 1

    project.write_models(_models("Text", OBJECTS_V2))
    project.ok("create-migration", "Retype title")
    upgrade = project.revision_files()[-1].read_text().split("def downgrade")[0]
    calls = re.findall(r"op\.(\w+)\(\s*\"(\w+)\"", upgrade)
    assert calls == [
        ("drop_policy", "own_tasks"),
        ("drop_trigger", "tasks_touch"),
        ("drop_materialized_view", "title_words"),
        ("drop_view", "short_titles"),
        ("drop_view", "titles"),
        ("alter_column", "tasks"),
        ("replace_function", "touch"),
        ("create_view", "titles"),
        ("create_view", "short_titles"),
        ("create_materialized_view", "title_words"),
        ("create_trigger", "tasks_touch"),
        ("create_policy", "own_tasks"),
    ]
    project.ok("update-db")
    assert project.run("check").returncode == 0
    after = _state(engine)
    assert after["type"] == "text" and after["rows"] == before["rows"]
    assert after["titles"] == [(1, "abc", "o"), (2, "xyz", None)]
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE tasks SET title = 'abd' WHERE id = 2"))
        conn.execute(sa.text("UPDATE tasks SET owner = 'p' WHERE id = 1"))  # WHEN: no touch
        touched = conn.execute(sa.text("SELECT id, touched FROM tasks ORDER BY id")).all()
    assert [tuple(r) for r in touched] == [(1, 1), (2, 2)]

    project.ok("downgrade")
    project.write_models(_models("String(100)", OBJECTS_V1))
    with project.models() as metadata, engine.connect() as conn:
        assert compare_metadata(conn, metadata, project.settings()) == []
    assert _state(engine)["type"] == "character varying"
    project.ok("downgrade")
    with engine.connect() as conn:
        left = conn.execute(sa.text(
            "SELECT count(*) FROM pg_class WHERE relname IN ('titles', 'title_words')")).scalar()
    assert left == 0

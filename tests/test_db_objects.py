"""Database objects beyond tables through the workbench's commands, on PostgreSQL.

Every kind (extension, view, materialized view with indexes, SQL and PL/pgSQL functions,
trigger, policy with row-level security) goes through create-migration, update-db, a
clean check and downgrade, on a table holding rows; the second revision retypes the
column the views, the materialized view and the policy read, which PostgreSQL refuses
unless they are dropped first and created again after.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import produce_migrations
from alembic.migration import MigrationContext
from alembic.operations import Operations, ops

from common.autogen import compare_metadata
from common.config import load_settings
from common.migration_env import context_options
from common.models.db_objects import declare

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
    .replace(
        "FOR EACH ROW EXECUTE", "FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE"
    )
    .replace("OR title <> ''", "OR title <> 'x'")
)


def _models(title_type: str, objects: str) -> str:
    return TABLE.format(title_type=title_type) + objects


def _state(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        return {
            "rows": conn.execute(sa.text("SELECT id, title FROM tasks ORDER BY id")).all(),
            "titles": conn.execute(sa.text("SELECT * FROM titles ORDER BY id")).all(),
            "type": conn.execute(
                sa.text(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_name = 'tasks' AND column_name = 'title'"
                )
            ).scalar(),
            "matches": conn.execute(sa.text("SELECT title_like('b')")).scalar(),
            "rls": conn.execute(
                sa.text("SELECT relrowsecurity FROM pg_class WHERE relname = 'tasks'")
            ).scalar(),
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
    pending = project.run("check")
    assert pending.returncode == 1
    for line in ("replace function touch()", "drop view short_titles", "create policy own_tasks"):
        assert line in pending.output, pending.output
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
        left = conn.execute(
            sa.text("SELECT count(*) FROM pg_class WHERE relname IN ('titles', 'title_words')")
        ).scalar()
    assert left == 0


def _objects(count: int) -> list:
    """``count`` mixed objects over tables t0..t9 (columns id, a, b): functions, views,
    materialized views with indexes, triggers and policies, in declaration order."""
    from common.models.db_objects import (
        Function,
        MaterializedView,
        MaterializedViewIndex,
        Policy,
        Trigger,
        View,
    )

    made: list = []
    for n in range(count):
        table = f"t{n % 10}"
        kind = n % 5
        if kind == 0:
            made.append(
                Function(
                    f"f{n}",
                    "x int, y text DEFAULT 'a'",
                    f"RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x + {n} $$",
                )
            )
            made.append(
                Function(
                    f"tf{n}",
                    "",
                    "RETURNS trigger LANGUAGE plpgsql AS $$ "
                    f"BEGIN NEW.a := coalesce(NEW.a, {n}); RETURN NEW; END $$",
                )
            )
        elif kind == 1:
            made.append(View(f"v{n}", f"select id, a * 2 as a2, b from {table} where b like '%x'"))
        elif kind == 2:
            made.append(
                MaterializedView(
                    f"m{n}",
                    f"SELECT a, count(*) AS c FROM {table} GROUP BY a",
                    with_data=n % 2 == 0,
                    indexes=(MaterializedViewIndex(f"m{n}_a", "(a)", True),),
                )
            )
        elif kind == 3:
            made.append(
                Trigger(
                    f"tr{n}",
                    table,
                    f"BEFORE INSERT OR UPDATE OF a ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION tf{n - 3}()",
                )
            )
        else:
            made.append(
                Policy(
                    f"p{n}",
                    table,
                    f"AS RESTRICTIVE FOR UPDATE TO public "
                    f"USING (a > {n}) WITH CHECK (b IS NOT NULL)",
                )
            )
    return made


def _tables(metadata: sa.MetaData) -> None:
    for n in range(10):
        sa.Table(
            f"t{n}",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("a", sa.Integer),
            sa.Column("b", sa.String(20)),
        )


def _apply(conn: sa.Connection, metadata: sa.MetaData, settings) -> ops.MigrationScript:
    """What create-migration would write for ``metadata``, run at once on ``conn``."""
    options = context_options(conn.dialect.name, settings, metadata)
    options.pop("process_revision_directives")
    script = produce_migrations(MigrationContext.configure(conn, opts=options), metadata)
    operations = Operations(MigrationContext.configure(conn))
    for op in script.upgrade_ops.ops:
        for step in op.ops if isinstance(op, ops.ModifyTableOps) else [op]:
            operations.invoke(step)
    return script


def test_fifty_mixed_objects_in_sync_give_no_diff(pg_url, engine_for):
    metadata = sa.MetaData()
    _tables(metadata)
    declare(*_objects(50), metadata=metadata)
    settings = load_settings()
    with engine_for(pg_url).begin() as conn:
        made = _apply(conn, metadata, settings)
    assert len(made.upgrade_ops.ops) == 10 + 60 + 2  # tables, objects, enable RLS twice
    with engine_for(pg_url).connect() as conn:
        assert compare_metadata(conn, metadata, settings) == []


def test_undeclared_view_over_a_retyped_column_is_recreated_around_it(pg_url, engine_for):
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id int PRIMARY KEY, a varchar(10))"))
        conn.execute(sa.text("INSERT INTO t VALUES (1, 'x')"))
        conn.execute(sa.text("CREATE VIEW by_hand AS SELECT id, a FROM t"))
    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Text))
    with engine.begin() as conn:
        script = _apply(conn, metadata, load_settings())
    steps = [type(op).__name__ for op in script.upgrade_ops.ops]
    assert steps == ["DropViewOp", "ModifyTableOps", "CreateViewOp"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT a FROM by_hand")).scalar() == "x"
        assert compare_metadata(conn, metadata, load_settings()) == []


def test_function_whose_result_changes_is_recreated_with_its_readers(pg_url, engine_for):
    from common.models.db_objects import Function, View

    def metadata(result: str) -> sa.MetaData:
        made = sa.MetaData()
        _tables(made)
        declare(
            Function("twice", "x int", f"RETURNS {result} LANGUAGE sql AS $$ SELECT x * 2 $$"),
            View("doubled", "SELECT id, twice(a) AS a2 FROM t0"),
            metadata=made,
        )
        return made

    settings = load_settings()
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        _apply(conn, metadata("int"), settings)
        conn.execute(sa.text("INSERT INTO t0 (id, a) VALUES (1, 21)"))
    with engine.begin() as conn:
        script = _apply(conn, metadata("bigint"), settings)
    assert [op.describe() for op in script.upgrade_ops.ops] == [
        "drop view doubled",
        "drop function twice(x integer)",
        "create function twice(x int)",
        "create view doubled",
    ]
    with engine.connect() as conn:
        assert compare_metadata(conn, metadata("bigint"), settings) == []
        assert conn.execute(sa.text("SELECT pg_typeof(a2)::text, a2 FROM doubled")).one() == (
            "bigint",
            42,
        )


def test_a_role_that_cannot_create_objects_gets_one_line(pg_url, engine_for):
    from common.errors import WorkbenchError
    from common.models.db_objects import View

    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id int PRIMARY KEY)"))
        conn.execute(sa.text("CREATE VIEW ids AS SELECT id FROM t"))
        conn.execute(sa.text("DROP ROLE IF EXISTS wb_reader"))
        conn.execute(sa.text("CREATE ROLE wb_reader"))
        conn.execute(sa.text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        conn.execute(sa.text("GRANT SELECT ON t, ids TO wb_reader"))
    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    declare(View("ids", "SELECT id FROM t"), metadata=metadata)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SET ROLE wb_reader"))
            with pytest.raises(WorkbenchError) as raised:
                compare_metadata(conn, metadata, load_settings())
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP OWNED BY wb_reader"))
            conn.execute(sa.text("DROP ROLE wb_reader"))
    assert raised.value.one_line() == (
        "error: the database objects cannot be compared: permission denied for schema public. "
        "Fix: compare as a role that may create temporary objects (TEMP) and objects in the "
        "compared schemas (CREATE), as migrations need; the comparison keeps nothing."
    )


def test_materialized_view_index_changes_keep_the_view(pg_url, engine_for):
    from common.models.db_objects import MaterializedView, MaterializedViewIndex

    def metadata(*indexes: MaterializedViewIndex) -> sa.MetaData:
        made = sa.MetaData()
        _tables(made)
        view = MaterializedView(
            "sums", "SELECT a, count(*) AS c FROM t0 GROUP BY a", indexes=indexes
        )
        declare(view, metadata=made)
        return made

    settings = load_settings()
    engine = engine_for(pg_url)
    by_a = MaterializedViewIndex("sums_a", "(a)", unique=True)
    with engine.begin() as conn:
        _apply(conn, metadata(by_a), settings)
    wanted = metadata(MaterializedViewIndex("sums_c", "USING brin (c)"))
    with engine.begin() as conn:
        script = _apply(conn, wanted, settings)
    assert [op.describe() for op in script.upgrade_ops.ops] == [
        "drop index sums_a on materialized view sums",
        "create index sums_c on materialized view sums",
    ]
    with engine.connect() as conn:
        assert compare_metadata(conn, wanted, settings) == []


def test_objects_in_another_schema_are_compared_there(pg_url, engine_for):
    from common.models.db_objects import Function, View

    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA reporting"))
    metadata = sa.MetaData()
    _tables(metadata)
    declare(
        Function("half", "x int", "RETURNS int LANGUAGE sql AS $$ SELECT x / 2 $$", "reporting"),
        View("halves", "SELECT id, reporting.half(a) AS h FROM public.t0", "reporting"),
        metadata=metadata,
    )
    settings = load_settings()
    with engine.begin() as conn:
        script = _apply(conn, metadata, settings)
    assert [op.schema for op in script.upgrade_ops.ops[-2:]] == ["reporting", "reporting"]
    with engine.connect() as conn:
        assert compare_metadata(conn, metadata, settings) == []

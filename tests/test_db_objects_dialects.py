"""Views and triggers on MySQL/MariaDB and SQLite; the PostgreSQL-only kinds refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from common.autogen import compare_metadata
from common.config import load_settings
from common.models.db_objects import Trigger, View, declare
from tests.test_db_objects import _apply

BODY = {
    "mysql": "AFTER INSERT ON t FOR EACH ROW BEGIN UPDATE counter SET n = n + {step}; END",
    "sqlite": "AFTER INSERT ON t FOR EACH ROW BEGIN UPDATE counter SET n = n + {step}; END",
}


def _metadata(dialect: str, where: str, step: int) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("a", sa.String(20)),
    )
    sa.Table("counter", metadata, sa.Column("n", sa.Integer, primary_key=True, autoincrement=False))
    declare(
        View("big", f"SELECT id, a FROM t WHERE {where}"),
        Trigger("t_count", "t", BODY[dialect].format(step=step)),
        metadata=metadata,
    )
    return metadata


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def kind(request) -> tuple[str, sa.URL]:
    """A fresh SQLite or MySQL/MariaDB database (the dialects without the other kinds)."""
    return request.param, request.getfixturevalue(f"{request.param}_url")


def test_views_and_triggers_created_compared_and_changed(kind, engine_for):
    dialect, url = kind
    engine = engine_for(url)
    settings = load_settings()
    first = _metadata(dialect, "id > 1", 1)
    with engine.begin() as conn:
        _apply(conn, first, settings)
        conn.execute(sa.text("INSERT INTO counter (n) VALUES (0)"))
        conn.execute(sa.text("INSERT INTO t (id, a) VALUES (1, 'x'), (2, 'y')"))
    with engine.connect() as conn:
        assert compare_metadata(conn, first, settings) == []
        assert conn.execute(sa.text("SELECT n FROM counter")).scalar() == 2
    second = _metadata(dialect, "id > 0", 10)
    with engine.connect() as conn:
        found = [diff[0] for diff in compare_metadata(conn, second, settings)]
    assert found == ["drop_trigger", "replace_view", "create_trigger"]
    with engine.begin() as conn:
        _apply(conn, second, settings)
        conn.execute(sa.text("INSERT INTO t (id, a) VALUES (3, 'z')"))
    with engine.connect() as conn:
        assert compare_metadata(conn, second, settings) == []
        assert conn.execute(sa.text("SELECT count(*) FROM big")).scalar() == 3
        assert conn.execute(sa.text("SELECT n FROM counter")).scalar() == 12


def test_a_postgresql_only_kind_is_refused_in_one_line(project, kind):
    dialect, url = kind
    project.use_database(url)
    project.write_models(
        "from common.models.db_objects import Function, declare\n"
        "declare(Function('f', '', 'RETURNS int LANGUAGE sql AS $$ SELECT 1 $$'))\n"
    )
    result = project.run("create-migration", "Function")
    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert (
        f"error: functions are PostgreSQL only; f is declared but this database is {dialect}. "
        "Fix: remove f from the declarations for this database." in result.output
    )
    assert project.revision_files() == []


SQLITE_MODELS = """
from sqlalchemy import Column, Integer, {a_type}
from sqlmodel import Field, SQLModel
from common.models.db_objects import Trigger, View, declare

class T(SQLModel, table=True):
    __tablename__ = "t"
    id: int | None = Field(default=None, primary_key=True)
    a: str | None = Field(default=None, sa_column=Column({a_type}({a_len})))

class Log(SQLModel, table=True):
    __tablename__ = "log"
    n: int = Field(primary_key=True)

declare(
    View("v", "SELECT id, a FROM t"),
    Trigger("t_log", "t", "AFTER INSERT ON t BEGIN INSERT INTO log (n) VALUES (NEW.id); END"),
)
"""


def test_sqlite_batch_copy_keeps_the_table_triggers(project, sqlite_url, engine_for):
    project.use_database(sqlite_url)
    project.write_models(SQLITE_MODELS.format(a_type="String", a_len=10))
    project.ok("create-migration", "Objects")
    project.ok("update-db")
    project.write_models(SQLITE_MODELS.format(a_type="String", a_len=200))
    project.ok("create-migration", "Longer a")
    project.ok("update-db")
    assert project.run("check").returncode == 0
    with engine_for(sqlite_url).begin() as conn:
        conn.execute(sa.text("INSERT INTO t (id, a) VALUES (7, 'x')"))
        assert conn.execute(sa.text("SELECT n FROM log")).scalar() == 7
        assert conn.execute(sa.text("SELECT a FROM v")).scalar() == "x"
    project.ok("downgrade")
    with engine_for(sqlite_url).begin() as conn:
        conn.execute(sa.text("INSERT INTO t (id, a) VALUES (8, 'y')"))
        assert conn.execute(sa.text("SELECT count(*) FROM log")).scalar() == 2

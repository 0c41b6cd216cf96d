"""A NOT NULL column with a constant default is one instant step on PostgreSQL 11+.

The rendered choice is checked on the text (no database); what PostgreSQL does with it
on a table holding rows (no row rewritten, every row holding the value, the model's lack
of a server default restored) runs on the local server and on the embedded 18.
"""

from __future__ import annotations

import pytest
from alembic.operations import ops
from sqlalchemy import Column, DateTime, Integer, String, func, text
from sqlalchemy.dialects import mysql, postgresql, sqlite

from common.render.header import review_header
from common.render.instant_defaults import instant_reason, is_constant, why_not_instant
from common.render.notes import place_notes
from common.render.safe_columns import make_columns_safe
from tests.scenario import Scenario, compact, rows


@pytest.mark.parametrize(
    ("value", "constant"),
    [
        (3, True),
        ("new", True),
        (text("3"), True),
        (text("'new'::character varying"), True),
        (text("'{}'::jsonb"), True),
        (text("(-1)"), True),
        (text("now()"), False),
        (text("CURRENT_TIMESTAMP"), False),
        (text("gen_random_uuid()"), False),
        (text("nextval('item_id_seq'::regclass)"), False),
        (func.now(), False),
    ],
)
def test_only_literals_casts_and_operators_count_as_constant(value, constant):
    assert is_constant(value) is constant


def _server(version: tuple | None):
    dialect = postgresql.dialect()
    dialect.server_version_info = version
    return dialect


def _render(column: Column, version: tuple | None) -> tuple[str, str]:
    """(the upgrade's code, the review header) for adding ``column`` to table item."""
    from alembic.autogenerate import render_python_code

    upgrade = ops.UpgradeOps([ops.ModifyTableOps("item", [ops.AddColumnOp("item", column)])])
    make_columns_safe(
        upgrade, "postgresql", downgrade=False, metadata=None, server=_server(version)
    )
    header = review_header(ops.MigrationScript("1", upgrade, ops.DowngradeOps([])), "postgresql")
    place_notes(upgrade)
    return compact(render_python_code(upgrade)), header


def test_a_constant_server_default_is_added_in_one_step_and_the_header_says_why():
    code, header = _render(Column("state", String(10), nullable=False, server_default="new"), (15,))
    assert (
        compact(
            "op.add_column('item', sa.Column('state', sa.String(length=10), server_default='new', "
            "nullable=False))"
        )
        in code
    )
    assert header.splitlines()[1:4] == [
        "  1. add column item.state (NOT NULL DEFAULT 'new')",
        "     lock: ACCESS EXCLUSIVE, brief (catalog change only)",
        "     why: instant on PostgreSQL 15 (11+): a constant default is kept in the catalog, "
        "no rewrite, no scan",
    ]


def test_a_python_default_is_added_as_the_default_then_dropped():
    code, header = _render(Column("rank", Integer, nullable=False, default=3), (18, 1))
    assert (
        compact(
            "op.add_column('item', sa.Column('rank', sa.Integer(), server_default=sa.text('3'), "
            "nullable=False)) op.alter_column('item', 'rank', existing_type=sa.Integer(), "
            "server_default=None, existing_nullable=False)"
        )
        in code
    )
    assert "instant on PostgreSQL 18 (11+)" in header
    assert "the model has no server default: the next step drops it" in header


@pytest.mark.parametrize(
    ("column", "version", "why"),
    [
        (
            Column("seen", DateTime, nullable=False, server_default=func.now()),
            (15,),
            "(the default now() is not a constant: the backfill computes it for the existing rows)",
        ),
        (
            Column("rank", Integer, nullable=False, default=3),
            (10, 23),
            "(PostgreSQL before 11 rewrites the whole table for a default)",
        ),
        (
            Column("rank", Integer, nullable=False, default=3),
            None,
            "(no server version known, so PostgreSQL 11+'s one-step add is not assumed)",
        ),
    ],
)
def test_the_safe_path_stays_where_the_instant_one_does_not_apply_and_says_why(
    column, version, why
):
    code, header = _render(column, version)
    assert "op.batch_update('item'" in code
    assert f"op.set_not_null_safely('item','{column.name}')" in code
    assert compact(why) in code  # the # REVIEW: note, in the script and in the header
    assert why in " ".join(header.split())
    if column.server_default is not None:  # added bare, its default set apart: no rewrite
        assert "sa.Column('seen',sa.DateTime(),nullable=True)" in code
        assert compact("server_default=sa.text('now()'), existing_nullable=True)") in code
        assert "alter column item.seen: server default now()" in header


def _mysql(version: tuple, mariadb: bool):
    dialect = mysql.dialect()
    dialect.server_version_info = version
    dialect.is_mariadb = mariadb
    return dialect


def _sqlite():
    dialect = sqlite.dialect()
    dialect.server_version_info = (3, 40, 1)
    return dialect


@pytest.mark.parametrize(
    ("server", "value", "in_database", "reason", "why_not"),
    [
        (
            _mysql((10, 11, 19, "MariaDB"), True),
            3,
            False,
            "instant on MariaDB 10.11 (10.3.2+): InnoDB adds the column in its data dictionary, "
            "no rebuild",
            None,
        ),
        (
            _mysql((10, 2, 44, "MariaDB"), True),
            3,
            False,
            None,
            "MariaDB before 10.3.2 rebuilds the table for a new column",
        ),
        (
            _mysql((8, 0, 36), False),
            "new",
            True,
            "instant on MySQL 8.0 (8.0.12+): InnoDB adds the column in its data dictionary, "
            "no rebuild",
            None,
        ),
        (
            _mysql((5, 7, 44), False),
            "new",
            True,
            None,
            "MySQL before 8.0.12 rebuilds the table for a new column",
        ),
        (
            _sqlite(),
            text("'new'"),
            True,
            "instant on SQLite: ADD COLUMN edits only the schema; earlier rows read the default",
            None,
        ),
        (_sqlite(), text("(-1)"), True, None, None),  # SQLite refuses a parenthesized default
        (
            _sqlite(),
            3,
            False,
            None,
            "on SQLite the default could only be dropped again by copying the table",
        ),
        (
            None,
            3,
            False,
            None,
            "no server version known, so MySQL's and MariaDB's one-step add is not assumed",
        ),
    ],
)
def test_which_servers_take_the_one_step_add_and_why(server, value, in_database, reason, why_not):
    assert instant_reason(server, value, server_default=in_database) == reason
    name = "mysql" if server is None else server.name
    if why_not:
        assert why_not_instant(name, server, value, server_default=in_database) == why_not


BEFORE = """
    from sqlmodel import Field, SQLModel

    class Item(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(max_length=50)
"""

AFTER = """
    from sqlalchemy import Column, String
    from sqlmodel import Field, SQLModel

    class Item(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(max_length=50)
        rank: int = Field(default=3)
        state: str = Field(
            sa_column=Column(String(10), nullable=False, server_default="new")
        )
"""

SEED = ["INSERT INTO item (name) SELECT 'n' || g FROM generate_series(1, 500) AS g"]


def test_on_a_table_with_rows_no_row_is_rewritten_and_every_row_holds_the_default(project, pg_pair):
    pg_url = pg_pair[0]
    scenario = Scenario(BEFORE, AFTER, SEED)
    scenario.prepare(project, pg_pair)
    script = compact(scenario.generate())
    assert "batch_update" not in script and "set_not_null_safely" not in script
    review = scenario.project.run("review").stdout
    assert "ACCESS EXCLUSIVE; instant: default kept in the catalog (PostgreSQL 11+);" in review
    # xmin is the transaction that wrote each row version: unchanged means not rewritten
    before = rows(pg_url, "SELECT id, xmin::text FROM item ORDER BY id")
    scenario.upgrade_converges()  # schema equal to create_all: rank has no default left
    assert rows(pg_url, "SELECT id, xmin::text FROM item ORDER BY id") == before
    assert rows(pg_url, "SELECT DISTINCT rank, state FROM item") == [(3, "new")]
    scenario.downgrade_converges()
    assert rows(pg_url, "SELECT count(*) FROM item") == [(500,)]


PORTABLE_SEED = [
    "INSERT INTO item (name) WITH RECURSIVE g(n) AS "
    "(SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 500) SELECT 'n' FROM g"
]


def _instant_alters(url) -> int:
    """MariaDB's count of ALTERs InnoDB did in place of a rebuild, since the server started."""
    return int(rows(url, "SHOW GLOBAL STATUS LIKE 'innodb_instant_alter_column'")[0][1])


def test_on_mariadb_both_columns_are_added_instantly_with_rows(project, mysql_pair):
    url = mysql_pair[0]
    scenario = Scenario(BEFORE, AFTER, PORTABLE_SEED)
    scenario.prepare(project, mysql_pair)
    script = scenario.generate()
    assert "batch_update" not in script
    assert "why: instant on MariaDB" in script and "(10.3.2+)" in script
    before = _instant_alters(url)
    scenario.upgrade_converges()
    assert _instant_alters(url) > before  # other tests' ALTERs can only add to it
    assert rows(url, "SELECT DISTINCT `rank`, state FROM item") == [(3, "new")]
    scenario.downgrade_converges()
    assert rows(url, "SELECT count(*) FROM item") == [(500,)]


def test_on_sqlite_only_a_server_default_is_added_in_one_step(project, sqlite_pair):
    """A Python default would need a table copy to be dropped again: it keeps the backfill."""
    url = sqlite_pair[0]
    scenario = Scenario(BEFORE, AFTER, PORTABLE_SEED)
    scenario.prepare(project, sqlite_pair)
    script = compact(scenario.generate())
    assert "server_default='new',nullable=False)" in script
    assert "op.batch_update('item',{'rank':3}" in script
    assert "batch_update('item',{'state'" not in script
    assert compact("(on SQLite the default could only be dropped again by copying the table)") in (
        script
    )
    scenario.upgrade_converges()
    assert rows(url, "SELECT DISTINCT rank, state FROM item") == [(3, "new")]
    scenario.downgrade_converges()
    assert rows(url, "SELECT count(*) FROM item") == [(500,)]


VOLATILE = AFTER.replace(
    "from sqlalchemy import Column, String",
    "from sqlalchemy import Column, String, Uuid, text",
).replace(
    "        rank: int = Field(default=3)\n",
    "        token: str = Field(sa_column=Column(Uuid, nullable=False,"
    " server_default=text('gen_random_uuid()')))\n",
)


def test_a_volatile_default_is_set_apart_so_the_table_is_not_rewritten(project, pg_pair):
    """ADD COLUMN ... DEFAULT gen_random_uuid() rewrites the table under ACCESS EXCLUSIVE;
    the column is added bare, the default set after, and the backfill gives each row its own."""
    pg_url = pg_pair[0]
    scenario = Scenario(BEFORE, VOLATILE, SEED)
    scenario.prepare(project, pg_pair)
    script = compact(scenario.generate())
    assert "sa.Column('token',sa.Uuid(),nullable=True)" in script
    file_node = "SELECT relfilenode FROM pg_class WHERE relname = 'item'"
    before = rows(pg_url, file_node)
    scenario.upgrade_converges()  # the default is the model's, NOT NULL set
    assert rows(pg_url, file_node) == before  # updated in place, never rewritten
    assert rows(pg_url, "SELECT count(DISTINCT token), count(*) FROM item") == [(500, 500)]
    assert rows(pg_url, "SELECT DISTINCT state FROM item") == [("new",)]

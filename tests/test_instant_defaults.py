"""A NOT NULL column with a constant default is one instant step on PostgreSQL 11+.

The rendered choice is checked on the text (no database); what PostgreSQL does with it
on a table holding rows (no row rewritten, every row holding the value, the model's lack
of a server default restored) runs on the local server and on the embedded 18.
"""

from __future__ import annotations

import pytest
from alembic.operations import ops
from sqlalchemy import Column, DateTime, Integer, String, func, text
from sqlalchemy.dialects import postgresql

from common.render.header import review_header
from common.render.instant_defaults import is_constant
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
            "(the default now() is not a constant: each row gets its own value)",
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

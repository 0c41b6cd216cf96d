"""Safe patterns end to end, on tables that already hold rows.

NOT NULL columns with a constant default are added in one step where the server keeps
the default in its catalog (PostgreSQL 11+, MariaDB 10.3+; ``test_instant_defaults``),
others added nullable, backfilled in batches, then made NOT NULL; a nullable column
becoming NOT NULL gets its NULLs backfilled first; new indexes are built CONCURRENTLY
and new foreign keys added NOT VALID then validated (PostgreSQL); a NOT NULL column
without any default stops the revision before it changes anything. Each scenario ends
with the schema equal to a fresh ``create_all`` and a downgrade back to the old models.
"""

from __future__ import annotations

from tests.scenario import Scenario, compact, rows

ITEM_V1 = """
    from sqlmodel import Field, SQLModel

    class Owner(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)

    class Item(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(max_length=50)
        note: str | None = Field(default=None, max_length=50)
"""

ITEM_V2 = """
    from sqlalchemy import Column, String
    from sqlmodel import Field, SQLModel

    class Owner(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)

    class Item(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(max_length=50)
        note: str = Field(default="none", max_length=50)
        priority: int = Field(default=3, index=True)
        state: str = Field(
            sa_column=Column(String(10), nullable=False, server_default="new")
        )
        owner_id: int | None = Field(default=None, foreign_key="owner.id")
"""

SEED = [
    "INSERT INTO owner (id) VALUES (1)",
    "INSERT INTO item (name, note) VALUES ('a', 'kept'), ('b', NULL), ('c', NULL)",
]


def test_not_null_columns_are_backfilled_and_indexes_and_keys_added_safely(
    project, any_url, fresh_url
):
    scenario = Scenario(ITEM_V1, ITEM_V2, SEED)
    scenario.prepare(project, (any_url, fresh_url()))
    script = scenario.generate()
    upgrade, downgrade = script.split("def downgrade")
    flat = compact(upgrade)
    assert (
        compact("op.batch_update('item', {'note': 'none'}, where=sa.column('note').is_(None))")
        in flat
    )
    if any_url.get_backend_name() == "sqlite":  # dropping a Python default copies the table
        assert (
            compact(
                "op.batch_update('item', {'priority': 3}, where=sa.column('priority').is_(None))"
            )
            in flat
        )
        assert compact("sa.Column('priority', sa.Integer(), nullable=True)") in flat
        assert "# REVIEW: item.priority is NOT NULL: added nullable" in upgrade
    else:  # constant defaults on PostgreSQL 11+ and MariaDB 10.3+: one instant step
        expected = (
            "sa.Column('priority', sa.Integer(), server_default=sa.text('3'), nullable=False)"
        )
        assert compact(expected) in flat
        assert compact("server_default=None, existing_nullable=False)") in flat
        assert compact("server_default='new', nullable=False)") in flat
        assert "batch_update('item', {'priority'" not in flat
    if any_url.get_backend_name() == "postgresql":
        assert compact("op.alter_column('item','priority',existing_type=sa.Integer(),") in flat
        assert "set_not_null_safely('item', 'priority')" not in flat
        assert compact("op.set_not_null_safely('item', 'note')") in flat
        assert (
            compact("op.create_index_concurrently('ix_item_priority', 'item', ['priority'])")
            in flat
        )
        expected = "op.create_foreign_key_not_valid('fk_item_owner_id_owner','item','owner',"
        assert compact(expected + "['owner_id'],['id'])") in flat
        assert compact("op.validate_constraint('fk_item_owner_id_owner', 'item')") in flat
        assert "op.drop_index_concurrently(" in downgrade
        assert "1. alter column item.note" not in script  # header lists the real steps
        assert "CONCURRENTLY" in script.split('"""')[1]
    else:
        assert "concurrently" not in script
        assert "not_valid" not in script
    scenario.upgrade_converges()
    found = rows(any_url, "SELECT name, note, priority, state FROM item ORDER BY id")
    assert found == [
        ("a", "kept", 3, "new"),
        ("b", "none", 3, "new"),
        ("c", "none", 3, "new"),
    ]
    scenario.downgrade_converges()
    assert rows(any_url, "SELECT name, note FROM item ORDER BY id") == [
        ("a", "kept"),
        ("b", "none"),
        ("c", "none"),
    ]


ITEM_V2_NO_DEFAULT = ITEM_V1.replace("note: str | None", "rank: int\n        note: str | None")


def test_not_null_column_without_default_stops_on_sqlite(project, sqlite_url):
    _stops_before_changing_anything(project, sqlite_url)


def test_not_null_column_without_default_stops_on_postgresql(project, pg_url):
    _stops_before_changing_anything(project, pg_url)


def _stops_before_changing_anything(project, any_url):
    project.use_database(any_url)
    project.write_models(ITEM_V1)
    project.ok("create-migration", "Items")
    project.ok("update-db")
    project.write_models(ITEM_V2_NO_DEFAULT)
    project.ok("create-migration", "Add rank")
    script = project.revision_files()[-1].read_text()
    upgrade = script.split("def upgrade() -> None:")[1].split("def downgrade")[0]
    first_step = [line.strip() for line in upgrade.splitlines() if line.strip()][1]
    assert first_step == "op.stop_migration("
    assert "# REVIEW: adding-not-nullable-field: item.rank is NOT NULL without a default" in script
    result = project.run("update-db")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: item.rank is NOT NULL without a default: the rows already in item would have "
        "no value for it. Fix: give the model field a default (Field(default=...)) or a "
        "server_default and generate again, or backfill by hand: add it nullable, "
        "op.batch_update, then op.set_not_null_safely, and delete this line."
    )
    assert "Traceback" not in result.output
    assert project.ok("current").stdout.strip() == "0001_items"
    assert "rank" not in {c for c in _columns(any_url, "item")}


def _columns(url, table: str) -> list[str]:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        return [c["name"] for c in inspect(engine).get_columns(table)]
    finally:
        engine.dispose()


DATED_V2 = """
    import datetime

    from sqlmodel import Field, SQLModel

    class Owner(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)

    class Item(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(max_length=50)
        note: str | None = Field(default=None, max_length=50)
        due: datetime.date = Field(default=datetime.date(2024, 1, 2))
"""


def test_a_date_default_backfills_existing_rows_with_that_date(project, any_url, fresh_url):
    """The default is written as a date literal; it used to become ``sa.text('2024-01-02')``,
    which PostgreSQL reads as the integer 2021 (2024 minus 1 minus 2) and refuses."""
    scenario = Scenario(ITEM_V1, DATED_V2, SEED)
    scenario.prepare(project, (any_url, fresh_url()))
    script = scenario.generate()
    if any_url.get_backend_name() != "sqlite":  # the instant path writes it as the default
        assert compact("server_default=sa.text(\"'2024-01-02'\"), nullable=False)") in compact(
            script
        )
    else:
        assert compact("op.batch_update('item', {'due': sa.text(\"'2024-01-02'\")}") in compact(
            script
        )
    scenario.upgrade_converges()
    found = {str(day)[:10] for (day,) in rows(any_url, "SELECT due FROM item")}
    assert found == {"2024-01-02"}

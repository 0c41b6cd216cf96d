"""CHECK constraint scenarios: added, changed (same name, new expression), dropped."""

from __future__ import annotations

from tests.scenario import Scenario, compact


def models(*checks: str) -> str:
    args = ", ".join(f"CheckConstraint({expr!r}, name={name!r})" for name, expr in checks)
    table_args = f"        __table_args__ = ({args},)\n" if checks else ""
    return f"""
    from decimal import Decimal
    from sqlalchemy import CheckConstraint, Numeric
    from sqlmodel import Field, SQLModel

    class Item(SQLModel, table=True):
{table_args}        id: int | None = Field(default=None, primary_key=True)
        kind: str = Field(max_length=10)
        price: Decimal = Field(sa_type=Numeric(10, 2))
        qty: int | None = None
"""


SEED = ["INSERT INTO item (id, kind, price, qty) VALUES (1, 'a', 5, 1), (2, 'b', 7.5, NULL)"]
QUERY = "SELECT id, kind, price, qty FROM item ORDER BY id"
RICH = [
    ("kind_known", "kind IN ('a', 'b', 'c')"),
    ("price_range", "price BETWEEN 0 AND 1000"),
    ("qty_positive", "qty IS NULL OR qty > 0"),
]


def test_check_added(project, pg_pair):
    script = Scenario(models(), models(*RICH), SEED, QUERY).run(project, pg_pair)
    upgrade = script[: script.index("def downgrade")]
    # an existing table: added NOT VALID, validated as a separate step
    added = upgrade.index('op.create_check_constraint_not_valid(\n        "ck_item_kind_known"')
    assert added < upgrade.index('op.validate_constraint("ck_item_kind_known", "item")')


def test_check_changed(project, pg_pair):
    old = models(("price_range", "price BETWEEN 0 AND 1000"))
    new = models(("price_range", "price >= 0 AND price < 100"))
    script = compact(Scenario(old, new, SEED, QUERY).run(project, pg_pair))
    upgrade = script[: script.index("defdowngrade")]
    # committed before the NOT VALID step's autocommit block: guarded for a rerun
    dropped = "op.drop_constraint(op.f('ck_item_price_range'),'item',type_='check',if_exists=True)"
    assert upgrade.index(dropped) < upgrade.index("op.create_check_constraint")


def test_check_dropped(project, pg_pair):
    script = Scenario(models(*RICH), models(*RICH[1:]), SEED, QUERY).run(project, pg_pair)
    assert 'op.drop_constraint(op.f("ck_item_kind_known"), "item", type_="check")' in script


def test_unchanged_checks_are_not_reported(project, pg_pair):
    project.use_database(pg_pair[0])
    project.write_models(models(*RICH))
    project.ok("create-migration", "Items")
    project.ok("update-db")
    again = project.ok("create-migration", "Nothing")
    assert "No changes" in again.stderr
    assert len(project.revision_files()) == 1


def test_check_changed_sqlite(project, sqlite_pair):
    old = models(("price_range", "price BETWEEN 0 AND 1000"))
    new = models(("price_range", "price >= 0 AND price < 100"), RICH[0])
    Scenario(old, new, SEED, QUERY).run(project, sqlite_pair)


def test_check_changed_mysql(project, mysql_pair):
    old = models(("price_range", "price BETWEEN 0 AND 1000"))
    new = models(("price_range", "price >= 0 AND price < 100"), RICH[0])
    Scenario(old, new, SEED, QUERY).run(project, mysql_pair)

"""Type scenarios: lengths, precision, kinds; casts PostgreSQL needs; casts none can do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.scenario import Scenario, execute, rows, snapshot


def models(code: str = "str = Field(max_length=20)", amount: str = "Numeric(10, 2)") -> str:
    return f"""
    from decimal import Decimal
    from sqlalchemy import Numeric
    from sqlmodel import Field, SQLModel

    class Account(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str
        code: {code}
        amount: Decimal = Field(sa_type={amount})
"""


SEED = [
    "INSERT INTO account (id, name, code, amount) VALUES (1, 'alpha', '12', 3.5), (2, 'b', '7', 1)"
]
QUERY = "SELECT id, name, code, amount FROM account ORDER BY id"


def bounded_name(source: str) -> str:
    return source.replace("        name: str\n", "        name: str = Field(max_length=50)\n")


def test_unbounded_varchar_gets_a_length(project, pg_pair):
    script = Scenario(models(), bounded_name(models()), SEED, QUERY).run(project, pg_pair)
    assert "type_=sa.String(length=50)" in script


def test_length_and_precision_change(project, pg_pair):
    old = models()
    new = models("str = Field(max_length=40)", "Numeric(12, 4)")
    rows = [(1, "alpha", "12", Decimal("3.5000")), (2, "b", "7", Decimal("1.0000"))]
    script = Scenario(old, new, SEED, QUERY, expected_rows=rows).run(project, pg_pair)
    assert "type_=sa.String(length=40)" in script
    assert "type_=sa.Numeric(precision=12, scale=4)" in script


def test_text_to_integer_casts_both_ways(project, pg_pair):
    new = models("int")
    rows = [(1, "alpha", 12, Decimal("3.50")), (2, "b", 7, Decimal("1.00"))]
    script = Scenario(models(), new, SEED, QUERY, expected_rows=rows).run(project, pg_pair)
    upgrade, downgrade = script.split("def downgrade")
    assert (
        "postgresql_using='code::INTEGER'" in upgrade
        or 'postgresql_using="code::INTEGER"' in upgrade
    )
    assert "postgresql_using" not in downgrade  # integer -> varchar is an assignment cast


def test_integer_to_uuid_stops_with_a_message(project, pg_pair):
    url = pg_pair[0]
    project.use_database(url)
    project.write_models(models("int"))
    project.ok("create-migration", "Old")
    project.ok("update-db")
    before = snapshot(url)
    project.write_models(
        models("uuid.UUID").replace("from decimal", "import uuid\n    from decimal")
    )
    project.ok("create-migration", "Code becomes a uuid")
    script = project.revision_files()[-1].read_text()
    assert "# REVIEW: integer -> uuid has no cast: write this data migration by hand" in script
    assert 'op.require_data_migration("account", "code", "integer", "uuid")' in script
    failed = project.run("update-db")
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1] == (
        "error: account.code cannot change from integer to uuid: no cast converts the existing "
        "values; nothing was changed. Fix: replace op.require_data_migration(...) in the "
        "revision with a hand-written data migration (add a new column, fill it, drop the old "
        "one), then run update-db again."
    )
    assert snapshot(url) == before


def test_length_change_sqlite(project, sqlite_pair):
    new = bounded_name(models("str = Field(max_length=40)"))
    Scenario(models(), new, SEED, QUERY).run(project, sqlite_pair)


def test_length_and_kind_change_mysql(project, mysql_pair):
    new = models("str = Field(max_length=40)", "Numeric(12, 4)")
    rows = [(1, "alpha", "12", Decimal("3.5000")), (2, "b", "7", Decimal("1.0000"))]
    Scenario(
        models().replace("name: str\n", "name: str = Field(max_length=30)\n"),
        new.replace("name: str\n", "name: str = Field(max_length=60)\n"),
        SEED,
        QUERY,
        expected_rows=rows,
    ).run(project, mysql_pair)


@pytest.mark.parametrize("db", [pytest.param("sqlite"), pytest.param("mysql")])
def test_integer_to_uuid_stops_on_every_database(project, request, db):
    """SQLite's batch copy put the integers into the UUID column: unreadable rows."""
    url, _ = request.getfixturevalue(f"{db}_pair")
    project.use_database(url)
    project.write_models(models("int"))
    project.ok("create-migration", "Old")
    project.ok("update-db")
    execute(url, *SEED)
    before, rows_before = snapshot(url), rows(url, QUERY)
    project.write_models(
        models("uuid.UUID").replace("from decimal", "import uuid\n    from decimal")
    )
    project.ok("create-migration", "Code becomes a uuid")
    assert "op.require_data_migration(" in project.revision_files()[-1].read_text()
    failed = project.run("update-db")
    assert failed.returncode == 1
    assert "error: account.code cannot change from " in failed.stderr
    assert "no cast converts the existing values; nothing was changed." in failed.stderr
    assert snapshot(url) == before and rows(url, QUERY) == rows_before

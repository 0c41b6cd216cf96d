"""Enum scenarios: the SQLModel case (a Python Enum -> a native type named after it)."""

from __future__ import annotations

from tests.scenario import Scenario, rows, snapshot

HEADER = """
    import enum
    from sqlmodel import Field, SQLModel
"""


def models(
    status_values: list[str], extra: str = "", status_column: bool = True, optional: bool = False
) -> str:
    members = "\n".join(f"        {v} = {v!r}" for v in status_values)
    column = "        status: Status = Field(default=Status.todo)\n" if status_column else ""
    if optional:
        column = column.replace("Status =", "Status | None =")
    return (
        HEADER
        + f"""
    class Status(enum.Enum):
{members}

    class Task(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=100)
{column}"""
        + extra
    )


SEED = ["INSERT INTO task (id, title, status) VALUES (1, 'a', 'todo'), (2, 'b', 'done')"]
QUERY = "SELECT id, title, CAST(status AS VARCHAR(20)) FROM task ORDER BY id"

PRIORITY = """
    class Priority(enum.Enum):
        low = "low"
        high = "high"

    Task.__table__.append_column(
        __import__("sqlalchemy").Column(
            "priority", __import__("sqlalchemy").Enum(Priority), nullable=True
        )
    )
"""


def test_new_enum_type_on_new_column_of_existing_table(project, pg_pair):
    scenario = Scenario(models(["todo", "done"]), models(["todo", "done"], PRIORITY), SEED, QUERY)
    script = scenario.run(project, pg_pair)
    assert script.index('op.create_enum_type("priority", ["low", "high"])') < script.index(
        "op.add_column"
    )
    downgrade = script[script.index("def downgrade") :]
    assert downgrade.index("op.drop_column") < downgrade.index(
        'op.drop_enum_type("priority", if_unused=True)'
    )


def test_values_added_in_order(project, pg_pair):
    scenario = Scenario(
        models(["todo", "done"]),
        models(["todo", "doing", "done", "archived"]),
        SEED,
        QUERY,
    )
    script = scenario.run(project, pg_pair)
    assert 'op.add_enum_value("status", "doing", before="done")' in script
    assert 'op.add_enum_value("status", "archived", after="done")' in script
    assert snapshot(pg_pair[0])["(enums)"] == [("public", "status", ("todo", "done"))]


def test_added_value_is_usable_after_upgrade(project, pg_pair):
    url = pg_pair[0]
    project.use_database(url)
    project.write_models(models(["todo", "done"]))
    project.ok("create-migration", "Old")
    project.ok("update-db")
    project.write_models(models(["todo", "doing", "done"]))
    project.ok("create-migration", "Add doing")
    project.ok("update-db")
    from tests.scenario import execute

    execute(url, "INSERT INTO task (id, title, status) VALUES (3, 'c', 'doing')")
    assert rows(url, "SELECT status::text FROM task") == [("doing",)]
    failed = project.run("downgrade")
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1] == (
        "error: task.status still holds 'doing' (1 row(s)), which the enum type status loses "
        "in this revision; nothing was changed. Fix: update those rows to one of 'todo', "
        "'done' (e.g. op.batch_update in an earlier revision), then run update-db again."
    )
    assert snapshot(url)["(enums)"] == [("public", "status", ("todo", "doing", "done"))]


def test_value_removed_swaps_the_type(project, pg_pair):
    scenario = Scenario(models(["todo", "doing", "done"]), models(["todo", "done"]), SEED, QUERY)
    script = scenario.run(project, pg_pair)
    flat = " ".join(script.split())
    assert (
        'op.swap_enum_type( "status", ["todo", "done"], existing_values=["todo", "doing", "done"]'
        in flat
    )


def test_value_removed_while_rows_hold_it_refuses(project, pg_pair):
    url = pg_pair[0]
    project.use_database(url)
    project.write_models(models(["todo", "doing", "done"]))
    project.ok("create-migration", "Old")
    project.ok("update-db")
    from tests.scenario import execute

    execute(url, "INSERT INTO task (id, title, status) VALUES (1, 'a', 'doing'), (2, 'b', 'doing')")
    before = snapshot(url)
    project.write_models(models(["todo", "done"]))
    project.ok("create-migration", "Drop doing")
    failed = project.run("update-db")
    assert failed.returncode == 1
    assert "error: task.status still holds 'doing' (2 row(s))" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert snapshot(url) == before
    assert project.ok("current").stdout.strip().startswith("0001")


def test_values_reordered_swaps_the_type(project, pg_pair):
    scenario = Scenario(
        models(["todo", "doing", "done"]), models(["done", "doing", "todo"]), SEED, QUERY
    )
    script = scenario.run(project, pg_pair)
    assert "swap_enum_type" in script


def test_enum_column_dropped_drops_the_type(project, pg_pair):
    scenario = Scenario(
        models(["todo", "done"], optional=True),
        models(["todo", "done"], status_column=False),
        SEED,
        "SELECT id, title FROM task ORDER BY id",
    )
    script = scenario.run(project, pg_pair)
    assert 'op.drop_enum_type("status", if_unused=True)' in script
    assert 'op.create_enum_type("status"' in script


def test_table_with_enum_dropped_drops_the_type(project, pg_pair):
    old = (
        models(["todo", "done"])
        + """
    class Note(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
"""
    )
    new = (
        HEADER
        + """
    class Note(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
"""
    )
    scenario = Scenario(old, new, SEED)
    script = scenario.run(project, pg_pair)
    upgrade = script[: script.index("def downgrade")]
    assert upgrade.index('op.drop_table("task")') < upgrade.index('op.drop_enum_type("status"')


def test_enum_values_added_mysql(project, mysql_pair):
    Scenario(models(["todo", "done"]), models(["todo", "doing", "done"]), SEED, QUERY).run(
        project, mysql_pair
    )


def test_enum_values_added_sqlite(project, sqlite_pair):
    Scenario(models(["todo", "done"]), models(["todo", "doing", "done"]), SEED, QUERY).run(
        project, sqlite_pair
    )

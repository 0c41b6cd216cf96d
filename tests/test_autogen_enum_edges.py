"""Enum scenarios around the edges: one type for two new uses, defaults on swapped types,
several values in one revision, arrays of an enum, an enum in another schema."""

from __future__ import annotations

from tests.scenario import Scenario, compact, snapshot

HEADER = """
    import enum
    import sqlalchemy as sa
    from sqlmodel import Field, SQLModel
"""


def status_models(values: list[str], column: str = "", extra: str = "") -> str:
    members = "\n".join(f"        {v} = {v!r}" for v in values)
    column = column or "        status: Status = Field(default=Status.todo)\n"
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

PRIORITY_TWICE = """
    class Priority(enum.Enum):
        low = "low"
        high = "high"

    Task.__table__.append_column(sa.Column("priority", sa.Enum(Priority), nullable=True))

    class Ticket(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        priority: Priority = Field(default=Priority.low)
"""


def _sections(script: str) -> tuple[str, str]:
    at = script.index("def downgrade")
    return script[:at], script[at:]


def test_new_type_used_by_new_table_and_new_column(project, pg_pair):
    old = status_models(["todo", "done"])
    new = status_models(["todo", "done"], extra=PRIORITY_TWICE)
    script = Scenario(old, new, SEED, QUERY).run(project, pg_pair)
    upgrade, downgrade = _sections(script)
    first_use = min(upgrade.index("op.create_table("), upgrade.index("op.add_column("))
    if 'op.create_enum_type("priority"' in upgrade:
        assert upgrade.count('op.create_enum_type("priority"') == 1
        assert upgrade.index('op.create_enum_type("priority"') < first_use
    else:  # create_table creates the type: it must come before the new column
        assert upgrade.index("op.create_table(") < upgrade.index("op.add_column(")
    assert downgrade.count('op.drop_enum_type("priority"') == 1
    assert snapshot(pg_pair[0])["(enums)"] == [("public", "status", ("todo", "done"))]


DEFAULT_COLUMN = (
    "        status: Status = Field(default=Status.{0}, "
    "sa_column_kwargs={{'server_default': '{0}'}})\n"
)


def test_value_removed_while_it_is_the_server_default(project, pg_pair):
    old = status_models(["todo", "doing", "done"], DEFAULT_COLUMN.format("doing"))
    new = status_models(["todo", "done"], DEFAULT_COLUMN.format("todo"))
    script = Scenario(old, new, SEED, QUERY).run(project, pg_pair)
    assert "swap_enum_type" in script


def test_value_removed_with_another_server_default(project, pg_pair):
    old = status_models(["todo", "doing", "done"], DEFAULT_COLUMN.format("todo"))
    new = status_models(["todo", "done"], DEFAULT_COLUMN.format("todo"))
    Scenario(old, new, SEED, QUERY).run(project, pg_pair)


def test_value_added_and_made_the_server_default(project, pg_pair):
    old = status_models(["todo", "done"], DEFAULT_COLUMN.format("todo"))
    new = status_models(["todo", "doing", "done"], DEFAULT_COLUMN.format("doing"))
    Scenario(old, new, SEED, QUERY).run(project, pg_pair)


def test_removed_default_value_held_by_rows_still_refuses(project, pg_pair):
    url = pg_pair[0]
    project.use_database(url)
    project.write_models(status_models(["todo", "doing", "done"], DEFAULT_COLUMN.format("doing")))
    project.ok("create-migration", "Old")
    project.ok("update-db")
    from tests.scenario import execute

    execute(url, "INSERT INTO task (id, title) VALUES (1, 'a')")
    before = snapshot(url)
    project.write_models(status_models(["todo", "done"], DEFAULT_COLUMN.format("todo")))
    project.ok("create-migration", "Drop doing")
    failed = project.run("update-db")
    assert failed.returncode == 1
    assert "error: task.status still holds 'doing' (1 row(s))" in failed.stderr
    assert snapshot(url) == before


def test_several_values_added_and_downgraded_with_one_swap(project, pg_pair):
    old = status_models(["todo", "done"])
    new = status_models(["first", "todo", "doing", "review", "done", "archived"])
    script = Scenario(old, new, SEED, QUERY).run(project, pg_pair)
    upgrade, downgrade = _sections(script)
    flat = compact(upgrade)
    assert "op.add_enum_value('status','first',before='todo')" in flat
    assert "op.add_enum_value('status','doing',before='done')" in flat
    assert "op.add_enum_value('status','review',before='done')" in flat
    assert "op.add_enum_value('status','archived',after='done')" in flat
    assert downgrade.count("swap_enum_type") == 1
    assert "op.swap_enum_type('status',['todo','done']" in compact(downgrade)


ARRAY_COLUMN = (
    "        tags: list[Status] = Field(sa_column=sa.Column(sa.ARRAY(sa.Enum(Status))))\n"
    "        status: Status = Field(default=Status.todo)\n"
)
ARRAY_SEED = [
    "INSERT INTO task (id, title, status, tags) VALUES "
    "(1, 'a', 'todo', '{todo,done}'), (2, 'b', 'done', '{done}')"
]
ARRAY_QUERY = "SELECT id, CAST(tags AS VARCHAR[]) FROM task ORDER BY id"


def test_enum_array_value_added(project, pg_pair):
    old = status_models(["todo", "done"], ARRAY_COLUMN)
    new = status_models(["todo", "doing", "done"], ARRAY_COLUMN)
    Scenario(old, new, ARRAY_SEED, ARRAY_QUERY).run(project, pg_pair)


def test_enum_array_value_removed(project, pg_pair):
    old = status_models(["todo", "doing", "done"], ARRAY_COLUMN)
    new = status_models(["todo", "done"], ARRAY_COLUMN)
    Scenario(old, new, ARRAY_SEED, ARRAY_QUERY).run(project, pg_pair)


def test_value_renamed_with_a_hint_keeps_the_rows(project, pg_pair):
    """``--rename-value status.doing=in_progress``: one RENAME VALUE, rows follow, no swap;
    a hint the models do not bear out is one line and writes nothing."""
    old = status_models(["todo", "doing", "done"], DEFAULT_COLUMN.format("doing"))
    new = status_models(
        ["todo", "in_progress", "done", "later"], DEFAULT_COLUMN.format("in_progress")
    )
    seed = [
        "INSERT INTO task (id, title) VALUES (1, 'a')",
        "INSERT INTO task (id, title, status) VALUES (2, 'b', 'done')",
    ]
    scenario = Scenario(
        old, new, seed, QUERY, expected_rows=[(1, "a", "in_progress"), (2, "b", "done")]
    )
    scenario.prepare(project, pg_pair)
    project.write_models(new)
    wrong = project.run("create-migration", "Rename", "--rename-value", "status.todo=in_progress")
    assert wrong.returncode == 1
    assert wrong.stderr.splitlines()[-1].startswith(
        "error: --rename-value status.todo=in_progress does not match the models: enum type "
        "status has ('todo', 'doing', 'done') in the database"
    )
    assert len(project.revision_files()) == 1
    script = scenario.generate("--rename-value", "status.doing=in_progress")
    upgrade, downgrade = (compact(part) for part in _sections(script))
    assert "op.rename_enum_value('status','doing','in_progress')" in upgrade
    assert "op.add_enum_value('status','later',after='done')" in upgrade
    assert "swap_enum_type" not in upgrade
    assert "op.rename_enum_value('status','in_progress','doing')" in downgrade
    scenario.upgrade_converges()
    scenario.downgrade_converges()

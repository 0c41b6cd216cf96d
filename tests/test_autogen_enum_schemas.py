"""Enum types outside the default schema, and schemas the database does not have yet.

Every scenario starts from an empty database, so the first revision also creates the
``billing`` schema the models name; the round trip (tests.scenario.Scenario)
checks the change, ``check``, the rows and the downgrade back to the old schema.
"""

from __future__ import annotations

from tests.scenario import Scenario, compact, snapshot

HEADER = """
    import enum
    import sqlalchemy as sa
    from sqlmodel import Field, SQLModel
"""


def invoice_models(
    values: list[str] | None, extra_column: str = "", extra: str = "", type_schema: str = "billing"
) -> str:
    """``billing.invoice`` with ``status`` of the enum type ``<type_schema>.status``."""
    status = ""
    if values is not None:
        status = (
            "        status: str | None = Field(default=None, sa_column=sa.Column("
            f'sa.Enum({", ".join(map(repr, values))}, name="status", schema={type_schema!r}), '
            "nullable=True))\n"
        )
    return (
        HEADER
        + f"""
    class Invoice(SQLModel, table=True):
        __table_args__ = {{"schema": "billing"}}
        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=100)
{status}{extra_column}"""
        + extra
    )


SEED = ["INSERT INTO billing.invoice (id, title, status) VALUES (1, 'a', 'todo'), (2, 'b', 'done')"]
QUERY = "SELECT id, title, CAST(status AS VARCHAR(20)) FROM billing.invoice ORDER BY id"


def _sections(script: str) -> tuple[str, str]:
    at = script.index("def downgrade")
    return compact(script[:at]), compact(script[at:])


def test_value_added_in_a_schema(project, pg_pair):
    old, new = invoice_models(["todo", "done"]), invoice_models(["todo", "doing", "done"])
    script = Scenario(old, new, SEED, QUERY).run(project, pg_pair)
    upgrade, downgrade = _sections(script)
    assert "op.add_enum_value('status','doing',before='done',schema='billing')" in upgrade
    assert "op.swap_enum_type('status',['todo','done']" in downgrade
    assert "schema='billing'" in downgrade
    assert "create_schema" not in upgrade
    assert snapshot(pg_pair[0])["(enums)"] == [("billing", "status", ("todo", "done"))]


def test_value_removed_in_a_schema(project, pg_pair):
    old, new = invoice_models(["todo", "doing", "done"]), invoice_models(["todo", "done"])
    script = Scenario(old, new, SEED, QUERY).run(project, pg_pair)
    upgrade, _ = _sections(script)
    assert (
        "op.swap_enum_type('status',['todo','done'],"
        "existing_values=['todo','doing','done'],schema='billing')" in upgrade
    )


def test_values_reordered_in_a_schema(project, pg_pair):
    old, new = invoice_models(["todo", "doing", "done"]), invoice_models(["done", "doing", "todo"])
    script = Scenario(old, new, SEED, QUERY).run(project, pg_pair)
    upgrade, _ = _sections(script)
    assert "op.swap_enum_type('status',['done','doing','todo']" in upgrade
    assert "schema='billing'" in upgrade


PRIORITY = (
    "        priority: str | None = Field(default=None, sa_column=sa.Column("
    'sa.Enum("low", "high", name="priority", schema="billing"), nullable=True))\n'
)


def test_new_enum_column_in_an_existing_table_of_a_schema(project, pg_pair):
    old = invoice_models(["todo", "done"])
    new = invoice_models(["todo", "done"], extra_column=PRIORITY)
    script = Scenario(old, new, SEED, QUERY).run(project, pg_pair)
    upgrade, downgrade = _sections(script)
    create = "op.create_enum_type('priority',['low','high'],schema='billing')"
    assert create in upgrade
    assert upgrade.index(create) < upgrade.index("op.add_column(")
    drop = "op.drop_enum_type('priority',if_unused=True,schema='billing')"
    assert downgrade.index("op.drop_column(") < downgrade.index(drop)


def test_enum_type_in_a_schema_dropped_with_its_column(project, pg_pair):
    old, new = invoice_models(["todo", "done"]), invoice_models(None)
    script = Scenario(old, new, SEED, "SELECT id, title FROM billing.invoice ORDER BY id").run(
        project, pg_pair
    )
    upgrade, downgrade = _sections(script)
    drop = "op.drop_enum_type('status',if_unused=True,schema='billing')"
    assert upgrade.index("op.drop_column(") < upgrade.index(drop)
    assert downgrade.index("op.create_enum_type('status',['todo','done'],schema='billing')") < (
        downgrade.index("op.add_column(")
    )
    # the run compared the upgraded schema with create_all; the downgrade brought it back
    assert snapshot(pg_pair[0])["(enums)"] == [("billing", "status", ("todo", "done"))]


TASK = """
    class Task(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        status: str | None = Field(default=None, sa_column=sa.Column(
            sa.Enum({values}, name="status"), nullable=True))
"""


def test_same_enum_name_in_two_schemas(project, pg_pair):
    """``status`` and ``billing.status`` change differently; neither takes the other's."""
    old = invoice_models(["todo", "done"], extra=TASK.format(values='"low", "high"'))
    new = invoice_models(
        ["todo", "doing", "done"], extra=TASK.format(values='"low", "mid", "high", "top"')
    )
    seed = [*SEED, "INSERT INTO task (id, status) VALUES (1, 'low'), (2, 'high')"]
    query = (
        "SELECT i.id, CAST(i.status AS VARCHAR(20)), CAST(t.status AS VARCHAR(20)) "
        "FROM billing.invoice i JOIN task t ON t.id = i.id ORDER BY i.id"
    )
    script = Scenario(old, new, seed, query).run(project, pg_pair)
    upgrade, _ = _sections(script)
    assert "op.add_enum_value('status','doing',before='done',schema='billing')" in upgrade
    assert "op.add_enum_value('status','mid',before='high')" in upgrade
    assert "op.add_enum_value('status','top',after='high')" in upgrade
    assert upgrade.count("add_enum_value") == 3
    assert snapshot(pg_pair[0])["(enums)"] == [
        ("billing", "status", ("todo", "done")),
        ("public", "status", ("low", "high")),
    ]


def test_sqlmodel_enum_on_a_table_in_a_schema(project, pg_pair):
    """SQLModel's enum on a ``billing`` table is a type of the default schema (SQLAlchemy
    2.1 does not inherit the table's schema); its values are still managed."""

    def models(values: list[str]) -> str:
        members = "\n".join(f"        {v} = {v!r}" for v in values)
        return (
            HEADER
            + f"""
    class Status(enum.Enum):
{members}

    class Invoice(SQLModel, table=True):
        __table_args__ = {{"schema": "billing"}}
        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=100)
        status: Status = Field(default=Status.todo)
"""
        )

    script = Scenario(models(["todo", "done"]), models(["todo", "doing", "done"]), SEED, QUERY).run(
        project, pg_pair
    )
    upgrade, _ = _sections(script)
    assert "op.add_enum_value('status','doing',before='done')" in upgrade
    assert snapshot(pg_pair[0])["(enums)"] == [("public", "status", ("todo", "done"))]


NEW_SCHEMA = """
    class Ledger(SQLModel, table=True):
        __table_args__ = {"schema": "accounts"}
        id: int | None = Field(default=None, primary_key=True)
        kind: str = Field(sa_column=sa.Column(
            sa.Enum("debit", "credit", name="kind", schema="accounts"), nullable=False))
"""


def test_new_schema_with_a_table_and_an_enum(project, pg_pair):
    old = invoice_models(["todo", "done"])
    new = invoice_models(["todo", "done"], extra=NEW_SCHEMA)
    script = Scenario(old, new, SEED, QUERY).run(project, pg_pair)
    upgrade, downgrade = _sections(script)
    assert upgrade.index("op.create_schema('accounts')") < upgrade.index("op.create_table(")
    assert "create_enum_type" not in upgrade  # create_table creates it
    assert downgrade.index("op.drop_table(") < downgrade.index(
        "op.drop_enum_type('kind',if_unused=True,schema='accounts')"
    )
    assert downgrade.index("op.drop_schema('accounts')") == downgrade.rindex("op.drop_")
    assert snapshot(pg_pair[0])["(schemas)"] == ["billing"]


def test_first_revision_creates_the_schema_and_downgrade_drops_it(project, pg_pair):
    url = pg_pair[0]
    project.use_database(url)
    project.write_models(invoice_models(["todo", "done"]))
    project.ok("create-migration", "First")
    script = project.revision_files()[-1].read_text()
    upgrade, downgrade = _sections(script)
    assert upgrade.index("op.create_schema('billing')") < upgrade.index("op.create_table(")
    assert downgrade.index("op.drop_schema('billing')") == downgrade.rindex("op.drop_")
    project.ok("update-db")
    assert snapshot(url)["(schemas)"] == ["billing"]
    assert project.run("check").returncode == 0
    project.ok("downgrade")
    assert snapshot(url) == {}


def test_column_moved_to_the_same_named_type_of_another_schema(project, pg_pair):
    """``status`` and ``billing.status`` are two types: moving the column from one to the
    other is a type change cast to the qualified name (it was no change at all)."""
    old = invoice_models(["todo", "done"], type_schema=None)
    new = invoice_models(["todo", "done"])
    script = Scenario(old, new, SEED, QUERY).run(project, pg_pair)
    upgrade, downgrade = _sections(script)
    assert "postgresql_using='status::text::billing.status'" in upgrade
    assert "postgresql_using='status::text::status'" in downgrade
    assert snapshot(pg_pair[0])["(enums)"] == [("public", "status", ("todo", "done"))]

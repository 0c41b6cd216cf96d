"""Everyday schema changes on SQLite (batch mode) and MariaDB (inline ENUM, MODIFY).

Each case starts from a database with rows under the old models and must converge: the
migrated schema equals a fresh ``create_all`` of the new models, ``check`` is clean, the
rows are right, and ``downgrade`` brings the old schema and rows back. PostgreSQL has its
own, deeper scenarios in the other ``test_autogen_*`` files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from tests.scenario import Scenario, execute, rows, snapshot

HEADER = """
    import enum
    from datetime import datetime
    from sqlalchemy import (
        BigInteger, CheckConstraint, Column, Computed, Index, Integer, String, Text,
        UniqueConstraint, text,
    )
    from sqlmodel import Field, SQLModel

    class Status(enum.Enum):
{members}
"""

OWNER = """
    class Owner(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(max_length=50)
"""

ITEM = """
    class {name}(SQLModel, table=True):
{table_args}        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=50{title})
        qty: int = Field(default=0)
{extra}"""

STATUS = ["todo", "done"]


def models(
    extra: str = "",
    table_args: str = "",
    title: str = "",
    status: list[str] = STATUS,
    tail: str = "",
    name: str = "Item",
    owner: bool = True,
) -> str:
    """The old or new models: Owner, Item (id, title, qty + ``extra`` lines) and ``tail``."""
    members = "\n".join(f"        {v} = {v!r}" for v in status)
    lines = "".join(f"        {line}\n" for line in extra.splitlines() if line.strip())
    args = f"        __table_args__ = ({table_args},)\n" if table_args else ""
    item = ITEM.format(name=name, table_args=args, title=title, extra=lines)
    return HEADER.format(members=members) + (OWNER if owner else "") + item + tail


OWNERS = "INSERT INTO owner (id, name) VALUES (1, 'ann'), (2, 'bob')"
ITEMS = "INSERT INTO item (id, title, qty) VALUES (1, 'a', 1), (2, 'b', 2)"
BASE_SEED = [OWNERS, ITEMS]
BASE_QUERY = "SELECT id, title, qty FROM item ORDER BY id"

NOTE = "note: str | None = Field(default=None, max_length=40)"
OWNER_FK = 'owner_id: int | None = Field(default=None, foreign_key="owner.id"{})'
TAG = """
    class Tag(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        item_id: int = Field(foreign_key="item.id")
"""
COMMENTED = (
    'note: str | None = Field(default=None, max_length=40, sa_column_kwargs={{"comment": "{}"}})'
)
STATE_DEFAULT = 'state: str = Field(max_length=10, sa_column_kwargs={{"server_default": {}}})'


@dataclass
class Case:
    """One change: Scenario arguments plus the dialects it does not apply to, and why."""

    old: str
    new: str
    seed: list[str] = field(default_factory=lambda: list(BASE_SEED))
    query: str | None = BASE_QUERY
    expected_rows: list[tuple] | None = None
    args: tuple[str, ...] = ()
    new_query: str | None = None
    skip: dict[str, str] = field(default_factory=dict)

    def scenario(self) -> Scenario:
        return Scenario(
            self.old,
            self.new,
            self.seed,
            self.query,
            self.expected_rows,
            self.args,
            self.new_query,
        )


def _seed(*statements: str) -> list[str]:
    return [OWNERS, *statements]


CASES: dict[str, Case] = {
    "add_nullable_column": Case(models(), models(NOTE)),
    "add_not_null_python_default": Case(
        models(),
        models("rank: int = Field(default=3)"),
        new_query="SELECT id, rank FROM item ORDER BY id",
        expected_rows=[(1, 3), (2, 3)],
    ),
    "add_not_null_server_default": Case(
        models(),
        models('rank: int = Field(sa_column_kwargs={"server_default": text("5")})'),
        new_query="SELECT id, rank FROM item ORDER BY id",
        expected_rows=[(1, 5), (2, 5)],
    ),
    "drop_column": Case(
        models(NOTE),
        models(),
        _seed("INSERT INTO item (id, title, qty, note) VALUES (1, 'a', 1, 'x'), (2, 'b', 2, NULL)"),
    ),
    "nullable_to_not_null_with_default": Case(
        models(NOTE),
        models('note: str = Field(default="n/a", max_length=40)'),
        _seed("INSERT INTO item (id, title, qty, note) VALUES (1, 'a', 1, 'x'), (2, 'b', 2, NULL)"),
        new_query="SELECT id, note FROM item ORDER BY id",
        expected_rows=[(1, "x"), (2, "n/a")],
    ),
    "not_null_to_nullable": Case(
        models('note: str = Field(default="n/a", max_length=40)'),
        models(NOTE),
        _seed("INSERT INTO item (id, title, qty, note) VALUES (1, 'a', 1, 'x'), (2, 'b', 2, 'y')"),
        "SELECT id, note FROM item ORDER BY id",
    ),
    "varchar_longer": Case(models(), models(title=", sa_type=String(100)")),
    "varchar_shorter": Case(models(), models(title=", sa_type=String(20)")),
    "int_to_bigint": Case(models(), models("qty: int = Field(default=0, sa_type=BigInteger)")),
    "text_to_varchar": Case(
        models("body: str | None = Field(default=None, sa_type=Text)"),
        models("body: str | None = Field(default=None, max_length=200)"),
        _seed(
            "INSERT INTO item (id, title, qty, body) VALUES (1, 'a', 1, 'long'), (2, 'b', 2, NULL)"
        ),
        "SELECT id, body FROM item ORDER BY id",
    ),
    "varchar_to_integer": Case(
        models("code: str | None = Field(default=None, max_length=10)"),
        models("code: int | None = None"),
        _seed(
            "INSERT INTO item (id, title, qty, code) VALUES (1, 'a', 1, '12'), (2, 'b', 2, '34')"
        ),
        "SELECT id, code FROM item ORDER BY id",
        expected_rows=[(1, 12), (2, 34)],
    ),
    "add_index": Case(models(), models(title=", index=True")),
    "drop_index": Case(models(title=", index=True"), models()),
    "add_unique_index": Case(models(), models(title=", index=True, unique=True")),
    "add_composite_index": Case(
        models(), models(table_args='Index("ix_item_title_qty", "title", "qty")')
    ),
    "drop_composite_index": Case(
        models(table_args='Index("ix_item_title_qty", "title", "qty")'), models()
    ),
    "add_unique_constraint": Case(models(), models(table_args='UniqueConstraint("title")')),
    "drop_unique_constraint": Case(models(table_args='UniqueConstraint("title")'), models()),
    "add_foreign_key": Case(
        models("owner_id: int | None = None"),
        models(OWNER_FK.format("")),
        _seed("INSERT INTO item (id, title, qty, owner_id) VALUES (1, 'a', 1, 1), (2, 'b', 2, 2)"),
        "SELECT id, owner_id FROM item ORDER BY id",
    ),
    "change_fk_ondelete": Case(
        models(OWNER_FK.format(', ondelete="CASCADE"')),
        models(OWNER_FK.format(', ondelete="SET NULL"')),
        _seed("INSERT INTO item (id, title, qty, owner_id) VALUES (1, 'a', 1, 1), (2, 'b', 2, 2)"),
        "SELECT id, owner_id FROM item ORDER BY id",
    ),
    "add_check": Case(models(), models(table_args='CheckConstraint("qty >= 0", name="qty_min")')),
    "drop_check": Case(models(table_args='CheckConstraint("qty >= 0", name="qty_min")'), models()),
    "change_check": Case(
        models(table_args='CheckConstraint("qty >= 0", name="qty_min")'),
        models(table_args='CheckConstraint("qty >= 1", name="qty_min")'),
    ),
    "server_default_add": Case(
        models("state: str = Field(max_length=10)"),
        models(STATE_DEFAULT.format('"new"')),
        _seed("INSERT INTO item (id, title, qty, state) VALUES (1, 'a', 1, 's')"),
        "SELECT id, state FROM item ORDER BY id",
    ),
    "server_default_change": Case(
        models(STATE_DEFAULT.format('"new"')),
        models(STATE_DEFAULT.format('"open"')),
        _seed("INSERT INTO item (id, title, qty) VALUES (1, 'a', 1)"),
        "SELECT id, state FROM item ORDER BY id",
    ),
    "server_default_drop": Case(
        models(STATE_DEFAULT.format('"new"')),
        models("state: str = Field(max_length=10)"),
        _seed("INSERT INTO item (id, title, qty) VALUES (1, 'a', 1)"),
        "SELECT id, state FROM item ORDER BY id",
    ),
    "enum_column_added": Case(
        models(),
        models("status: Status = Field(default=Status.todo)"),
        new_query="SELECT id, status FROM item ORDER BY id",
        expected_rows=[(1, "todo"), (2, "todo")],
    ),
    "enum_value_added": Case(
        models("status: Status = Field(default=Status.todo)"),
        models("status: Status = Field(default=Status.todo)", status=["todo", "doing", "done"]),
        _seed("INSERT INTO item (id, title, qty, status) VALUES (1, 'a', 1, 'done')"),
        "SELECT id, status FROM item ORDER BY id",
    ),
    "enum_value_removed": Case(
        models("status: Status = Field(default=Status.todo)", status=["todo", "doing", "done"]),
        models("status: Status = Field(default=Status.todo)"),
        _seed("INSERT INTO item (id, title, qty, status) VALUES (1, 'a', 1, 'done')"),
        "SELECT id, status FROM item ORDER BY id",
    ),
    "new_table_with_fk": Case(models(), models(tail=TAG)),
    "drop_table_with_fk": Case(
        models(tail=TAG), models(), [*BASE_SEED, "INSERT INTO tag (id, item_id) VALUES (1, 1)"]
    ),
    "drop_table_referenced_by_fk": Case(
        models(OWNER_FK.format("")),
        models(owner=False),
        _seed("INSERT INTO item (id, title, qty, owner_id) VALUES (1, 'a', 1, 1), (2, 'b', 2, 2)"),
    ),
    "rename_column": Case(
        models(),
        models().replace("title: str", "name: str"),
        query="SELECT id, qty FROM item ORDER BY id",
        new_query="SELECT id, name FROM item ORDER BY id",
        expected_rows=[(1, "a"), (2, "b")],
        args=("--rename", "item.title=name"),
    ),
    "rename_table": Case(
        models(),
        models(name="Thing"),
        query="SELECT id FROM owner ORDER BY id",
        new_query="SELECT id, title, qty FROM thing ORDER BY id",
        expected_rows=[(1, "a", 1), (2, "b", 2)],
        args=("--rename", "item=thing"),
    ),
    "column_comment_change": Case(
        models(COMMENTED.format("old")),
        models(COMMENTED.format("new")),
        skip={"sqlite": "SQLite has no column comments"},
    ),
    "add_bool_default_false": Case(
        models(),
        models("active: bool = Field(default=False)"),
        new_query="SELECT id, active FROM item ORDER BY id",
        expected_rows=[(1, False), (2, False)],
    ),
    # SQLModel's own types: AutoString without a length (VARCHAR(255) on MySQL, which
    # refuses a VARCHAR without one) and UTCDateTime (it was written as sqlmodel.sql...)
    "add_str_without_length_and_datetime": Case(
        models(),
        models("label: str | None = None\ncreated: datetime | None = None"),
        new_query="SELECT id, label, created FROM item ORDER BY id",
        expected_rows=[(1, None, None), (2, None, None)],
    ),
    "add_bool_server_default_false": Case(
        models(),
        models('active: bool = Field(sa_column_kwargs={"server_default": text("false")})'),
        new_query="SELECT id, active FROM item ORDER BY id",
        expected_rows=[(1, False), (2, False)],
    ),
}

DIALECTS = {"sqlite": pytest.mark.sqlite, "mysql": pytest.mark.mysql}


def _params():
    for name, case in CASES.items():
        for dialect, mark in DIALECTS.items():
            marks = [mark]
            if dialect in case.skip:
                marks.append(pytest.mark.skip(reason=case.skip[dialect]))
            yield pytest.param(name, dialect, marks=marks, id=f"{name}-{dialect}")


@pytest.mark.parametrize(("case", "db"), list(_params()))
def test_change_converges(project, request, case: str, db: str):
    pair = request.getfixturevalue(f"{db}_pair")
    CASES[case].scenario().run(project, pair)


@pytest.mark.parametrize("db", [pytest.param(d, marks=m) for d, m in DIALECTS.items()])
def test_not_null_column_without_default_stops(project, request, db: str):
    """No value for the rows already there: the script stops with a message, nothing changes."""
    url, _ = request.getfixturevalue(f"{db}_pair")
    project.use_database(url)
    project.write_models(models())
    project.ok("create-migration", "Old")
    project.ok("update-db")

    execute(url, *BASE_SEED)
    before = snapshot(url)
    project.write_models(models("rank: int"))
    project.ok("create-migration", "Add rank")
    failed = project.run("update-db")
    assert failed.returncode == 1, failed.output
    assert "error: item.rank is NOT NULL without a default" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert snapshot(url) == before
    assert rows(url, BASE_QUERY) == [(1, "a", 1), (2, "b", 2)]


# Expressions the server spells its own way: MariaDB stores length() as octet_length(),
# lower() as lcase(), and backquotes every column; MySQL 8 adds charset introducers.
COMPUTED = {
    "size": ("Integer", "length(title)"),
    "low": ("String(50)", "lower(title)"),
    "label": ("String(80)", "concat(title, '-', qty)"),
    "twice": ("Integer", "qty * 2 + 1"),
}


def _computed_models(**changed: str) -> str:
    lines = []
    for name, (type_, expression) in COMPUTED.items():
        expression = changed.get(name, expression)
        lines.append(
            f"{name}: str | None = Field(default=None, sa_column=Column({type_}, "
            f"Computed({expression!r})))"
        )
    return models("\n".join(lines))


@pytest.mark.mysql
def test_computed_expressions_converge_and_a_changed_one_is_found(project, mysql_pair):
    """The server's spelling of an unchanged expression is no difference; a change is one.

    On MariaDB ``check`` reported a drop and an add of ``size`` and ``low`` on unchanged
    models, every time: it stores ``octet_length(`title`)`` and ``lcase(`title`)``.
    """
    scenario = Scenario(
        _computed_models(),
        _computed_models(size="length(title) + 10"),
        BASE_SEED,
        query=BASE_QUERY,
        new_query="SELECT id, size, low, label, twice FROM item ORDER BY id",
        expected_rows=[(1, 11, "a", "a-1", 3), (2, 11, "b", "b-2", 5)],
        compare_shortcut=True,
    )
    scenario.prepare(project, mysql_pair)
    upgrade = scenario.generate().split("def downgrade")[0]
    dropped = re.findall(r"drop_column\(\s*(?:\"item\",\s*)?\"(\w+)\"", upgrade)
    assert dropped == ["size"], upgrade
    scenario.upgrade_converges()
    scenario.downgrade_converges()

"""Every type SQLModel gives a field is written as a SQLAlchemy type that compiles on the
target dialect: no database (Alembic's own renderer, then the text evaluated)."""

from __future__ import annotations

import datetime
import decimal
import enum
import ipaddress
import pathlib
import textwrap
import uuid
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from alembic.autogenerate import render_python_code
from alembic.migration import MigrationContext
from alembic.operations import ops
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from common.render import render_item

DIALECTS = {"postgresql": postgresql, "sqlite": sqlite, "mysql": mysql}


class Color(enum.Enum):
    red = "red"


class _Base(SQLModel, registry=registry()):
    pass


class Everything(_Base, table=True):
    """One field per Python type SQLModel maps to a column type."""

    id: int | None = Field(default=None, primary_key=True)
    text: str
    short: str = Field(max_length=20)
    number: float
    flag: bool
    big: int
    at: datetime.datetime
    maybe_at: datetime.datetime | None = None
    day: datetime.date
    clock: datetime.time
    span: datetime.timedelta
    money: decimal.Decimal = Field(max_digits=10, decimal_places=2)
    key: uuid.UUID
    blob: bytes
    color: Color
    ip: ipaddress.IPv4Address
    path: pathlib.Path


def _rendered_columns(dialect: str) -> tuple[str, list[sa.Column]]:
    context = MigrationContext.configure(dialect_name=dialect)
    upgrade = ops.UpgradeOps([ops.CreateTableOp.from_table(Everything.__table__)])
    code = render_python_code(upgrade, render_item=render_item, migration_context=context)
    columns: list[sa.Column] = []
    op = SimpleNamespace(
        create_table=lambda name, *items, **kw: columns.extend(
            item for item in items if isinstance(item, sa.Column)
        ),
        f=lambda name: name,
    )
    exec(textwrap.dedent("    " + code), {"sa": sa, "op": op})  # the first line is flush left
    return code, columns


@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
def test_every_sqlmodel_type_renders_as_sqlalchemy_that_compiles(dialect_name):
    dialect = dialect_name
    code, columns = _rendered_columns(dialect)
    assert "sqlmodel" not in code, code
    assert {c.name for c in columns} == set(Everything.__table__.columns.keys())
    compiled = {c.name: c.type.compile(dialect=DIALECTS[dialect].dialect()) for c in columns}
    assert compiled["at"].upper().startswith(("TIMESTAMP", "DATETIME")), compiled
    if dialect == "mysql":  # VARCHAR needs a length there: SQLModel's own 255
        assert compiled["text"] == "VARCHAR(255)"
    assert "20" in compiled["short"]


def test_timezone_of_utc_datetime_is_kept():
    _, columns = _rendered_columns("postgresql")
    [at] = [c for c in columns if c.name == "at"]
    assert at.type.timezone is True

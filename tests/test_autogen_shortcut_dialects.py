"""The unchanged-table shortcut on MariaDB and SQLite: in-sync tables take it, changes don't.

On these databases the bulk reflection is the workbench's own (common.autogen.reflect_*)
and the spellings differ from the model's (MariaDB's ``INTEGER(11)``, ``0.00``,
``current_timestamp()``, constraints named ``item_ibfk_1`` or after their column;
SQLite's unnamed constraints). Each case asserts what the shortcut proved unchanged,
and that the diffs with it equal the diffs of Alembic's full comparison of every table.
"""

from __future__ import annotations

import enum
from unittest import mock

import pytest
from sqlalchemy import (
    URL,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    text,
)
from sqlalchemy.pool import NullPool

import common.autogen.tables as tables_module
from common.autogen import compare_metadata
from common.config import load_settings
from common.models import NAMING_CONVENTION

BOTH = {(None, "parent"), (None, "item")}


class Level(enum.Enum):
    low = "low"
    high = "high"


def build(convention: bool = True, **change) -> MetaData:
    """Two tables of what MariaDB and SQLite both keep; ``change`` alters one thing."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION if convention else {})

    def ix(name: str) -> str:
        return name if convention else f"{name.removeprefix('ix_')}_idx"

    Table(
        "parent",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(change.get("name_length", 50)), nullable=False),
        comment=change.get("table_comment", "owners"),
    )
    Table(
        "item",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("code", String(20), nullable=change.get("code_nullable", True)),
        Column("email", change.get("email_type", Text), comment=change.get("comment", "contact")),
        Column("level", Enum(Level, name="level"), nullable=False, server_default="low"),
        Column("note", String(30), server_default=change.get("note", "n/a")),
        Column("price", Numeric(12, 2), server_default=text(change.get("default", "0"))),
        Column("active", Boolean, nullable=False, server_default=text("1")),
        Column("created_at", DateTime, server_default=func.now()),
        # Integer: SQLAlchemy reads SQLite's expression of a NUMERIC(14, 2) column as ''
        Column("twice", Integer, Computed(change.get("computed", "id * 2"))),
        Column("parent_id", ForeignKey("parent.id", ondelete=change.get("ondelete", "CASCADE"))),
        *([Column("extra", Integer)] if change.get("extra_column") else []),
        CheckConstraint(change.get("check", "price >= 0"), name="price" if convention else None),
        UniqueConstraint(*change.get("uq_columns", ["code"])),
        Index(ix("ix_item_active_code"), "active", "code", unique=change.get("unique", False)),
        Index(ix("ix_item_note"), change.get("indexed", "note")),
    )
    return metadata


DIALECTS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("mysql", marks=pytest.mark.mysql),
]


@pytest.fixture(params=DIALECTS)
def engine(request, engine_for):
    return engine_for(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture(scope="module", params=DIALECTS)
def in_sync(request, tmp_path_factory):
    """``build()`` created once per dialect; every change case compares with it."""
    if request.param == "sqlite":
        url, server = (
            URL.create("sqlite", database=str(tmp_path_factory.mktemp("sync") / "db")),
            None,
        )
    else:
        server = request.getfixturevalue("mysql_server")
        url = server.create_database()
    engine = create_engine(url, poolclass=NullPool)
    build().create_all(engine)
    yield engine
    engine.dispose()
    if server is not None:
        server.drop_database(url)


@pytest.fixture
def recorded(monkeypatch):
    """The table keys the shortcut proved unchanged, per comparison."""
    calls: list[set] = []
    original = tables_module.unchanged_tables

    def record(*args):
        calls.append(original(*args))
        return calls[-1]

    monkeypatch.setattr(tables_module, "unchanged_tables", record)
    return calls


def _diffs(engine, metadata) -> list:
    with engine.connect() as connection:
        return compare_metadata(connection, metadata, load_settings())


def _full(engine, metadata) -> list:
    """Every table through Alembic's full comparison (the shortcut proves nothing)."""
    with mock.patch.object(tables_module, "unchanged_tables", lambda *args: set()):
        return _diffs(engine, metadata)


def _spelled(diffs: list) -> list[str]:
    """Diffs as comparable text (the objects in them are new on every run)."""
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    return sorted(repr([getattr(part, "name", part) for part in diff[:4]]) for diff in flat)


@pytest.mark.parametrize("convention", [True, False], ids=["convention", "default-names"])
def test_in_sync_tables_take_the_shortcut(engine, recorded, convention):
    build(convention=convention).create_all(engine)
    assert _diffs(engine, build()) == []
    assert recorded == [BOTH]


CHANGES = [
    ({"name_length": 60}, "parent"),
    ({"code_nullable": False}, "item"),
    ({"email_type": String(200)}, "item"),
    ({"default": "1"}, "item"),
    ({"note": "n/b"}, "item"),
    ({"ondelete": "SET NULL"}, "item"),
    ({"extra_column": True}, "item"),
    ({"check": "price > 0"}, "item"),
    ({"computed": "id * 3"}, "item"),
    ({"uq_columns": ["code", "note"]}, "item"),
    ({"unique": True}, "item"),
    ({"indexed": "code"}, "item"),
]
MYSQL_ONLY = [  # SQLite keeps no comments
    ({"table_comment": "holders"}, "parent"),
    ({"comment": "mail"}, "item"),
]


@pytest.mark.parametrize(("change", "table"), CHANGES + MYSQL_ONLY, ids=lambda v: str(v))
def test_every_change_leaves_the_shortcut_and_finds_the_full_diffs(engine, recorded, change, table):
    if (change, table) in MYSQL_ONLY and engine.dialect.name == "sqlite":
        pytest.skip("SQLite keeps no comments")
    build().create_all(engine)
    diffs = _diffs(engine, build(**change))
    assert diffs, f"{change} went unnoticed"
    assert recorded[-1] == BOTH - {(None, table)}
    assert _spelled(diffs) == _spelled(_full(engine, build(**change)))

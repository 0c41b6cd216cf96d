"""Autogenerate at the speed of reflection: the unchanged-table shortcut, scope, schemas.

The shortcut (common.autogen.unchanged) must engage on in-sync tables of every feature
the workbench compares, and must step aside for every kind of change; the number of
statements must not grow with the number of tables; other schemas and the
include/exclude settings must narrow what is compared.
"""

from __future__ import annotations

import enum
from collections import Counter

import pytest
from sqlalchemy import (
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
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

import common.autogen.tables as tables_module
from common.autogen import compare_metadata
from common.autogen.scope import Scope, split_patterns
from common.config import load_settings
from common.models import NAMING_CONVENTION


class Level(enum.Enum):
    low = "low"
    high = "high"


def build(convention: bool = True, **change) -> MetaData:
    """A two-table schema using every feature the shortcut reads; ``change`` alters one.

    ``convention=False`` builds it as plain Alembic or hand-written DDL would: no naming
    convention, so PostgreSQL names the keys (``item_pkey``, ``item_code_key``,
    ``item_parent_id_fkey``, ``item_check``) and the indexes carry its ``*_idx`` names.
    """
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
        Column("email", Text, nullable=False, comment=change.get("column_comment", "contact")),
        Column("level", Enum(Level, name="level"), nullable=False, server_default="low"),
        Column("label", String(30), server_default=text(change.get("label", "''"))),
        Column("note", String(30), server_default=change.get("note", "n/a")),
        Column("tags", ARRAY(String(10))),
        Column("data", JSONB),
        Column("price", Numeric(12, 2), server_default=text(change.get("default", "0"))),
        Column("active", Boolean, nullable=False, server_default=text("false")),
        Column("created_at", DateTime(timezone=True), server_default=func.now()),
        Column(
            "total", Numeric(14, 2), Computed(change.get("computed", "price * 2"), persisted=True)
        ),
        Column(
            "parent_id",
            ForeignKey(
                change.get("fk_target", "parent.id"), ondelete=change.get("ondelete", "CASCADE")
            ),
        ),
        *([Column("extra", Integer)] if change.get("extra_column") else []),
        CheckConstraint(
            change.get("check", "price >= 0 AND code IN ('a', 'b')"),
            name="price" if convention else None,
        ),
        *(
            [UniqueConstraint(*change.get("uq_columns", ["code"]))]
            if change.get("uq", True)
            else []
        ),
        *([UniqueConstraint("email")] if change.get("extra_unique") else []),
        Index(
            ix("ix_item_active_code"),
            "code",
            postgresql_where=text(change.get("where", "active")),
            postgresql_include=change.get("include", ["price"]),
            unique=change.get("unique", False),
        ),
        Index(ix("ix_item_lower_email"), func.lower(text(change.get("lower", "email")))),
        Index(ix("ix_item_data"), "data", postgresql_using=change.get("using", "gin")),
    )
    return metadata


@pytest.fixture
def recorded(monkeypatch):
    """The set of table keys the shortcut proved unchanged, per compare_metadata call."""
    calls: list[set] = []
    original = tables_module.unchanged_tables

    def record(*args):
        result = original(*args)
        calls.append(result)
        return result

    monkeypatch.setattr(tables_module, "unchanged_tables", record)
    return calls


def _diffs(engine, metadata) -> list:
    with engine.connect() as connection:
        return compare_metadata(connection, metadata, load_settings())


def test_in_sync_tables_of_every_feature_take_the_shortcut(pg_url, engine_for, recorded):
    engine = engine_for(pg_url)
    build().create_all(engine)
    assert _diffs(engine, build()) == []
    assert recorded == [{(None, "parent"), (None, "item")}]


@pytest.mark.parametrize(
    ("change", "table"),
    [
        ({"name_length": 60}, "parent"),
        ({"table_comment": "holders"}, "parent"),
        ({"code_nullable": False}, "item"),
        ({"column_comment": "mail"}, "item"),
        ({"default": "1"}, "item"),
        ({"label": "'x'"}, "item"),
        ({"note": "n/b"}, "item"),
        ({"computed": "price * 3"}, "item"),
        ({"ondelete": "SET NULL"}, "item"),
        ({"extra_column": True}, "item"),
        ({"check": "price > 0 AND code IN ('a', 'b')"}, "item"),
        ({"where": "NOT active"}, "item"),
        ({"include": []}, "item"),
        ({"unique": True}, "item"),
        ({"using": "btree"}, "item"),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else "-".join(value),
)
def test_every_change_leaves_the_shortcut(pg_url, engine_for, recorded, change, table):
    engine = engine_for(pg_url)
    build().create_all(engine)
    diffs = _diffs(engine, build(**change))
    assert diffs, f"{change} went unnoticed"
    assert (None, table) not in recorded[-1]
    assert recorded[-1] == {(None, "parent"), (None, "item")} - {(None, table)}


def test_tables_named_apart_from_the_convention_take_the_shortcut(pg_url, engine_for, recorded):
    """A database built without the naming convention: the same constraints, other names."""
    engine = engine_for(pg_url)
    build(convention=False).create_all(engine)
    assert _diffs(engine, build()) == []
    assert recorded == [{(None, "parent"), (None, "item")}]


@pytest.mark.parametrize(
    ("change", "found"),
    [
        ({"uq_columns": ["code", "email"]}, ["add_constraint", "remove_constraint"]),
        ({"extra_unique": True}, ["add_constraint"]),
        ({"uq": False}, ["remove_constraint"]),
        ({"fk_target": "item.id"}, ["add_fk", "remove_fk"]),
        ({"ondelete": "SET NULL"}, ["add_fk", "remove_fk"]),
        ({"check": "price > 0 AND code IN ('a', 'b')"}, ["add_constraint", "remove_constraint"]),
        ({"lower": "code"}, ["add_index", "remove_index"]),
        ({"using": "btree"}, ["add_index", "remove_index"]),
    ],
    ids=lambda value: (
        "-".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else None
    ),
)
def test_real_changes_to_tables_named_apart_are_reported(
    pg_url, engine_for, recorded, change, found
):
    """Only a difference of name is forgiven: columns, targets, actions, texts still count."""
    engine = engine_for(pg_url)
    build(convention=False).create_all(engine)
    diffs = _diffs(engine, build(**change))
    kinds = sorted(diff[0] for diff in diffs if isinstance(diff, tuple))
    kinds += sorted(d[0] for group in diffs if isinstance(group, list) for d in group)
    assert kinds == found, diffs
    assert recorded[-1] == {(None, "parent")}


def _chain(tables: int) -> MetaData:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for n in range(tables):
        Table(
            f"t{n}",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("name", String(40), index=True),
            Column("code", String(10), unique=True),
            *([Column("parent_id", ForeignKey(f"t{n - 1}.id"))] if n else []),
        )
    return metadata


def _statements(engine, metadata) -> tuple[int, list]:
    counter: Counter[str] = Counter()

    def count(*args) -> None:
        counter["statements"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        diffs = _diffs(engine, metadata)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counter["statements"], diffs


def test_statements_do_not_grow_with_tables(pg_url, engine_for):
    engine = engine_for(pg_url)
    _chain(5).create_all(engine)
    few, diffs = _statements(engine, _chain(5))
    assert diffs == []
    _chain(60).create_all(engine)
    many, diffs = _statements(engine, _chain(60))
    assert diffs == []
    assert many <= few  # 12 times the tables, not one statement more


def _with_schemas() -> MetaData:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table("account", metadata, Column("id", Integer, primary_key=True))
    Table(
        "event",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("account_id", ForeignKey("account.id")),
        Column("kind", String(20), nullable=False),
        Column("level", Enum(Level, name="severity", schema="audit")),
        Index(None, "kind"),
        schema="audit",
    )
    return metadata


def test_tables_in_a_schema_the_models_name_are_compared(pg_url, engine_for, recorded):
    engine = engine_for(pg_url)
    with engine.begin() as connection:
        for schema in ("audit", "etl"):
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        connection.execute(text("CREATE TABLE etl.staging (id integer)"))
    _with_schemas().create_all(engine)
    assert _diffs(engine, _with_schemas()) == []  # etl.staging is outside the scope
    assert recorded[-1] == {(None, "account"), ("audit", "event")}

    changed = _with_schemas()
    changed.tables["audit.event"].append_column(Column("note", Text))
    diffs = _diffs(engine, changed)
    assert [(d[0], d[1], d[2], d[3].name) for d in diffs] == [
        ("add_column", "audit", "event", "note")
    ]


def test_exclude_and_include_settings_narrow_the_comparison(pg_url, engine_for, monkeypatch):
    engine = engine_for(pg_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE legacy_orders (id integer)"))
        connection.execute(text("CREATE TABLE legacy_lines (id integer)"))
    metadata = _chain(2)
    metadata.create_all(engine)
    dropped = {d[1].name for d in _diffs(engine, metadata) if d[0] == "remove_table"}
    assert dropped == {"legacy_orders", "legacy_lines"}

    monkeypatch.setenv("WORKBENCH_EXCLUDE_TABLES", "legacy_*")
    assert _diffs(engine, metadata) == []

    monkeypatch.delenv("WORKBENCH_EXCLUDE_TABLES")
    monkeypatch.setenv("WORKBENCH_INCLUDE_TABLES", "t*, legacy_lines")
    dropped = {d[1].name for d in _diffs(engine, metadata) if d[0] == "remove_table"}
    assert dropped == {"legacy_lines"}


def test_scope_patterns():
    assert split_patterns(" a, b* ,,") == ("a", "b*")
    scope = Scope(
        schemas=("rep*",),
        include_tables=("orders", "sales.*"),
        exclude_tables=("sales.tmp_*",),
        model_schemas=frozenset({"audit"}),
    )
    assert scope.several_schemas
    assert [scope.schema_included(s) for s in (None, "audit", "reports", "etl")] == [
        True,
        True,
        True,
        False,
    ]
    assert scope.table_included("orders", None)
    assert scope.table_included("anything", "sales")
    assert not scope.table_included("tmp_load", "sales")
    assert not scope.table_included("lines", None)
    assert not scope.table_included("alembic_history", None)
    assert not Scope().several_schemas


def _computed_tables(tables: int, computed: bool) -> MetaData:
    """Tables whose generated columns MariaDB spells its own way (octet_length, lcase)."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for n in range(tables):
        generated = [
            Column("size", Integer, Computed(f"length(title) + {n}")),
            Column("low", String(40), Computed("lower(title)")),
        ]
        Table(
            f"t{n}",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("title", String(40)),
            *(generated if computed else [Column("size", Integer), Column("low", String(40))]),
        )
    return metadata


@pytest.mark.mysql
def test_server_spelled_expressions_are_no_difference_in_three_statements(mysql_url, engine_for):
    """One probe table for every expression the server respells, whatever the tables."""
    engine = engine_for(mysql_url)
    _computed_tables(20, computed=False).create_all(engine)
    plain, diffs = _statements(engine, _computed_tables(20, computed=False))
    assert diffs == []
    _computed_tables(20, computed=False).drop_all(engine)
    _computed_tables(20, computed=True).create_all(engine)
    probed, diffs = _statements(engine, _computed_tables(20, computed=True))
    assert diffs == []
    assert probed == plain + 3  # CREATE TEMPORARY TABLE, SHOW CREATE TABLE, DROP
    changed = _computed_tables(20, computed=True)
    changed.tables["t7"].c.low.computed.sqltext = text("upper(title)")
    _, diffs = _statements(engine, changed)
    assert [(d[0], d[3].name) for d in diffs] == [("remove_column", "low"), ("add_column", "low")]

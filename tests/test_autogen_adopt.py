"""Adopting a database whose constraints are not named by the project's naming convention.

A database built by plain Alembic or by hand carries the database's own names
(``item_pkey``, ``item_code_key``, ``item_parent_id_fkey``, ``item_price_check``; MariaDB
``item_ibfk_1``). The comparison must treat a constraint that differs from the model's in
name only as the same one (no false differences, on every database), and
``create-migration --adopt-names`` must rename them to the convention on PostgreSQL,
both ways, with the rows kept; elsewhere it is refused in one line.
"""

from __future__ import annotations

import pytest
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql

from common.autogen import compare_metadata
from common.autogen.signatures import Item, Reflected, Signatures, match
from common.config import load_settings
from common.models import NAMING_CONVENTION
from tests.scenario import assert_same_schema, compact, create_all, execute, rows, snapshot

# the matching itself: no database


def test_items_named_apart_pair_by_what_they_are():
    in_db = [Item("uq", "item_code_key", ("code",)), Item("fk", "item_ibfk_1", ("x", "t"))]
    in_model = [Item("uq", "uq_item_code", ("code",)), Item("fk", "fk_item_x_t", ("x", "t"))]
    found = match(in_db, in_model)
    assert found.complete and not found.same_names
    assert found.renamed == [
        ("fk", "item_ibfk_1", "fk_item_x_t"),
        ("uq", "item_code_key", "uq_item_code"),
    ]


def test_a_name_is_never_enough_and_extra_items_count():
    assert not match([Item("uq", "uq_t_a", ("a",))], [Item("uq", "uq_t_a", ("b",))]).complete
    assert not match([Item("uq", "k", ("a",))], []).complete
    assert not match([], [Item("uq", "k", ("a",))]).complete
    same = match([Item("ix", "ix_t_a", ("a",))], [Item("ix", "ix_t_a", ("a",))])
    assert same.same_names and same.renamed == []


def test_an_unnamed_reflected_check_pairs_or_is_ignored():
    """SQLite keeps CHECKs unnamed; the CHECK comparator ignores such ones."""
    assert match([Item("ck", None, ("a>0",))], []).complete
    found = match([Item("ck", None, ("a>0",))], [Item("ck", "ck_t_a", ("a>0",))])
    assert found.same_names and found.renamed == [("ck", None, "ck_t_a")]


def _model() -> Table:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table("parent", metadata, Column("id", Integer, primary_key=True))
    return Table(
        "item",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("code", String(20)),
        Column("price", Numeric(12, 2)),
        Column("parent_id", ForeignKey("parent.id", ondelete="CASCADE")),
        CheckConstraint("price >= 0", name="price"),
        UniqueConstraint("code"),
        Index("ix_item_code_price", "code", "price"),
    )


# What PostgreSQL 15 reflects (get_multi_*) for the table made without the convention.
REFLECTED = {
    "pk_constraint": {"constrained_columns": ["id"], "name": "item_pkey"},
    "indexes": [
        {"name": "item_code_key", "column_names": ["code"], "unique": True,
         "duplicates_constraint": "item_code_key", "dialect_options": {}},
        {"name": "item_code_price_idx", "column_names": ["code", "price"], "unique": False,
         "dialect_options": {}},
    ],
    "unique_constraints": [{"name": "item_code_key", "column_names": ["code"]}],
    "foreign_keys": [
        {"name": "item_parent_id_fkey", "constrained_columns": ["parent_id"],
         "referred_schema": None, "referred_table": "parent", "referred_columns": ["id"],
         "options": {"ondelete": "CASCADE"}},
    ],
    "check_constraints": [{"name": "item_price_check", "sqltext": "(price >= (0)::numeric)"}],
}  # fmt: skip


def _signatures(reflected: dict) -> tuple[list[Item], list[Item]]:
    cache = {f"alembic_{key}": {(None, "item"): value} for key, value in reflected.items()}
    signatures = Signatures(postgresql.dialect())
    return signatures.reflected(Reflected(cache, (None, "item"))), signatures.model(_model())


def test_postgresql_default_names_pair_with_the_convention():
    found = match(*_signatures(REFLECTED))
    assert found.complete
    assert found.renamed == [
        ("ck", "item_price_check", "ck_item_price"),
        ("fk", "item_parent_id_fkey", "fk_item_parent_id_parent"),
        ("ix", "item_code_price_idx", "ix_item_code_price"),
        ("pk", "item_pkey", "pk_item"),
        ("uq", "item_code_key", "uq_item_code"),
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("foreign_keys", [{**REFLECTED["foreign_keys"][0], "options": {}}]),  # no ON DELETE
        ("foreign_keys", [{**REFLECTED["foreign_keys"][0], "referred_table": "other"}]),
        ("unique_constraints", [{"name": "item_code_key", "column_names": ["code", "price"]}]),
        ("check_constraints", [{"name": "item_price_check", "sqltext": "(price > (0)::numeric)"}]),
        ("pk_constraint", {"constrained_columns": ["id", "code"], "name": "item_pkey"}),
    ],
    ids=["ondelete", "referred-table", "unique-columns", "check-text", "pk-columns"],
)
def test_anything_but_the_name_differing_is_a_difference(key, value):
    assert not match(*_signatures({**REFLECTED, key: value})).complete


# no false differences on every database


def _schema(convention: bool) -> MetaData:
    metadata = MetaData(naming_convention=NAMING_CONVENTION if convention else {})
    Table("parent", metadata, Column("id", Integer, primary_key=True), Column("name", String(50)))
    Table(
        "item",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("code", String(20)),
        Column("price", Numeric(12, 2)),
        Column("parent_id", ForeignKey("parent.id", ondelete="CASCADE")),
        CheckConstraint("price >= 0", name="price" if convention else None),
        UniqueConstraint("code"),
        Index("ix_item_code_price" if convention else "item_code_price_idx", "code", "price"),
    )
    return metadata


def test_no_false_differences_on_a_database_named_its_own_way(any_url, engine_for):
    engine = engine_for(any_url)
    _schema(convention=False).create_all(engine)
    with engine.connect() as connection:
        assert compare_metadata(connection, _schema(convention=True), load_settings()) == []


# create-migration --adopt-names (PostgreSQL)

DDL = [
    "CREATE TABLE parent (id serial PRIMARY KEY, name varchar(50) NOT NULL)",
    "CREATE TABLE item (id serial PRIMARY KEY, code varchar(20) UNIQUE,"
    " price numeric(12, 2) CHECK (price >= 0),"
    " parent_id integer REFERENCES parent (id) ON DELETE CASCADE, name varchar(40))",
    "CREATE INDEX item_name_idx ON item (name)",
    "CREATE SCHEMA audit",
    "CREATE TABLE audit.event (id serial PRIMARY KEY, item_id integer NOT NULL"
    " REFERENCES item (id), kind varchar(20) NOT NULL UNIQUE)",
    "INSERT INTO parent (id, name) VALUES (1, 'ann'), (2, 'bob')",
    "INSERT INTO item (id, code, price, parent_id, name) VALUES (1, 'a', 1.50, 1, 'x'),"
    " (2, 'b', 0, 2, NULL)",
    "INSERT INTO audit.event (id, item_id, kind) VALUES (1, 1, 'made')",
]
MODELS = """
    from decimal import Decimal
    from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Numeric, UniqueConstraint
    from sqlmodel import Field, SQLModel

    class Parent(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(max_length=50)

    class Item(SQLModel, table=True):
        __table_args__ = (UniqueConstraint("code"), CheckConstraint("price >= 0", name="price"))
        id: int | None = Field(default=None, primary_key=True)
        code: str | None = Field(default=None, max_length=20)
        price: Decimal | None = Field(default=None, sa_column=Column(Numeric(12, 2)))
        parent_id: int | None = Field(
            default=None,
            sa_column=Column(Integer, ForeignKey("parent.id", ondelete="CASCADE")),
        )
        name: str | None = Field(default=None, max_length=40, index=True)

    class Event(SQLModel, table=True):
        __table_args__ = (UniqueConstraint("kind"), {"schema": "audit"})
        id: int | None = Field(default=None, primary_key=True)
        item_id: int = Field(foreign_key="item.id")
        kind: str = Field(max_length=20)
"""
QUERY = (
    "SELECT p.id, p.name, i.id, i.code, i.price, i.name, e.kind FROM parent p"
    " LEFT JOIN item i ON i.parent_id = p.id LEFT JOIN audit.event e ON e.item_id = i.id"
    " ORDER BY p.id"
)
RENAMES = [
    "op.rename_constraint('parent','parent_pkey','pk_parent')",
    "op.rename_constraint('item','item_pkey','pk_item')",
    "op.rename_constraint('item','item_code_key','uq_item_code')",
    "op.rename_constraint('item','item_parent_id_fkey','fk_item_parent_id_parent')",
    "op.rename_constraint('item','item_price_check','ck_item_price')",
    "op.rename_index('item_name_idx','ix_item_name',table_name='item')",
    "op.rename_constraint('event','event_pkey','pk_event',schema='audit')",
    "op.rename_constraint('event','event_kind_key','uq_event_kind',schema='audit')",
    "op.rename_constraint('event','event_item_id_fkey','fk_event_item_id_item',schema='audit')",
]


def test_adopt_names_renames_to_the_convention_and_back(project, pg_pair):
    url, fresh = pg_pair
    execute(url, *DDL)
    before, old_rows = snapshot(url), rows(url, QUERY)
    project.use_database(url)
    project.write_models(MODELS)

    assert "No changes" in project.ok("create-migration", "Adopt").output  # nothing false
    assert project.ok("check").returncode == 0
    assert project.revision_files() == []

    project.ok("create-migration", "Adopt names", "--adopt-names")
    script = project.revision_files()[-1].read_text()
    upgrade, downgrade = compact(script).split("defdowngrade()")
    assert sorted(c for c in RENAMES if c in upgrade) == sorted(RENAMES), script
    assert "drop_constraint" not in upgrade and "create_index" not in upgrade, script
    assert "op.rename_constraint('item','uq_item_code','item_code_key')" in downgrade, script

    project.ok("update-db")
    with project.models() as metadata:
        create_all(metadata, fresh)
    assert_same_schema(snapshot(url), snapshot(fresh), script)
    assert project.ok("check").returncode == 0
    assert rows(url, QUERY) == old_rows

    project.ok("downgrade")
    assert_same_schema(snapshot(url), before, script)
    assert rows(url, QUERY) == old_rows


def test_adopt_names_is_refused_where_renames_are_not_supported(project, sqlite_url):
    project.use_database(sqlite_url)
    project.write_models(MODELS.replace(', {"schema": "audit"}', ","))
    result = project.run("create-migration", "Adopt names", "--adopt-names")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error")] == [
        "error: --adopt-names renames constraints and indexes in place, which the workbench "
        "supports on PostgreSQL only (this database is sqlite). Fix: leave --adopt-names out: "
        "constraints that differ from the models in name only are not reported as differences."
    ]
    assert project.revision_files() == []

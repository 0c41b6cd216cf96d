"""Bulk reflection on MariaDB and SQLite gives what SQLAlchemy's inspector gives.

``common.autogen.reflect_mysql`` and ``reflect_sqlite`` read every table in a constant
number of statements and feed both the unchanged-table shortcut and Alembic's full
comparison, so each of their dicts must equal the inspector's per-table answer: on a
varied schema, every kind, every table, and a table they cannot read with certainty is
left out (Alembic then reflects it by itself) rather than read differently.
"""

from __future__ import annotations

from collections import Counter

import pytest
from alembic.autogenerate.compare.util import _INSP_KEYS
from sqlalchemy import (
    JSON,
    TIMESTAMP,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    func,
    inspect,
    text,
)
from sqlalchemy.dialects import mysql

from common.autogen import reflect_mysql, reflect_sqlite


def _schema(dialect: str) -> MetaData:
    """Most of what a model can say, on one dialect, without the naming convention."""
    metadata = MetaData()
    Table(
        "parent",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False, server_default="it's"),
        comment="own'ers\nand more",
    )
    Table(
        "pair",
        metadata,
        Column("a", Integer, primary_key=True),
        Column("b", Integer, primary_key=True),
    )
    extra = (
        [
            Column("u", mysql.INTEGER(unsigned=True, zerofill=True)),
            Column("t", mysql.TINYINT(1)),
            Column("ch", mysql.CHAR(3, collation="utf8mb4_bin")),
            Column("latin", mysql.VARCHAR(5, charset="latin1")),
            Column("s", mysql.SET("x", "y", "", retrieve_as_bitwise=True)),
            Column(
                "stamp",
                TIMESTAMP(),
                nullable=False,
                server_default=text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
            ),
            Column("fine", mysql.TIMESTAMP(fsp=3), server_default=text("CURRENT_TIMESTAMP(3)")),
            Index("ix_prefix", "email", mysql_length=10),
            Index("ix_text", "email", mysql_prefix="FULLTEXT"),
        ]
        if dialect == "mysql"
        else [Index("ix_partial", "code", sqlite_where=text("price > 0"))]
    )
    Table(
        "item",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("code", String(20), unique=True),
        Column("email", Text, nullable=False, comment="contact"),
        Column("level", Enum("low", "high", name="level"), server_default="low"),
        Column("data", JSON),
        Column("price", Numeric(12, 2), server_default=text("0")),
        Column("ratio", Float),
        Column("active", Boolean, nullable=False, server_default=text("1")),
        Column("born", Date, server_default="2020-01-01"),
        Column("created", DateTime, server_default=func.now()),
        Column("blob", LargeBinary),
        Column("total", Numeric(14, 2), Computed("price * 2", persisted=True)),
        Column("low", String(20), Computed("lower(code)")),
        Column("parent_id", ForeignKey("parent.id", ondelete="CASCADE")),
        Column("a", Integer),
        Column("b", Integer),
        ForeignKeyConstraint(["a", "b"], ["pair.a", "pair.b"], name="fk_pair", onupdate="SET NULL"),
        CheckConstraint("price >= 0 AND code IN ('a', 'b')", name="ck_price"),
        CheckConstraint("ratio > 1"),
        UniqueConstraint("a", "b", name="uq_pair"),
        Index("ix_code_email", "code", "email", mysql_length={"email": 10}),
        Index("ix_ratio", "ratio", unique=True),
        *extra,
        comment="items",
    )
    Table("bare", metadata, Column("x", Integer), Column("pair_a", ForeignKey("pair.a")))
    return metadata


def _comparable(value):
    """Reflected dicts with types and SQL fragments as comparable values."""
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if hasattr(value, "_type_affinity"):
        return (type(value).__name__, sorted((k, repr(v)) for k, v in vars(value).items()))
    if hasattr(value, "text") and hasattr(value, "compile"):
        return ("sql", value.text)
    return value


def _both(engine, reader) -> tuple[dict, dict, int]:
    """(bulk dicts, inspector dicts) by kind and table, and the bulk statement count."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        statements: Counter[str] = Counter()

        def count(*_args) -> None:
            statements["sent"] += 1

        event.listen(connection, "before_cursor_execute", count)
        bulk = reader.reflect(connection, {None: names})
        event.remove(connection, "before_cursor_execute", count)
    with engine.connect() as connection:
        inspector = inspect(connection)
        alone = {}
        for kind in _INSP_KEYS:
            try:
                alone[kind] = {
                    (None, name): getattr(inspector, f"get_{kind}")(name) for name in names
                }
            except NotImplementedError:
                alone[kind] = NotImplementedError
    return bulk, alone, statements["sent"]


def _assert_same(bulk: dict, alone: dict, declined: set[str]) -> None:
    for kind in _INSP_KEYS:
        if alone[kind] is NotImplementedError:
            assert bulk.get(kind) is NotImplementedError, kind
            continue
        expected = {key: value for key, value in alone[kind].items() if key[1] not in declined}
        assert _comparable(bulk.get(kind, {})) == _comparable(expected), kind


@pytest.mark.mysql
def test_mariadb_bulk_reflection_is_the_inspectors(mysql_url, engine_for):
    engine = engine_for(mysql_url)
    engine.connect().close()  # the dialect learns the server's version
    if not reflect_mysql.supported(engine.dialect):
        pytest.skip("bulk reflection is for MariaDB >= 10.5.10")
    _schema("mysql").create_all(engine)
    with engine.begin() as connection:  # what the parser of SHOW CREATE TABLE reads apart
        connection.execute(text("CREATE TABLE odd (id int, e int DEFAULT (1 + 2))"))
        connection.execute(
            text("CREATE TABLE `zz``q` (id int PRIMARY KEY, CONSTRAINT zz CHECK (id > 0))")
        )
    bulk, alone, statements = _both(engine, reflect_mysql)
    assert {key[1] for key in bulk["columns"]} == {"parent", "pair", "item", "bare"}
    _assert_same(bulk, alone, declined={"odd", "zz`q"})
    assert statements == 5
    json = next(c for c in bulk["columns"][(None, "item")] if c["name"] == "data")
    assert type(json["type"]).__name__ == "LONGTEXT"  # and its json_valid CHECK is no constraint
    assert [c["name"] for c in bulk["check_constraints"][(None, "item")]] == [
        "CONSTRAINT_1",
        "ck_price",
    ]


@pytest.mark.sqlite
def test_sqlite_bulk_reflection_is_the_inspectors(sqlite_url, engine_for):
    engine = engine_for(sqlite_url)
    _schema("sqlite").create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE odd ([x y] int, `z` text DEFAULT 'a', w varchar(3) CHECK (w <> ''),"
                " CONSTRAINT pk PRIMARY KEY ([x y])) WITHOUT ROWID"
            )
        )
        connection.execute(text("CREATE INDEX ix_expr ON odd (lower(z))"))
        connection.execute(text("CREATE VIEW v AS SELECT * FROM pair"))
    with pytest.warns(match="expression-based index ix_expr"):
        bulk, alone, statements = _both(engine, reflect_sqlite)
    assert {key[1] for key in bulk["columns"]} == {"parent", "pair", "item", "bare", "odd"}
    _assert_same(bulk, alone, declined=set())
    assert statements == 7  # five SELECTs; the dialect reads a partial index's SQL twice itself

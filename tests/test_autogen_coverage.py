"""Everyday model changes, end to end on PostgreSQL, each with rows in the table.

Every scenario: rows under the old models -> create-migration -> update-db -> the schema
equals a fresh ``create_all`` of the new models -> ``check`` clean -> rows as expected ->
downgrade -> old schema and rows back. Each one also checks that the unchanged-table
shortcut (common.autogen.unchanged) finds the same diffs as Alembic's full comparison.
"""

from __future__ import annotations

import pytest

from tests.scenario import Scenario

IMPORTS = """\
from datetime import datetime
from decimal import Decimal
from sqlalchemy import (
    BigInteger, CheckConstraint, Column, DateTime, ForeignKey, Identity, Index, Integer,
    Numeric, String, Text, UniqueConstraint, func, text,
)
from sqlmodel import Field, SQLModel
"""

AUTHOR = """
class Author(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50)
"""

TITLE = "title: str = Field(max_length=100)"


def book(*lines: str, args: str = "", author: bool = True, extra: str = "") -> str:
    """Models source: Author (unless left out), Book with ``lines`` after its key, ``extra``."""
    table_args = f"    __table_args__ = {args}\n" if args else ""
    body = "".join(f"    {line}\n" for line in lines)
    return (
        IMPORTS
        + (AUTHOR if author else "")
        + "\nclass Book(SQLModel, table=True):\n"
        + table_args
        + "    id: int | None = Field(default=None, primary_key=True)\n"
        + body
        + extra
    )


SEED = [
    "INSERT INTO author (id, name) VALUES (1, 'Ann'), (2, 'Bob')",
    "INSERT INTO book (id, title) VALUES (1, 'One'), (2, 'Two')",
]
SEED_BOOKS = SEED[1:]
TITLES = "SELECT id, title FROM book ORDER BY id"


def run(project, pair, old: str, new: str, seed=SEED, query=TITLES, expected=None) -> str:
    scenario = Scenario(old, new, list(seed), query, expected, compare_shortcut=True)
    return " ".join(scenario.run(project, pair).split())


# identity columns

IDENTITY = "number: int | None = Field(default=None, sa_column=Column(BigInteger, {}))"


def test_add_identity_column(project, pg_pair):
    new = book(TITLE, IDENTITY.format("Identity(), nullable=False"))
    assert "Identity(" in run(project, pg_pair, book(TITLE), new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Identity(start=1)", "Identity(start=100)"),
        ("Identity(increment=1)", "Identity(increment=5)"),
        ("Identity(start=10, increment=2)", "Identity(start=1000, increment=10)"),
    ],
    ids=["start", "increment", "both"],
)
def test_identity_options_change(project, pg_pair, old, new):
    column = IDENTITY.format("{}, nullable=False")
    insert_new = [*SEED, "INSERT INTO book (id, title) VALUES (3, 'Three')"]
    script = run(
        project,
        pg_pair,
        book(TITLE, column.format(old)),
        book(TITLE, column.format(new)),
        seed=insert_new,
    )
    assert "alter_column" in script and "Identity(" in script


# comments


@pytest.mark.parametrize(
    ("old", "new"),
    [(None, "shown to readers"), ("shown to readers", "internal"), ("internal", None)],
    ids=["add", "change", "drop"],
)
def test_column_comment(project, pg_pair, old, new):
    def title(comment):
        kwargs = f', sa_column_kwargs={{"comment": {comment!r}}}' if comment else ""
        return f"title: str = Field(max_length=100{kwargs})"

    script = run(project, pg_pair, book(title(old)), book(title(new)))
    assert "alter_column" in script and "comment=" in script


@pytest.mark.parametrize(
    ("old", "new"),
    [(None, "all books"), ("all books", "the catalogue"), ("the catalogue", None)],
    ids=["add", "change", "drop"],
)
def test_table_comment(project, pg_pair, old, new):
    def models(comment):
        return book(TITLE, args=f'{{"comment": {comment!r}}}' if comment else "")

    script = run(project, pg_pair, models(old), models(new))
    assert "table_comment" in script


# server defaults

BOOLEAN = 'flag: bool = Field(default=False, sa_column_kwargs={{"server_default": {}}})'
STAMP = (
    "created_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True){}))"
)
STATUS = 'status: str = Field(default="draft", max_length=20{})'
PRICE = "price: Decimal = Field(default=0, sa_column=Column(Numeric(10, 2), nullable=False{}))"


def _server_default(value: str | None) -> str:
    return f', sa_column_kwargs={{"server_default": {value}}}' if value else ""


@pytest.mark.parametrize(
    ("old", "new", "query"),
    [
        (
            BOOLEAN.format('text("false")'),
            BOOLEAN.format('text("true")'),
            "SELECT id, flag FROM book ORDER BY id",
        ),
        (
            STAMP.format(""),
            STAMP.format(", server_default=func.now()"),
            "SELECT id, created_at IS NULL FROM book ORDER BY id",
        ),
        (
            STAMP.format(", server_default=func.now()"),
            STAMP.format(""),
            "SELECT id, created_at IS NULL FROM book ORDER BY id",
        ),
        (
            STATUS.format(""),
            STATUS.format(_server_default("'draft'")),
            "SELECT id, status FROM book ORDER BY id",
        ),
        (
            STATUS.format(_server_default("'draft'")),
            STATUS.format(_server_default("'new'")),
            "SELECT id, status FROM book ORDER BY id",
        ),
        (
            STATUS.format(_server_default("'new'")),
            STATUS.format(""),
            "SELECT id, status FROM book ORDER BY id",
        ),
        (
            PRICE.format(', server_default=text("0")'),
            PRICE.format(', server_default=text("1.50")'),
            "SELECT id, price FROM book ORDER BY id",
        ),
        (
            PRICE.format(""),
            PRICE.format(', server_default=text("0")'),
            "SELECT id, price FROM book ORDER BY id",
        ),
    ],
    ids=[
        "boolean-change",
        "now-add",
        "now-drop",
        "string-add",
        "string-change",
        "string-drop",
        "numeric-change",
        "numeric-add",
    ],
)
def test_server_default(project, pg_pair, old, new, query):
    insert = (
        "INSERT INTO book (id, title, flag, created_at, status, price) "
        "VALUES (1, 'One', true, now(), 'x', 2), (2, 'Two', false, NULL, 'y', 3)"
    )
    columns = {"flag", "created_at", "status", "price"}
    used = {name for name in columns if name in old}
    for name in columns - used:
        insert = insert.replace(f", {name}", "", 1)
    insert = _values_for(insert, used)
    script = run(
        project, pg_pair, book(TITLE, old), book(TITLE, new), seed=[SEED[0], insert], query=query
    )
    assert "server_default=" in script


def _values_for(insert: str, used: set[str]) -> str:
    """The seed row values of the one server-default column in use."""
    values = {
        "flag": ("true", "false"),
        "created_at": ("now()", "NULL"),
        "status": ("'x'", "'y'"),
        "price": ("2", "3"),
    }
    (name,) = used
    first, second = values[name]
    head = insert.split(" VALUES ")[0]
    return f"{head} VALUES (1, 'One', {first}), (2, 'Two', {second})"


def test_unchanged_defaults_and_comments_are_not_reported(project, pg_pair):
    lines = [
        'title: str = Field(max_length=100, sa_column_kwargs={"comment": "shown"})',
        BOOLEAN.format('text("false")'),
        STAMP.format(", server_default=func.now()"),
        STATUS.format(_server_default("'draft'")),
        PRICE.format(', server_default=text("0")'),
        IDENTITY.format("Identity(start=5, increment=3), nullable=False"),
    ]
    old = book(*lines, args='{"comment": "books"}')
    new = book(*lines, "pages: int | None = None", args='{"comment": "books"}')
    script = run(project, pg_pair, old, new)
    assert "add_column" in script
    assert "alter_column" not in script and "table_comment" not in script


# NOT NULL columns on a table with rows


def test_not_null_column_with_python_default(project, pg_pair):
    script = run(project, pg_pair, book(TITLE), book(TITLE, "pages: int = 7"))
    assert "add_column" in script


def test_not_null_column_with_server_default(project, pg_pair):
    new = book(TITLE, 'pages: int = Field(default=0, sa_column_kwargs={"server_default": "3"})')
    script = run(project, pg_pair, book(TITLE), new)
    assert "server_default=" in script


def test_nullable_to_not_null_with_default(project, pg_pair):
    old = book(TITLE, "subtitle: str | None = Field(default=None, max_length=50)")
    new = book(TITLE, 'subtitle: str = Field(default="none", max_length=50)')
    seed = [
        SEED[0],
        "INSERT INTO book (id, title, subtitle) VALUES (1, 'One', 'a'), (2, 'Two', NULL)",
    ]
    query = "SELECT id, coalesce(subtitle, 'none') FROM book ORDER BY id"
    script = run(project, pg_pair, old, new, seed=seed, query=query)
    assert "batch_update" in script and "set_not_null_safely" in script


def test_not_null_to_nullable(project, pg_pair):
    old = book(TITLE, "subtitle: str = Field(max_length=50)")
    new = book(TITLE, "subtitle: str | None = Field(default=None, max_length=50)")
    seed = [
        SEED[0],
        "INSERT INTO book (id, title, subtitle) VALUES (1, 'One', 'a'), (2, 'Two', 'b')",
    ]
    query = "SELECT id, subtitle FROM book ORDER BY id"
    script = run(project, pg_pair, old, new, seed=seed, query=query)
    assert "nullable=True" in script


# unique constraints and indexes


def test_unique_constraint_add(project, pg_pair):
    old = book(TITLE, "isbn: str | None = Field(default=None, max_length=20)")
    new = book(
        TITLE,
        "isbn: str | None = Field(default=None, max_length=20)",
        args='(UniqueConstraint("isbn", "title"),)',
    )
    assert "unique_constraint" in run(project, pg_pair, old, new)


def test_unique_constraint_drop(project, pg_pair):
    old = book(
        TITLE,
        "isbn: str | None = Field(default=None, max_length=20)",
        args='(UniqueConstraint("isbn", "title"),)',
    )
    new = book(TITLE, "isbn: str | None = Field(default=None, max_length=20)")
    assert "drop_constraint" in run(project, pg_pair, old, new)


def test_unique_index_add(project, pg_pair):
    old = book(TITLE, "isbn: str | None = Field(default=None, max_length=20)")
    new = book(
        TITLE, "isbn: str | None = Field(default=None, max_length=20, index=True, unique=True)"
    )
    script = run(project, pg_pair, old, new)
    assert "unique=True" in script


def test_composite_index_add(project, pg_pair):
    old = book(TITLE, "year: int | None = None")
    new = book(
        TITLE, "year: int | None = None", args='(Index("ix_book_title_year", "title", "year"),)'
    )
    assert "ix_book_title_year" in run(project, pg_pair, old, new)


def test_index_drop(project, pg_pair):
    old = book("title: str = Field(max_length=100, index=True)")
    new = book(TITLE)
    assert "drop_index" in run(project, pg_pair, old, new)


# foreign keys

AUTHOR_ID = "author_id: int | None = Field(default=None{})"
SEED_WITH_AUTHORS = [
    SEED[0],
    "INSERT INTO book (id, title, author_id) VALUES (1, 'One', 1), (2, 'Two', NULL)",
]
AUTHORS_OF_BOOKS = "SELECT id, author_id FROM book ORDER BY id"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", ', foreign_key="author.id"'),
        (', foreign_key="author.id"', ""),
        (
            ', foreign_key="author.id", ondelete="CASCADE"',
            ', foreign_key="author.id", ondelete="SET NULL"',
        ),
    ],
    ids=["add", "drop", "ondelete-change"],
)
def test_foreign_key(project, pg_pair, old, new):
    script = run(
        project,
        pg_pair,
        book(TITLE, AUTHOR_ID.format(old)),
        book(TITLE, AUTHOR_ID.format(new)),
        seed=SEED_WITH_AUTHORS,
        query=AUTHORS_OF_BOOKS,
    )
    assert "foreign_key" in script


# dropping columns and tables, new tables

TAG = """
class Tag(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(max_length=30, unique=True)
"""


def test_column_drop(project, pg_pair):
    old = book(TITLE, "pages: int | None = None")
    assert "drop_column" in run(project, pg_pair, old, book(TITLE))


def test_table_drop(project, pg_pair):
    old = book(TITLE, extra=TAG)
    seed = [*SEED, "INSERT INTO tag (id, label) VALUES (1, 'a')"]
    assert "drop_table" in run(project, pg_pair, old, book(TITLE), seed=seed)


def test_new_table_with_foreign_key_to_existing_table(project, pg_pair):
    review = """
class Review(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    book_id: int = Field(foreign_key="book.id", ondelete="CASCADE", index=True)
    stars: int = 5
"""
    assert "create_table" in run(project, pg_pair, book(TITLE), book(TITLE, extra=review))


def test_drop_referenced_table_and_its_referrer(project, pg_pair):
    old = book(TITLE, AUTHOR_ID.format(', foreign_key="author.id"'), extra=TAG)
    new = IMPORTS + TAG
    seed = [*SEED_WITH_AUTHORS, "INSERT INTO tag (id, label) VALUES (1, 'a')"]
    script = run(project, pg_pair, old, new, seed=seed, query="SELECT id, label FROM tag")
    assert script.count("drop_table") == 2


def test_drop_referenced_table_keeps_the_referring_column(project, pg_pair):
    old = book(TITLE, AUTHOR_ID.format(', foreign_key="author.id"'))
    new = book(TITLE, AUTHOR_ID.format(""), author=False)
    seed = [SEED[0], "INSERT INTO book (id, title, author_id) VALUES (1, 'One', NULL)"]
    script = run(project, pg_pair, old, new, seed=seed, query=AUTHORS_OF_BOOKS)
    assert script.index("drop_constraint") < script.index("drop_table")


# type changes


@pytest.mark.parametrize(
    ("old", "new", "values", "expected"),
    [
        ("str = Field(max_length=20)", "str = Field(max_length=200)", ("'a'", "'b'"), None),
        ("str = Field(max_length=200)", "str = Field(max_length=20)", ("'a'", "'b'"), None),
        ("int", "int = Field(sa_type=BigInteger)", ("1", "2"), None),
        ("str = Field(sa_type=Text)", "str = Field(max_length=40)", ("'a'", "'b'"), None),
        (
            "Decimal = Field(sa_column=Column(Numeric(10, 2), nullable=False))",
            "Decimal = Field(sa_column=Column(Numeric(12, 4), nullable=False))",
            ("1.25", "2.5"),
            None,
        ),
        ("str = Field(max_length=10)", "int", ("'12'", "'34'"), [(1, 12), (2, 34)]),
    ],
    ids=[
        "varchar-longer",
        "varchar-shorter",
        "int-to-bigint",
        "text-to-varchar",
        "numeric-precision",
        "varchar-to-int",
    ],
)
def test_type_change(project, pg_pair, old, new, values, expected):
    seed = [SEED[0], f"INSERT INTO book (id, code) VALUES (1, {values[0]}), (2, {values[1]})"]
    query = "SELECT id, code FROM book ORDER BY id"
    script = run(
        project,
        pg_pair,
        book(f"code: {old}"),
        book(f"code: {new}"),
        seed=seed,
        query=query,
        expected=expected,
    )
    assert "type_=" in script


def test_new_table_with_everything(project, pg_pair):
    shelf = """
class Shelf(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("room", "position"),
        Index("ix_shelf_room_label", "room", "label"),
        CheckConstraint("position >= 0", name="position"),
        {"comment": "where books stand"},
    )
    id: int | None = Field(default=None, primary_key=True)
    number: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(start=10), nullable=False)
    )
    room: str = Field(max_length=20, sa_column_kwargs={"comment": "room code"})
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    label: str | None = Field(default=None, max_length=40, index=True)
    book_id: int | None = Field(default=None, foreign_key="book.id", ondelete="SET NULL")
    full: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    created_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), server_default=func.now())
    )
"""
    script = run(project, pg_pair, book(TITLE), book(TITLE, extra=shelf))
    assert "create_table" in script


def test_new_table_and_a_foreign_key_column_pointing_at_it(project, pg_pair):
    """One of the commonest changes: its downgrade dropped the column, then the key with it."""
    old = book(TITLE, author=False)
    new = book(TITLE, AUTHOR_ID.format(', foreign_key="author.id"'))
    script = run(project, pg_pair, old, new, seed=SEED_BOOKS)
    assert "create_table" in script and "create_foreign_key" in script


def test_str_without_length_and_datetime_columns(project, pg_pair):
    """SQLModel's AutoString and UTCDateTime are written as SQLAlchemy types, not sqlmodel's."""
    new = book(TITLE, "label: str | None = None", "published: datetime | None = None")
    script = run(project, pg_pair, book(TITLE), new)
    assert "sa.DateTime(timezone=True)" in script and "sqlmodel" not in script

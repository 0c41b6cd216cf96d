"""How MySQL/MariaDB spell generated-column expressions, asked of the server once per compare.

MariaDB does not keep a generation expression as written: ``length(title)`` comes back as
``octet_length(`title`)``, ``lower()`` as ``lcase()``, ``upper()`` as ``ucase()``; MySQL 8
adds charset introducers to string literals (``_utf8mb4'-'``). A hand-written map of such
spellings would always lag behind some server version, so the server is asked instead:
every model expression whose text still differs from the database's after
``check_constraints.normalize`` is created, beside the database's own expression, as a
generated column of one temporary table, and both are read back. Equal spellings from
the same server in the same table mean equal expressions.

One probe serves the whole comparison: ``probe`` runs once, from the table loop
(``common.autogen.tables``), before the unchanged-table shortcut and the computed-column
comparator, which both ask ``same``. It costs three statements (CREATE TEMPORARY TABLE,
SHOW CREATE TABLE, DROP TEMPORARY TABLE) whatever the number of tables, one set more per
column name used with different types by the tables involved, and none at all when every
expression already matches in text (always on PostgreSQL, whose spelling ``normalize``
folds, and on SQLite, which keeps the text as written). TEMPORARY keeps the probe out of
other sessions' sight and, unlike other DDL, does not commit the transaction.

A probe the server refuses (an expression it rejects, a row too wide, no CREATE
TEMPORARY TABLES privilege) is split in halves and retried; a pair it refuses alone is
left to the textual comparison, so a doubt gives a reported difference, never a missed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Column, Computed, MetaData, Table, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateTable, DDLElement

from common.autogen.check_constraints import normalize

# per autogenerate run (its AutogenContext), not stored on Alembic's object
_ANSWERS: WeakKeyDictionary[Any, dict[tuple, tuple[str, str]]] = WeakKeyDictionary()
_PROBE = "alembic_computed_probe"
_ROW_BYTES = 60_000  # under MySQL's 65,535-byte row limit, which virtual columns count in
_STRING = re.compile(r"'(?:[^'\\]|''|\\.)*'")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


class _DropTemporary(DDLElement):
    """``DROP TEMPORARY TABLE IF EXISTS``: a plain DROP TABLE would commit the transaction."""

    def __init__(self, name: str) -> None:
        self.name = name


@compiles(_DropTemporary)
def _compile_drop(element: _DropTemporary, compiler: Any, **kw: Any) -> str:
    return f"DROP TEMPORARY TABLE IF EXISTS {compiler.preparer.quote(element.name)}"


def model_text(column: Column, dialect: Any) -> str | None:
    """A model column's generation expression as its CREATE TABLE would write it."""
    computed = column.computed
    if computed is None:
        return None
    sqltext = computed.sqltext
    if isinstance(sqltext, str):
        return sqltext
    return str(
        sqltext.compile(
            dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}
        )
    )


@dataclass
class _Pair:
    keys: list[tuple]  # every column with this expression pair, in this context
    column: Column
    model: str
    database: str
    referenced: dict[str, Column]
    types: dict[str, str]  # referenced column -> its DDL type

    def signature(self, dialect: Any) -> tuple:
        """Pairs that would be spelled alike: one probe column serves them all."""
        own = str(self.column.type.compile(dialect=dialect))
        return (self.model, self.database, own, tuple(sorted(self.types.items())))


def _key(table: Table, column: Column, model: str, database: str) -> tuple:
    return (table.schema, table.name, column.name, model, database)


def probe(autogen_context: Any, tables: Iterable[tuple[list[dict], Table]]) -> None:
    """Have the server spell every (model, database) expression pair that differs in text.

    ``tables`` gives each compared model table with its reflected column dicts.
    """
    answers: dict[tuple, tuple[str, str]] = {}
    _ANSWERS[autogen_context] = answers
    dialect = autogen_context.dialect
    if dialect.name not in ("mysql", "mariadb"):
        return
    unique: dict[tuple, _Pair] = {}
    for columns, table in tables:
        for pair in _pairs(columns, table, dialect):
            known = unique.setdefault(pair.signature(dialect), pair)
            if known is not pair:
                known.keys.extend(pair.keys)
    for group in _groups(list(unique.values())):
        _ask(autogen_context.connection, group, answers)


def same(autogen_context: Any, table: Table, column: Column, database: str) -> bool:
    """True when the model column's expression is the database's, as the server spells it."""
    model = model_text(column, autogen_context.dialect)
    if model is None:
        return False
    if normalize(model) == normalize(database):
        return True
    spelled = _ANSWERS.get(autogen_context, {}).get(_key(table, column, model, database))
    return spelled is not None and normalize(spelled[0]) == normalize(spelled[1])


def _pairs(columns: list[dict], table: Table, dialect: Any) -> list[_Pair]:
    in_db = {info["name"]: info for info in columns}
    found = []
    for column in table.columns:
        info = in_db.get(column.name) or {}
        reflected = info.get("computed")
        model = model_text(column, dialect)
        if reflected is None or model is None:
            continue
        database = reflected["sqltext"]
        if normalize(model) == normalize(database):
            continue
        words = set(_WORD.findall(_STRING.sub("", f"{model} {database}".replace("`", ""))))
        referenced = {c.name: c for c in table.columns if c.name in words and c is not column}
        types = {name: str(c.type.compile(dialect=dialect)) for name, c in referenced.items()}
        key = _key(table, column, model, database)
        found.append(_Pair([key], column, model, database, referenced, types))
    return found


def _groups(pairs: list[_Pair]) -> list[list[_Pair]]:
    """Pairs whose referenced columns agree on types, within a row width, share a probe."""
    groups: list[tuple[dict[str, str], list[_Pair], list[int]]] = []
    for pair in pairs:
        own = 2 * _width(pair.column)
        for known, members, used in groups:
            agree = all(known.get(name, text) == text for name, text in pair.types.items())
            new = [c for name, c in pair.referenced.items() if name not in known]
            width = own + sum(_width(c) for c in new)
            if agree and used[0] + width <= _ROW_BYTES:
                known.update(pair.types)
                members.append(pair)
                used[0] += width
                break
        else:
            width = own + sum(_width(c) for c in pair.referenced.values())
            groups.append((dict(pair.types), [pair], [width]))
    return [members for _, members, _ in groups]


def _width(column: Column) -> int:
    """Bytes a column counts toward MySQL's 65,535-byte row limit, at most (utf8mb4)."""
    length = getattr(column.type, "length", None)
    return 4 * length + 2 if isinstance(length, int) else 16


def _ask(connection: Any, group: list[_Pair], answers: dict) -> None:
    """Create the probe table, read its expressions back, drop it; halve it when refused."""
    columns: dict[str, Column] = {}
    for pair in group:
        for name, column in pair.referenced.items():
            columns.setdefault(name, Column(name, column.type.copy()))
    for i, pair in enumerate(group):
        for side, text in (("m", pair.model), ("d", pair.database)):
            name = f"{_PROBE}_{side}{i}"
            columns[name] = Column(name, pair.column.type.copy(), Computed(text))
    table = Table(_PROBE, MetaData(), *columns.values(), prefixes=["TEMPORARY"])
    try:
        connection.execute(CreateTable(table))
    except SQLAlchemyError:  # refused by the server, or text SQLAlchemy cannot compile
        if len(group) > 1:
            half = len(group) // 2
            _ask(connection, group[:half], answers)
            _ask(connection, group[half:], answers)
        return
    try:
        spelled = {
            info["name"]: info["computed"]["sqltext"]
            for info in inspect(connection).get_columns(_PROBE)
            if info.get("computed")
        }
    except SQLAlchemyError:
        spelled = {}
    finally:
        connection.execute(_DropTemporary(_PROBE))
    for i, pair in enumerate(group):
        model, database = spelled.get(f"{_PROBE}_m{i}"), spelled.get(f"{_PROBE}_d{i}")
        if model is not None and database is not None:
            answers.update(dict.fromkeys(pair.keys, (model, database)))

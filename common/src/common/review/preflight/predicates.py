""" "This row breaks the pending step", as SQLAlchemy expressions, per kind and dialect.

Casts are the delicate part: the test must not itself fail on the bad value. PostgreSQL
16+ has ``pg_input_is_valid(text, type)``, which answers for any type exactly as the cast
would; PostgreSQL 15 and older, MySQL/MariaDB and SQLite get a regular expression per
type family (integers with their range, decimals, booleans, UUIDs, dates), an
approximation the finding says it used. SQLite never fails a cast (``CAST('abc' AS
INTEGER)`` is 0), so there the rows are counted as values that would be silently lost.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    true,
    types,
)
from sqlalchemy.dialects.postgresql import ENUM as PG_ENUM
from sqlalchemy.sql.expression import TableClause, TextClause

from common.review.preflight.changes import CAST, CHECK, ENUM, LENGTH, NOT_NULL, Change

PG_INPUT_IS_VALID = 160000  # server_version_num from which pg_input_is_valid exists

_INTEGER = r"^ *[-+]?[0-9]+ *$"
_NUMERIC = r"^ *[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)? *$"
_UUID = r"^ *[{]?[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}[}]? *$"
_DATE = r"^ *[0-9]{4}-[0-9]{2}-[0-9]{2}"
_BOOLEAN = ("t", "f", "true", "false", "y", "n", "yes", "no", "on", "off", "1", "0")
_RANGES = {types.SmallInteger: 2**15, types.BigInteger: 2**63, types.Integer: 2**31}


def _integer_range(kind: Any) -> int:
    return next(limit for base, limit in _RANGES.items() if isinstance(kind, base))


def _pattern(kind: Any) -> str | None:
    if isinstance(kind, types.Integer):
        return _INTEGER
    if isinstance(kind, types.Numeric):
        return _NUMERIC
    if isinstance(kind, types.Uuid):
        return _UUID
    if isinstance(kind, types.Date | types.DateTime):
        return _DATE
    return None


def _out_of_range(value: ColumnElement, kind: Any, dialect: Any) -> ColumnElement:
    """For a value that matched the integer pattern: true when it overflows ``kind``.

    The untrimmed size decides the common case without a trim per row (PostgreSQL's
    ``octet_length`` reads the stored size; a value that matched is all ASCII). Longer
    values are compared as numbers, leading zeros and all: PostgreSQL's unbounded
    ``numeric`` takes any length; MySQL's DECIMAL stops at 65 digits, beyond which a
    value is counted as not casting.
    """
    limit = _integer_range(kind)
    safe = len(str(limit)) - 1  # this many characters (sign included) cannot overflow
    size = func.octet_length if dialect.name == "postgresql" else func.length
    exact = types.Numeric() if dialect.name == "postgresql" else types.Numeric(65, 0)
    number = cast(func.trim(value), exact)
    low, high = literal(-limit, exact), literal(limit, exact)
    if dialect.name == "postgresql":
        return case((size(value) <= safe, false()), else_=or_(number < low, number >= high))
    return case(
        (size(value) <= safe, false()),
        (func.length(func.trim(value)) > 65, true()),
        else_=or_(number < low, number >= high),
    )


def _fallback(value: ColumnElement, kind: Any, dialect: Any) -> ColumnElement | None:
    """The regular-expression test; None where there is none for ``kind``."""
    if isinstance(kind, types.Boolean):
        return func.lower(func.trim(value)).not_in(_BOOLEAN)
    pattern = _pattern(kind)
    if pattern is None:
        return None
    bad = not_(value.regexp_match(pattern))
    if isinstance(kind, types.Integer):  # one CASE: the pattern is tested once per row
        return case((bad, true()), else_=_out_of_range(value, kind, dialect))
    return bad


def cast_test(change: Change, column: ColumnElement, dialect: Any, version: int) -> tuple:
    """``(condition, how)``: rows whose value does not cast to the new type, and the
    method used; condition None when there is no safe test."""
    value = cast(column, Text)
    kind = change.target
    if change.values:  # to an enum: anything outside its values
        return value.not_in(change.values), "values outside the enum"
    if dialect.name == "postgresql" and version >= PG_INPUT_IS_VALID:
        name = kind.compile(dialect=dialect)
        return not_(func.pg_input_is_valid(value, literal(name))), "pg_input_is_valid"
    return _fallback(value, kind, dialect), "regular expression (no pg_input_is_valid before PG 16)"


def _too_long(value: ColumnElement, length: int, dialect: Any) -> ColumnElement:
    """More than ``length`` characters. A value of at most that many bytes has at most
    that many characters, and its byte size is stored beside it (PostgreSQL's
    ``octet_length``, MySQL's ``length``): only longer ones have their characters counted.
    SQLite's ``length`` already counts characters, and it has no cheaper size."""
    if dialect.name == "sqlite":
        return func.length(value) > length
    size = func.octet_length if dialect.name == "postgresql" else func.length
    return and_(size(value) > length, func.char_length(value) > length)


def violation(
    change: Change, table: TableClause, dialect: Any, version: int
) -> tuple[ColumnElement | None, str]:
    """The condition a row that fails ``change`` meets (None: not countable), and how."""
    columns = [table.c[name] for name in change.columns]
    if change.kind == NOT_NULL:
        return (columns[0].is_(None) if columns else true()), "IS NULL"
    if change.kind == CHECK:
        condition = change.condition
        if isinstance(condition, str):  # the constraint's own SQL, as the revision wrote it
            condition = literal_column(f"({condition})", types.Boolean)
        elif isinstance(condition, TextClause):
            condition = literal_column(f"({condition.text})", types.Boolean)
        return not_(condition), "NOT (check condition)"
    if change.kind == LENGTH:
        return _too_long(columns[0], change.length, dialect), f"length over {change.length}"
    if change.kind == CAST:
        condition, how = cast_test(change, columns[0], dialect, version)
        return (None if condition is None else and_(columns[0].is_not(None), condition)), how
    if change.kind == ENUM:
        if dialect.name == "postgresql" and change.enum_type:  # typed values, no cast per row
            kind = PG_ENUM(*change.values, name=change.enum_type, create_type=False)
            values = [literal(value, kind) for value in change.values]
            return columns[0].in_(values), "holds a removed value"
        return cast(columns[0], Text).in_(change.values), "holds a removed value"
    raise ValueError(change.kind)

"""The value existing rows get when a NOT NULL column arrives: the model's default.

A server default is SQL (``sa.text("now()")``) or, for a plain string default, the string
itself; a Python scalar default (SQLModel ``Field(default=...)``) its literal (an Enum
member as the label the database stores); a ``default_factory`` on a date/time column the
time of the migration (``sa.func.now()``). Anything else (a factory such as ``uuid4``) has
no value the script can write: ``None``.

The values are SQLAlchemy objects, not Python source: ``op.batch_update``'s renderer
writes them into the script, and a review note shows them as the SQL they compile to.
"""

from __future__ import annotations

import datetime
import decimal
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, Date, DateTime, Enum, Time
from sqlalchemy.schema import DefaultClause

from common.alembic_private import enum_lookup
from common.ops._expressions import compiled_sql

# a value the database can hold for each kind of column, for downgrades only
_PLACEHOLDERS = (
    ("int", 0),
    ("numeric", 0),
    ("float", 0),
    ("real", 0),
    ("double", 0),
    ("bool", False),
    ("char", ""),
    ("text", ""),
    ("string", ""),
)


def _server_default(column: Column, dialect: Any) -> sa.TextClause | str | None:
    default = column.server_default
    if not isinstance(default, DefaultClause):
        return None
    arg = default.arg
    if isinstance(arg, str):
        return arg
    text = getattr(arg, "text", None)
    if text is None:  # sa.func.now() and other expressions: their SQL for this dialect
        text = compiled_sql(arg, _dialect_object(dialect))
    return sa.text(text)


def _dialect_object(dialect: Any) -> Any:
    """A SQLAlchemy dialect for a dialect's name (the rewriters pass names), or None."""
    if isinstance(dialect, str):
        return sa.make_url(f"{dialect}://").get_dialect()() if dialect else None
    return dialect


def _stored_label(column: Column, value: Any) -> Any:
    if isinstance(value, enum.Enum):
        lookup = enum_lookup(column.type) if isinstance(column.type, Enum) else {}
        return lookup.get(value, value.name)
    return value


def python_default(column: Column) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        value = _stored_label(column, default.arg)
        if isinstance(value, decimal.Decimal):
            return sa.literal(str(value), sa.Numeric())
        if isinstance(value, datetime.date | datetime.time):
            return sa.literal(value)
        return value
    if default.is_callable and isinstance(column.type, DateTime | Date | Time):
        return sa.func.now()
    return None


def backfill_value(column: Column | None, dialect: Any) -> Any:
    """What to write into existing rows for ``column``, or None when nothing fits."""
    if column is None:
        return None
    value = _server_default(column, dialect)
    if value is not None:
        return value
    return python_default(column)


def placeholder(type_: Any) -> Any:
    """A stand-in value for a downgrade re-adding a NOT NULL column whose data is gone."""
    if isinstance(type_, DateTime | Date):
        return sa.func.now()
    name = type(type_).__name__.lower()
    for fragment, value in _PLACEHOLDERS:
        if fragment in name:
            return value
    return None


def shown(value: Any, dialect: Any = None) -> str:
    """``value`` as a review note shows it: SQL as it compiles, a Python value as repr."""
    if isinstance(value, sa.ClauseElement):
        return compiled_sql(value, dialect)
    return repr(value)

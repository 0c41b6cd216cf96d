"""Walking a table in primary-key order, one bounded key range at a time (never OFFSET).

Each batch asks for the last key of the next ``batch_size`` keys after the previous
batch's last key (an index range scan of ``batch_size`` entries), then the batch
statement covers ``previous < key <= last``. Works for any orderable key: integer, UUID,
text, composite. Keys are saved as JSON in the checkpoint, so they round-trip here.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from common.ops._support import OperationError

Key = tuple[Any, ...]
_AGGREGATABLE = (sa.Integer, sa.Numeric, sa.Date, sa.DateTime)


def primary_key(table: sa.Table) -> list[sa.Column]:
    columns = list(table.primary_key.columns)
    if not columns:
        raise OperationError(
            f"table {table.name!r} has no primary key, so it cannot be walked in batches.",
            "add a primary key (or a unique, not-null key) before a batched data migration.",
        )
    return columns


def _after(columns: Sequence[sa.Column], key: Key, dialect: str, inclusive: bool) -> Any:
    """``columns > key`` (or ``<=`` when ``inclusive`` flips it), as the dialect likes best.

    PostgreSQL and SQLite compare row values with an index range scan; MySQL/MariaDB get
    the expanded ``a > x OR (a = x AND b > y)`` form, which their optimizer handles.
    """
    compare = (lambda c, v: c <= v) if inclusive else (lambda c, v: c > v)
    if len(columns) == 1:
        return compare(columns[0], key[0])
    if dialect != "mysql":
        return compare(sa.tuple_(*columns), sa.tuple_(*key))
    strict = (lambda c, v: c < v) if inclusive else (lambda c, v: c > v)
    terms = []
    for i in range(len(columns)):
        equal = [columns[j] == key[j] for j in range(i)]
        last = compare if i == len(columns) - 1 else strict
        terms.append(sa.and_(*equal, last(columns[i], key[i])))
    return sa.or_(*terms)


def range_condition(
    columns: Sequence[sa.Column], after: Key | None, upto: Key | None, dialect: str
):
    """``after < key <= upto``; no lower bound for the first batch, no upper bound for the
    last one (``upto`` None); None when both are left out (one batch does the whole job)."""
    bounds = []
    if after is not None:
        bounds.append(_after(columns, after, dialect, inclusive=False))
    if upto is not None:
        bounds.append(_after(columns, upto, dialect, inclusive=True))
    return sa.and_(*bounds) if bounds else None


def next_bound(table: sa.Table, after: Key | None, batch_size: int, dialect: str) -> sa.Select:
    """SELECT the last key of the next ``batch_size`` keys after ``after``, and their count."""
    columns = primary_key(table)
    inner = sa.select(*columns).order_by(*columns).limit(batch_size)
    if after is not None:
        inner = inner.where(_after(columns, after, dialect, inclusive=False))
    window = inner.subquery("batch")
    if len(columns) == 1 and isinstance(columns[0].type, _AGGREGATABLE):
        # max() + count() is cheaper than the window + sort below (no max(uuid) though)
        return sa.select(sa.func.max(window.c[0]), sa.func.count()).having(sa.func.count() > 0)
    return (
        sa.select(*window.c, sa.func.count().over())
        .order_by(*(c.desc() for c in window.c))
        .limit(1)
    )


def dump_key(key: Key) -> str:
    return json.dumps([_encode(v) for v in key])


def load_key(text: str | None) -> Key | None:
    if text is None:
        return None
    return tuple(_decode(v) for v in json.loads(text))


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    raise OperationError(
        f"cannot checkpoint a primary key value of type {type(value).__name__}.",
        "use an integer, UUID, text, date or numeric primary key.",
    )


_DECODERS = {
    "uuid": uuid.UUID,
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "decimal": decimal.Decimal,
    "hex": bytes.fromhex,
}


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        [(kind, text)] = value.items()
        return _DECODERS[kind](text)
    return value

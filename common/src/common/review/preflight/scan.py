"""Counting the rows that fail row-level tests: one read of a table for all of its tests.

CHECK, NOT NULL, a shorter VARCHAR, a cast, a removed enum value and a foreign key against
the referred keys each come down to a condition on one row, so a table with several of
them pending is read once: one ``count(CASE WHEN <condition> THEN 1 END)`` per step in a
single SELECT. (``FILTER`` would do on PostgreSQL and SQLite but not on MySQL; the CASE
form costs the same where both exist.) On a million rows, CHECK, NOT NULL, VARCHAR and
enum together take one scan at about 2.3x a bare ``count(*)``, where one by one they took
four at 1.5-1.8x each (``benchmarks/preflight.py``). A lone condition goes in the WHERE
clause instead, where an index on it can serve. Only a step that finds rows pays a
second query, for its sample keys, and that one stops at the fifth.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, case, func, select
from sqlalchemy.sql.expression import TableClause

SAMPLES = 5


def sample_keys(keys: list[str], rows: list) -> list[str]:
    """The first sample rows as ``key=value`` (comma-joined for a composite key)."""
    return [
        ",".join(f"{key}={value}" for key, value in zip(keys, row, strict=True))
        for row in sorted(rows)[:SAMPLES]
    ]


def first_keys(
    connection: Connection, source: TableClause, condition: Any, keys: list[str]
) -> list[str]:
    """Up to five primary keys of rows meeting ``condition`` (none without a key)."""
    if not keys:
        return []
    query = select(*[source.c[k] for k in keys]).where(condition).limit(SAMPLES)
    return sample_keys(keys, list(connection.execute(query)))


def count_each(
    connection: Connection,
    source: TableClause,
    conditions: list[ColumnElement],
    keys: list[str],
) -> list[tuple[int, list[str]]]:
    """``(rows meeting it, sample keys)`` per condition, from one read of ``source``."""
    if len(conditions) == 1:
        query = select(func.count()).select_from(source).where(conditions[0])
        totals = [connection.execute(query).scalar()]
    else:
        query = select(*[func.count(case((c, 1))) for c in conditions]).select_from(source)
        totals = list(connection.execute(query).one())
    return [
        (int(total), first_keys(connection, source, condition, keys) if total else [])
        for total, condition in zip(totals, conditions, strict=True)
    ]

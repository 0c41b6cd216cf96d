"""What the constraint ops read before they act, and how a violation is reported.

Adding a CHECK or FOREIGN KEY normally scans the whole table under a lock that blocks
writes (ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE on both tables for a foreign
key). ``NOT VALID`` makes the ADD instant (new rows are checked from then on), and
``VALIDATE CONSTRAINT`` scans the old rows under SHARE UPDATE EXCLUSIVE, which lets reads
and writes go on. The two must be separate transactions, or the first step's strong
lock is held through the scan; so each step is a ``Short`` transaction of its own.

Online, ``pg_constraint`` tells whether a constraint exists and is validated, so a rerun
skips what is done; offline (``--sql``) writes every step. MySQL/MariaDB and SQLite have
no NOT VALID: the constraint is added (and checked) in one step, by a table copy on
SQLite. A name over the dialect's limit is shortened as the naming convention shortens
it (``common.identifiers``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from common.database import driver_message
from common.ops._ddl import IdentifierDDL
from common.ops._support import OperationError

_CONSTRAINT_EXISTS = sa.text(
    """
    SELECT c.convalidated FROM pg_constraint c
    WHERE c.conname = :name AND c.conrelid = to_regclass(:table)
    """
)


def pg_constraint(conn: Connection, name: str, table: str, schema: str | None) -> bool | None:
    """None if the constraint is absent, else whether it is validated (PostgreSQL)."""
    qualified = conn.dialect.identifier_preparer.format_table(sa.table(table, schema=schema))
    return conn.execute(_CONSTRAINT_EXISTS, {"name": name, "table": qualified}).scalar()


def validate(name: str, table: str, schema: str | None) -> IdentifierDDL:
    """``ALTER TABLE ... VALIDATE CONSTRAINT``: the scan, under SHARE UPDATE EXCLUSIVE."""
    return IdentifierDDL("ALTER TABLE {} VALIDATE CONSTRAINT {}", (schema, table), name)


@contextmanager
def violations_reported(constraint_name: str, dialect: str = "mysql") -> Iterator[None]:
    """Existing rows violating the constraint: one line, not a driver traceback.

    On MySQL/MariaDB (the default) the ADD itself checks the rows; pass the dialect of a
    statement that does not check rows (PostgreSQL's NOT VALID) to leave its errors alone.
    """
    if dialect != "mysql":
        yield
        return
    try:
        yield
    except DBAPIError as exc:
        raise OperationError(
            f"constraint {constraint_name!r} is violated by existing rows: {driver_message(exc)}",
            "fix those rows (e.g. with op.batch_update) before adding the constraint.",
        ) from None

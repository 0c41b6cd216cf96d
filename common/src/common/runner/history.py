"""The ``alembic_history`` table: one row per revision a runner applied, reverted or stamped.

A row is inserted as ``running`` and committed *before* the revision starts (on the
runner's control connection), and set to ``applied`` *inside* the revision's own
transaction, together with Alembic's ``alembic_version`` update. So the two tables cannot
disagree on PostgreSQL (transactional DDL): if the process dies mid-revision the database rolls
the revision back and the row stays ``running``, which the next run (holding the migration
lock, so no one else is running) reports and marks.

Statuses: ``running`` (in progress, or its runner died), ``applied`` (done), ``rolled_back``
(failed or interrupted; its transaction was rolled back, nothing of it remains),
``failed`` (failed or interrupted with steps outside a transaction: any DDL on MySQL or
SQLite, or an ``autocommit_block``, so some of it may remain), ``accepted`` (nothing ran:
the file was edited after it was applied and ``update-db --accept-edited`` recorded its
new checksum).
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    update,
)

from common.errors import ConfigurationError

HISTORY_TABLE = "alembic_history"
STALE_NOTE = "interrupted: its runner stopped (killed or disconnected) before it finished"
NON_TRANSACTIONAL_NOTE = "steps outside a transaction started"

metadata = MetaData()
history_table = Table(
    HISTORY_TABLE,
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("revision", String(64), nullable=False),
    Column("direction", String(4), nullable=False),
    Column("checksum", String(64)),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("duration_ms", Integer),
    Column("status", String(16), nullable=False),
    Column("applied_by", String(255), nullable=False),
    Column("error", Text),
)


def now() -> datetime:
    return datetime.now(UTC)


def applied_by() -> str:
    """``user@host`` of the process running the migration."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"[:255]


@dataclass
class HistoryRow:
    id: int
    revision: str
    direction: str
    checksum: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    status: str
    applied_by: str
    error: str | None


def ensure_table(connection: Connection) -> None:
    """Create the table, or refuse one of that name that is not the workbench's."""
    history_table.create(connection, checkfirst=True)
    refuse_foreign(connection)


def refuse_foreign(connection: Connection) -> None:
    """Stop before reading or writing an application's own table of that name."""
    found = {c["name"] for c in inspect(connection).get_columns(HISTORY_TABLE)}
    missing = sorted(set(history_table.columns.keys()) - found)
    if missing:
        raise ConfigurationError(
            f"the database has a table {HISTORY_TABLE} that is not the workbench's (it lacks "
            f"{', '.join(missing)}); nothing was run.",
            f"rename that table: the workbench keeps its run history in {HISTORY_TABLE}.",
        )


def has_table(connection: Connection) -> bool:
    return inspect(connection).has_table(HISTORY_TABLE)


def start(connection: Connection, revision: str, direction: str, checksum: str | None) -> int:
    """Insert the ``running`` row on an autocommit connection; returns its id."""
    result = connection.execute(
        history_table.insert().values(
            revision=revision,
            direction=direction,
            checksum=checksum,
            started_at=now(),
            status="running",
            applied_by=applied_by(),
        )
    )
    return int(result.inserted_primary_key[0])


def finish(
    connection: Connection,
    row_id: int,
    status: str,
    started_at: datetime | None = None,
    duration_ms: int | None = None,
    error: str | None = None,
) -> None:
    """Set the outcome of a row (inside the revision's transaction when it succeeded)."""
    connection.execute(
        update(history_table)
        .where(history_table.c.id == row_id)
        .values(status=status, finished_at=now(), duration_ms=duration_ms, error=error)
    )


def note(connection: Connection, row_id: int, text: str) -> None:
    """Record a remark on a running row (e.g. that non-transactional steps began)."""
    connection.execute(update(history_table).where(history_table.c.id == row_id).values(error=text))


def record(
    connection: Connection,
    revision: str,
    direction: str,
    checksum: str | None,
    error: str | None,
    status: str = "applied",
) -> None:
    """A finished row in one go: ``stamp``, or an accepted edit; nothing was run."""
    moment = now()
    connection.execute(
        history_table.insert().values(
            revision=revision,
            direction=direction,
            checksum=checksum,
            started_at=moment,
            finished_at=moment,
            duration_ms=0,
            status=status,
            applied_by=applied_by(),
            error=error,
        )
    )


def running_rows(connection: Connection) -> list[HistoryRow]:
    query = select(history_table).where(history_table.c.status == "running")
    return [HistoryRow(**row._mapping) for row in connection.execute(query)]


def read(connection: Connection, limit: int | None = None) -> list[HistoryRow]:
    """Rows newest first; empty when the table does not exist yet."""
    if not has_table(connection):
        return []
    query = select(history_table).order_by(history_table.c.id.desc())
    if limit:
        query = query.limit(limit)
    return [HistoryRow(**row._mapping) for row in connection.execute(query)]


def last_applied(connection: Connection) -> HistoryRow | None:
    if not has_table(connection):
        return None
    query = (
        select(history_table)
        .where(history_table.c.status == "applied")
        .order_by(history_table.c.id.desc())
        .limit(1)
    )
    row = connection.execute(query).first()
    return HistoryRow(**row._mapping) if row else None


def describe(row: HistoryRow) -> str:
    """One line per row, as ``history`` and ``status`` print it."""
    when = row.started_at.strftime("%Y-%m-%d %H:%M:%S")
    took = f"{row.duration_ms} ms" if row.duration_ms is not None else "-"
    text = f"{when}  {row.revision:<10} {row.direction:<4} {row.status:<11} {took:>9}  "
    text += row.applied_by
    if row.error:
        text += f"  ({row.error.splitlines()[0][:120]})"
    return text

"""The bookkeeping table ``alembic_batch_checkpoint``: where an interrupted batch job was.

Each batch updates its checkpoint row in the same transaction as its rows, so after a
crash or Ctrl-C the checkpoint names exactly the last committed batch: the rerun starts
after it, no row is processed twice and none is skipped, whatever ``values`` computes.
A job is identified by a digest of its statement (table, values, where), so editing the
revision starts a fresh walk.

When the job finishes, the row is deleted, except inside a revision: there the batches
commit on a connection of their own, and the revision is recorded later, on its own
connection. If that connection dies in between, the revision is not recorded and the
rerun repeats it; a deleted row would make the rerun walk every row again (``v = v + 1``
applied twice). So the row is marked finished, the rerun skips the walk, and the row is
deleted (``forget``) in the revision's own transaction, which commits with
``alembic_version``. Two identical batch steps in one revision share one row: write them
as one step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection

from common.ops.batches._keyset import Key, dump_key, load_key

TABLE_NAME = "alembic_batch_checkpoint"
# ``last_key`` of a finished job waiting for its revision to be recorded (keys are JSON
# lists, so no key reads as this).
FINISHED = "finished"

_metadata = sa.MetaData()
checkpoints = sa.Table(
    TABLE_NAME,
    _metadata,
    sa.Column("job", sa.String(64), primary_key=True),
    sa.Column("table_name", sa.String(255), nullable=False),
    sa.Column("last_key", sa.Text, nullable=True),
    sa.Column("rows_done", sa.BigInteger, nullable=False, default=0),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


def job_id(connection: Connection, kind: str, statement: sa.Executable) -> str:
    """A stable digest of the job's SQL and parameters."""
    compiled = statement.compile(dialect=connection.dialect)
    params = sorted((k, repr(v)) for k, v in compiled.params.items())
    text = f"{kind}\n{compiled}\n{params}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Checkpoint:
    job: str
    last_key: Key | None
    rows_done: int

    finished: bool = False

    @property
    def resumed(self) -> bool:
        return self.last_key is not None or self.finished


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start(connection: Connection, job: str, table_name: str) -> Checkpoint:
    """The job's saved position, creating the table and the row when absent."""
    with connection.begin():
        checkpoints.create(connection, checkfirst=True)
    with connection.begin():
        row = connection.execute(
            sa.select(checkpoints.c.last_key, checkpoints.c.rows_done).where(
                checkpoints.c.job == job
            )
        ).first()
        if row is not None and row.last_key == FINISHED:
            return Checkpoint(job, None, row.rows_done, finished=True)
        if row is not None:
            return Checkpoint(job, load_key(row.last_key), row.rows_done)
        connection.execute(
            checkpoints.insert().values(
                job=job, table_name=table_name, last_key=None, rows_done=0, updated_at=_now()
            )
        )
    return Checkpoint(job, None, 0)


def save(connection: Connection, checkpoint: Checkpoint, last_key: Key, rows: int) -> None:
    """Record a batch, inside the batch's own transaction."""
    checkpoint.last_key = last_key
    checkpoint.rows_done += rows
    connection.execute(
        checkpoints.update()
        .where(checkpoints.c.job == checkpoint.job)
        .values(last_key=dump_key(last_key), rows_done=checkpoint.rows_done, updated_at=_now())
    )


def mark_finished(connection: Connection, checkpoint: Checkpoint) -> None:
    """The job's last batch is done: mark the row, inside that batch's own transaction."""
    checkpoint.finished = True
    connection.execute(
        checkpoints.update()
        .where(checkpoints.c.job == checkpoint.job)
        .values(last_key=FINISHED, updated_at=_now())
    )


def finish(connection: Connection, checkpoint: Checkpoint, keep: bool = False) -> None:
    """The walk is done: delete the row, or with ``keep`` mark it finished (see above)."""
    with connection.begin():
        if keep:
            mark_finished(connection, checkpoint)
        else:
            forget(connection, checkpoint.job)


def forget(connection: Connection, job: str) -> None:
    """Delete the job's row in the caller's transaction (the revision's, to commit with it)."""
    connection.execute(checkpoints.delete().where(checkpoints.c.job == job))

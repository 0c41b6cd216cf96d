"""The batch engine behind batch_update / batch_delete / batch_copy_column.

Walks the table by primary key, each batch committed alone.

Why batches: one UPDATE over a big table holds every row lock it takes until it ends and
writes the whole table's WAL in one transaction; the application's writes to those rows
queue behind it. Here each batch locks at most ``batch_size`` rows for about
``max_batch_ms`` (its size follows the measured speed, see ``sizing``), under a short
``lock_timeout`` (a blocked batch fails fast and is retried), and records its position
in ``alembic_batch_checkpoint`` in the same transaction, so a killed run resumes exactly
where it stopped.

A job is a statement builder ``build(table, key_range)``: the op's one statement, with
the batch's key range as one more condition. ``key_range`` None is the whole job: the
statement the offline (``--sql``) path writes, the one whose digest identifies the job
in the checkpoint, and the one a batch runs when it is the job's first and last (a
batch that finds fewer keys than it asked for is the last, so it drops its upper bound
and covers every key after the previous batch, rows inserted meanwhile included; it is
marked finished with its rows, so a rerun after a crash there does not walk again).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from common.ops._support import (
    LOCK_ERRORS,
    OperationError,
    as_clause,
    dialect_name,
    own_transactions,
    reflect_table,
    set_local_lock_timeout,
    sqlstate,
)
from common.ops.batches import _checkpoint as checkpoint
from common.ops.batches._keyset import next_bound, primary_key, range_condition
from common.ops.batches._progress import Progress, estimated_rows
from common.ops.batches._sizing import BatchSizer, resolve
from common.output import say

LOCK_RETRIES = 5

# builds the batch statement for a key-range condition (None: the job's identity)
StatementBuilder = Callable[[sa.Table, Any], sa.Executable]


@dataclass
class BatchResult:
    """What a batched job did: rows changed (or, in a dry run, rows that would change)."""

    rows: int
    batches: int
    seconds: float
    longest_batch_seconds: float
    dry_run: bool = False
    smallest_batch_rows: int = 0
    largest_batch_rows: int = 0
    # a finished job whose row the caller deletes when it records its own work
    pending_job: str | None = None


def conditions(key_range: Any, where: Any) -> list:
    """The batch's key range and the job's own condition, those that are set."""
    return [c for c in (key_range, as_clause(where)) if c is not None]


def _check_arguments(batch_size: int, pause: float, max_batch_ms: float | None) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise OperationError(
            f"batch_size must be a positive integer, not {batch_size!r}.",
            "use the default 10_000 or a value like 1_000 for wide rows.",
        )
    if pause < 0:
        raise OperationError(f"pause must be >= 0 seconds, not {pause!r}.", "use e.g. 0.1.")
    number = isinstance(max_batch_ms, int | float) and not isinstance(max_batch_ms, bool)
    if max_batch_ms is not None and (not number or max_batch_ms < 0):
        raise OperationError(
            f"max_batch_ms must be a number of milliseconds >= 0, not {max_batch_ms!r}.",
            "use the default 50, or None (or 0) for fixed batches of batch_size rows.",
        )


def run(
    connection: Connection,
    kind: str,
    table_name: str,
    schema: str | None,
    build: StatementBuilder,
    where: Any,
    batch_size: int | None,
    pause: float,
    dry_run: bool,
    lock_timeout_ms: int,
    max_batch_ms: Any,
) -> BatchResult:
    """Run the job ``build`` describes (see the module docstring); ``kind`` names it."""
    batch_size, max_batch_ms = resolve(batch_size, max_batch_ms)
    _check_arguments(batch_size, pause, max_batch_ms)
    if dry_run:
        return _dry_run(
            connection, kind, table_name, schema, build, where, batch_size, max_batch_ms
        )
    with own_transactions(connection) as conn:
        with conn.begin():
            table = reflect_table(conn, table_name, schema)
            primary_key(table)
            template = build(table, None)
        job = checkpoint.start(conn, checkpoint.job_id(conn, kind, template), table.name)
        deferred = conn is not connection  # a revision's batches: it records the outcome
        if job.finished:
            say(
                f"  {kind} {table.name}: already done ({job.rows_done:,} rows) by a run that "
                "stopped before it was recorded; not walked again"
            )
            if not deferred:  # no revision will record it: the job is over now
                checkpoint.finish(conn, job)
            return BatchResult(
                job.rows_done, 0, 0.0, 0.0, pending_job=job.job if deferred else None
            )
        if job.resumed:
            say(f"  {kind} {table.name}: resuming after {job.rows_done:,} rows done earlier")
        report = Progress(f"{kind} {table.name}", estimated_rows(conn, table))
        sizer = BatchSizer(batch_size, max_batch_ms)
        walker = _Walker(conn, table, build, sizer, lock_timeout_ms, job)
        try:
            with _mysql_lock_wait(conn, lock_timeout_ms):
                while (batch := walker.next_batch()) is not None:
                    report.batch(*batch)
                    if pause:
                        time.sleep(pause)
        finally:
            report.close()
        resumed_rows = job.rows_done - report.changed
        checkpoint.finish(conn, job, keep=deferred)
        report.summary(resumed_rows)
        elapsed = time.perf_counter() - report.started
        return BatchResult(
            job.rows_done,
            report.batches,
            elapsed,
            report.longest,
            smallest_batch_rows=report.smallest or 0,
            largest_batch_rows=report.largest,
            pending_job=job.job if deferred else None,
        )


class _Walker:
    """One batch per call: bound, statement, checkpoint, all in one short transaction."""

    def __init__(
        self,
        conn: Connection,
        table: sa.Table,
        build: StatementBuilder,
        sizer: BatchSizer,
        lock_timeout_ms: int,
        job: checkpoint.Checkpoint,
    ) -> None:
        self.conn = conn
        self.table = table
        self.build = build
        self.sizer = sizer
        self.lock_timeout_ms = lock_timeout_ms
        self.job = job
        self.dialect = dialect_name(conn)
        self.key = primary_key(table)
        self.done = False

    def next_batch(self) -> tuple[int, int, float, int] | None:
        """(keys walked, rows changed, seconds, batch size asked), or None when done."""
        if self.done:
            return None
        for attempt in range(LOCK_RETRIES + 1):
            try:
                batch = self._attempt()
                if batch is not None:
                    self.sizer.record(batch[0], batch[2])
                return batch
            except DBAPIError as exc:
                if sqlstate(exc) not in LOCK_ERRORS:
                    raise
                if attempt == LOCK_RETRIES:
                    raise OperationError(
                        f"a batch on {self.table.name!r} waited for locks longer than "
                        f"{self.lock_timeout_ms} ms, {LOCK_RETRIES + 1} times in a row.",
                        "run update-db again when the table is quieter (it resumes), or "
                        "pass a smaller batch_size.",
                    ) from None
                time.sleep(0.05 * 2**attempt)
        return None

    def _attempt(self) -> tuple[int, int, float, int] | None:
        started = time.perf_counter()
        size = self.sizer.size
        bound = next_bound(self.table, self.job.last_key, size, self.dialect)
        with self.conn.begin():
            set_local_lock_timeout(self.conn, self.lock_timeout_ms, asynchronous_commit=True)
            row = self.conn.execute(bound).first()
            if row is None:
                return None
            upto, walked = tuple(row[:-1]), row[-1]
            last = walked < size  # no key after these: the job's last batch
            after = self.job.last_key
            key_range = range_condition(self.key, after, None if last else upto, self.dialect)
            changed = self.conn.execute(self.build(self.table, key_range)).rowcount
            checkpoint.save(self.conn, self.job, upto, changed)
            if last:
                checkpoint.mark_finished(self.conn, self.job)
        self.done = last
        return walked, changed, time.perf_counter() - started, size


@contextmanager
def _reading(connection: Connection) -> Iterator[None]:
    """A transaction for reads, or the caller's (a revision's) when it has one."""
    if connection.in_transaction():
        yield
        return
    with connection.begin():
        yield


def _dry_run(
    connection, kind, table_name, schema, build, where, batch_size, max_batch_ms
) -> BatchResult:
    """Count the rows the job would change, and change nothing (no checkpoint either)."""
    started = time.perf_counter()
    with _reading(connection):
        table = reflect_table(connection, table_name, schema)
        primary_key(table)
        build(table, None)
        query = sa.select(sa.func.count()).select_from(table)
        if where is not None:
            query = query.where(as_clause(where))
        rows = connection.execute(query).scalar_one()
        total = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    batches = math.ceil(total / batch_size)
    sizing = f"{batches:,} batches of {batch_size:,}"
    if max_batch_ms:
        sizing += f" or more (sized to take ~{max_batch_ms:g} ms each)"
    say(
        f"  {kind} {table.name} (dry run): {rows:,} of {total:,} rows match; {sizing}; "
        "nothing changed"
    )
    return BatchResult(rows, batches, time.perf_counter() - started, 0.0, dry_run=True)


class _mysql_lock_wait:
    """innodb_lock_wait_timeout (whole seconds) for the job's session on MySQL/MariaDB."""

    def __init__(self, conn: Connection, lock_timeout_ms: int) -> None:
        self.conn = conn
        self.seconds = max(1, math.ceil(lock_timeout_ms / 1000))
        self.previous: Any = None

    def __enter__(self) -> None:
        if dialect_name(self.conn) != "mysql":
            return
        with self.conn.begin():
            self.previous = self.conn.execute(
                sa.text("SELECT @@SESSION.innodb_lock_wait_timeout")
            ).scalar()
            self.conn.execute(
                sa.text("SET SESSION innodb_lock_wait_timeout = :s"), {"s": self.seconds}
            )

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            with self.conn.begin():
                self.conn.execute(
                    sa.text("SET SESSION innodb_lock_wait_timeout = :s"),
                    {"s": int(self.previous)},
                )

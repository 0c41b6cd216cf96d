"""Progress of a batched job: a rich bar on a terminal, log lines otherwise, a summary.

Log lines (stderr, at most one every ``interval`` seconds) carry rows done, rows/s and an
ETA so a CI log or ``kubectl logs`` shows the job is alive and when it will end. The
final summary also reports the range of batch sizes used (they follow the measured
speed, see ``sizing``) and the longest batch, which is the longest time a batch held its
row locks. The total comes from ``estimated_rows``: the planner's estimate where the
server keeps one, so the bar costs no count(*) of a large table.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from common.ops._support import dialect_name
from common.output import say


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts keys walked and rows changed; ``total`` is the (estimated) key count."""

    def __init__(
        self, label: str, total: int | None, *, interval: float = 5.0, tty: bool | None = None
    ) -> None:
        self.label = label
        self.total = total if total and total > 0 else None
        self.interval = interval
        self.started = time.perf_counter()
        self.last_log = self.started
        self.walked = 0
        self.changed = 0
        self.batches = 0
        self.longest = 0.0
        self.smallest: int | None = None
        self.largest = 0
        self.size: int | None = None
        self._bar: Any = None
        if sys.stderr.isatty() if tty is None else tty:
            self._start_bar()

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=self.total)

    def batch(self, walked: int, changed: int, seconds: float, size: int | None = None) -> None:
        """A batch of ``size`` keys asked (``walked`` found, fewer in the last one) is done."""
        self.walked += walked
        self.changed += changed
        self.batches += 1
        self.longest = max(self.longest, seconds)
        if size is not None:
            self.size = size
            self.smallest = size if self.smallest is None else min(self.smallest, size)
            self.largest = max(self.largest, size)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.walked)
            return
        now = time.perf_counter()
        if now - self.last_log >= self.interval:
            self.last_log = now
            say(self.status_line(now))

    def rate(self, now: float | None = None) -> float:
        elapsed = (now or time.perf_counter()) - self.started
        return self.walked / elapsed if elapsed > 0 else 0.0

    def status_line(self, now: float | None = None) -> str:
        rate = self.rate(now)
        line = f"  {self.label}: {self.changed:,} rows changed, {self.walked:,} scanned"
        if self.total:
            line += f" of ~{self.total:,}"
        line += f", {rate:,.0f} rows/s"
        if self.total and rate > 0:
            line += f", ETA {_duration(max(0, self.total - self.walked) / rate)}"
        if self.size is not None:
            line += f", batches of {self.size:,} rows now"
        return line

    def sizes(self) -> str:
        """`` of 2,400 to 10,000 rows`` (en dash, the sizes asked), or nothing if none."""
        if self.smallest is None:
            return ""
        if self.smallest == self.largest:
            return f" of {self.largest:,} rows"
        return f" of {self.smallest:,}–{self.largest:,} rows"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def summary(self, resumed_rows: int = 0) -> str:
        self.close()
        elapsed = time.perf_counter() - self.started
        rate = self.walked / elapsed if elapsed > 0 else 0.0
        line = (
            f"  {self.label}: {self.changed:,} rows changed in {self.batches:,} batches"
            f"{self.sizes()}, "
            f"{elapsed:.1f} s ({rate:,.0f} rows/s scanned), "
            f"longest batch {self.longest * 1000:.0f} ms"
        )
        if resumed_rows:
            line += f" (resumed after {resumed_rows:,} rows done earlier)"
        say(line)
        return line


def estimated_rows(conn: Connection, table: sa.Table) -> int | None:
    """The planner's row estimate (free) on PostgreSQL / MySQL; count(*) on SQLite."""
    dialect = dialect_name(conn)
    with conn.begin():
        if dialect == "postgresql":
            name = conn.dialect.identifier_preparer.format_table(table)
            query = sa.text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:n)")
            return conn.execute(query, {"n": name}).scalar()
        if dialect == "mysql":
            query = sa.text(
                "SELECT table_rows FROM information_schema.tables "
                "WHERE table_schema = DATABASE() AND table_name = :n"
            )
            return conn.execute(query, {"n": table.name}).scalar()
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()

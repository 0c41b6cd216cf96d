"""What a fleet command prints: a table of targets, and progress over the targets.

A rich table and a progress bar on a terminal; plain aligned columns and one line per
finished target elsewhere (deploy logs), so a log of 200 targets stays greppable by
target name. Tables are results (stdout); progress and per-target lines go to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from common.output import emit, say


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> None:
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers, title=title or None, title_justify="left")
        for row in rows:
            table.add_row(*row)
        Console().print(table, markup=False, highlight=False)
        return
    if title:
        emit(title)
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    for row in [list(headers), ["-" * w for w in widths], *rows]:
        emit("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


class TargetProgress:
    """How many targets are done; on a terminal a bar, elsewhere one line per target."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._bar: Any = None

    def _start(self) -> None:
        """The bar starts with the first line, once the worker processes have forked."""
        if sys.stderr.isatty() and self.total > 1:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("targets"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._task = self._bar.add_task("", total=self.total)
            self._bar.start()

    def finished(self, line: str) -> None:
        if not self.done:
            self._start()
        self.done += 1
        self.line(f"[{self.done}/{self.total}] {line}")
        if self._bar is not None:
            self._bar.advance(self._task)

    def line(self, message: str) -> None:
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            say(message)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

"""What a fleet command prints: a table of targets, and progress over the targets.

A rich table and a progress bar on a terminal; plain aligned columns and one line per
finished target elsewhere (deploy logs), so a log of 200 targets stays greppable by
target name. Tables are results (stdout); progress and per-target lines go to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from common.output import emit
from common.runner.progress import Progress


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
    """How many targets are done; on a terminal a bar, elsewhere one line per target.

    The runner's ``Progress``, started with the first line: once the worker processes
    have forked, so none of them inherits a live bar.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self._progress: Progress | None = None

    def finished(self, line: str) -> None:
        if self._progress is None:
            self._progress = Progress("", "targets", self.total)
            self._progress.started("")
        self._progress.advance(f"[{self._progress.done + 1}/{self.total}] {line}")

    def close(self) -> None:
        if self._progress is not None:
            self._progress.close()

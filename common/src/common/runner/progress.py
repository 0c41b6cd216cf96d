"""Progress of a run: a rich progress bar on a terminal, one plain line per revision otherwise.

Deploy logs are not terminals, so there every revision gets exactly one line with its
duration; a person at a terminal also sees which revision is running and how far along
the run is. Everything goes to stderr (stdout carries results only).
"""

from __future__ import annotations

import sys
from typing import Any

from common.output import say


class Progress:
    def __init__(self, verb: str, doing: str, total: int, interactive: bool | None = None) -> None:
        self.verb = verb
        self.doing = doing
        self.total = total
        self.done = 0
        if interactive is None:
            interactive = sys.stderr.isatty()
        self._bar: Any = None
        if interactive and total > 1:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._task = self._bar.add_task("", total=total)
            self._bar.start()

    def started(self, label: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.doing} {label}")

    def finished(self, label: str, duration_ms: float) -> None:
        self.advance(f"  {self.verb} {label} ({duration_ms:.0f} ms)")

    def advance(self, message: str) -> None:
        """One more item done: ``message`` printed above the bar (or as a plain line)."""
        self.done += 1
        self.line(message)
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

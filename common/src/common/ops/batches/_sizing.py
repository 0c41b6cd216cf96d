"""Time-aware batch sizes: each batch aims to take about ``max_batch_ms``.

A fixed row count holds row locks for a time that depends on the machine, the row width,
the indexes and triggers, and the load: 10,000 rows take 25 ms on one server and 200 ms
on another. As pt-online-schema-change's ``--chunk-time`` does, the size of the next
batch follows the rows/second the previous batch achieved, so a batch takes about
``max_batch_ms`` wherever it runs. ``batch_size`` stays the upper bound.

- The first batch is a probe of at most ``FIRST_BATCH_ROWS`` rows (no rate is known yet).
- After a batch: ``rate * max_batch_ms`` rows, where ``rate`` is that batch's rows per
  second. Shrinking happens at once (a slow batch is followed by a short one); growing
  is at most ``GROWTH`` times per batch, so one fast batch does not jump to the limit.
- Never under ``MIN_BATCH_ROWS`` (or ``batch_size`` if that is smaller): below that the
  per-batch overhead (bound query, checkpoint, commit) dominates and gains nothing.

Which rows a batch covers comes from the keyset walk, whatever its size, so resuming
from the checkpoint stays exact: the size only moves the next batch's upper key.
"""

from __future__ import annotations

from typing import Any

MIN_BATCH_ROWS = 100
FIRST_BATCH_ROWS = 1_000
GROWTH = 1.5


class _FromSettings:
    """Default of ``max_batch_ms``: the WORKBENCH_MAX_BATCH_MS setting (None disables)."""

    def __repr__(self) -> str:
        return "<WORKBENCH_MAX_BATCH_MS>"


FROM_SETTINGS: Any = _FromSettings()


def resolve(batch_size: int | None, max_batch_ms: Any) -> tuple[int, float | None]:
    """Fill what the caller left out from the settings (WORKBENCH_BATCH_SIZE, ...)."""
    if batch_size is None or max_batch_ms is FROM_SETTINGS:
        from common.config import load_settings

        settings = load_settings()
        if batch_size is None:
            batch_size = settings.batch_size
        if max_batch_ms is FROM_SETTINGS:
            max_batch_ms = settings.max_batch_ms
    return batch_size, (max_batch_ms or None)


class BatchSizer:
    """The row count of the next batch, adjusted from each batch's duration."""

    def __init__(self, batch_size: int, max_batch_ms: float | None) -> None:
        self.limit = batch_size
        self.target = max_batch_ms / 1000 if max_batch_ms else None
        self.floor = min(MIN_BATCH_ROWS, batch_size)
        self.size = batch_size if self.target is None else min(batch_size, FIRST_BATCH_ROWS)

    def record(self, rows: int, seconds: float) -> None:
        """A batch of ``rows`` keys took ``seconds``: size the next one."""
        if self.target is None or rows <= 0:
            return
        wanted = rows / max(seconds, 1e-6) * self.target
        self.size = int(max(self.floor, min(wanted, self.size * GROWTH, self.limit)))

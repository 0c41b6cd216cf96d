"""Telling a lock wait from a slow machine, for the benchmarks whose writer runs beside a change.

A writer's longest statement mixes two things: waiting for a lock the change holds (what
the workbench promises to keep short) and waiting for one of this machine's two cores or
its disk (what no migration tool controls; the "no change (noise)" side measures it). So
the writer also runs with ``lock_timeout`` at the budget: PostgreSQL cancels a statement
only after it has waited that long *for a lock*, never for CPU or I/O, so the count of
cancelled statements is exactly the number of lock waits over budget. A cancelled write
is rolled back and counted, and the writer goes on.
"""

from __future__ import annotations

import sqlalchemy as sa

BUDGET_MS = 50
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout


def hold_to_budget(conn: sa.Connection) -> None:
    """Make every later statement of ``conn`` give up after BUDGET_MS waiting for a lock."""
    conn.execute(sa.text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": f"{BUDGET_MS}ms"})
    conn.commit()


def waited_too_long(error: sa.exc.DBAPIError) -> bool:
    """True when ``error`` is the lock_timeout set by ``hold_to_budget``."""
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code == LOCK_NOT_AVAILABLE

"""Adding a NOT NULL column with a constant default: the instant path vs today's safe path.

    uv run python benchmarks/instant_not_null.py [--rows 10000000] [--runs 2] [--server-default]

PostgreSQL only: DATABASE_URL, else TEST_DATABASE_URL, else the embedded PostgreSQL.
``bench_src`` (``--rows`` rows) is created there once; each timed run works on a fresh
copy, ``bench_run``, and both are dropped at the end. The column added is the model's
``status: str = "new"`` (a Python default, what SQLModel's ``Field(default=...)`` gives),
or with ``--server-default`` a ``server_default="new"``.

Both sides are the workbench's own rendering, applied through Alembic's ``Operations``
as ``update-db`` applies a revision:

- **instant** (``make_columns_safe`` with the connected server, PostgreSQL 11+):
  ``ADD COLUMN ... NOT NULL DEFAULT 'new'``, then, for a Python default, ``DROP DEFAULT``;
- **safe path**, the baseline (what the workbench rendered before, and still renders
  with no server version known): add the column nullable, ``op.batch_update`` every row,
  then ``op.set_not_null_safely`` (CHECK NOT VALID, VALIDATE, SET NOT NULL).

A monitor polls ``pg_locks`` every millisecond and reports the longest time each side
held each table lock mode on ``bench_run`` (ACCESS EXCLUSIVE blocks reads and writes;
SHARE UPDATE EXCLUSIVE, VALIDATE's, lets them go on; a batch's ROW EXCLUSIVE only locks
its own rows). Sides alternate each run; medians are printed.

The issue sets no target; these are ours: the instant step under 1 s whatever the
table's size, its ACCESS EXCLUSIVE under 50 ms (the bar every other blocking wait here is
held to), and at 10,000,000 rows at least 100x faster than the safe path.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from postgres import postgres_engine, run_autocommit  # benchmarks/postgres.py
from results import Figure, no_record_flag, record  # benchmarks/results.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))

import sqlalchemy as sa  # noqa: E402
from alembic.migration import MigrationContext  # noqa: E402
from alembic.operations import Operations  # noqa: E402
from alembic.operations import ops as alembic_ops  # noqa: E402

import common.ops  # noqa: E402,F401  (registers the workbench's operations)
from common.render.safe_columns import make_columns_safe  # noqa: E402

INSTANT, SAFE = "instant", "safe path"
MODES = {
    "AccessExclusiveLock": "ACCESS EXCLUSIVE",
    "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE",
    "RowExclusiveLock": "ROW EXCLUSIVE",
    "AccessShareLock": "ACCESS SHARE",
    "ExclusiveLock": "EXCLUSIVE",
}


def _steps(server_default: bool, server) -> list[alembic_ops.MigrateOperation]:
    """The upgrade's leaf operations as the workbench renders them for ``server``."""
    default = {"server_default": "new"} if server_default else {"default": "new"}
    column = sa.Column("status", sa.String(20), nullable=False, **default)
    added = alembic_ops.AddColumnOp("bench_run", column)
    upgrade = alembic_ops.UpgradeOps([alembic_ops.ModifyTableOps("bench_run", [added])])
    make_columns_safe(upgrade, "postgresql", downgrade=False, metadata=None, server=server)
    leaves: list[alembic_ops.MigrateOperation] = []
    for op in upgrade.ops:
        leaves.extend(op.ops if isinstance(op, alembic_ops.ModifyTableOps) else [op])
    return leaves


class _LockMonitor(threading.Thread):
    """Polls pg_locks; keeps the longest unbroken time each mode was held on bench_run.

    Every backend but its own counts: the batches and the constraint steps run on
    connections of their own. A hold shorter than one poll (~1 ms) may be missed.
    """

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.ready, self.stop = threading.Event(), threading.Event()
        self.longest: dict[str, float] = {}

    def run(self) -> None:
        query = sa.text(
            "SELECT DISTINCT pid, mode FROM pg_locks WHERE granted "
            "AND pid <> pg_backend_pid() AND relation = to_regclass('bench_run')"
        )
        since: dict[tuple[int, str], float] = {}
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            while not self.stop.is_set():
                now = time.perf_counter()
                held = {tuple(row) for row in conn.execute(query)}
                for key in held - since.keys():
                    since[key] = now
                for key in set(since) - held:
                    self._end(key[1], since.pop(key), now)
                self.ready.set()
                time.sleep(0.001)
            for key, started in since.items():
                self._end(key[1], started, time.perf_counter())

    def _end(self, mode: str, started: float, ended: float) -> None:
        self.longest[mode] = max(self.longest.get(mode, 0.0), ended - started)


def apply(engine: sa.Engine, steps: list) -> dict:
    """Apply ``steps`` as update-db does; the time, and the longest hold of each lock."""
    monitor = _LockMonitor(engine)
    monitor.start()
    monitor.ready.wait()
    with engine.connect() as conn:
        started = time.perf_counter()
        context = MigrationContext.configure(conn)
        operations = Operations(context)
        with context.begin_transaction():
            for step in steps:
                operations.invoke(step)
        seconds = time.perf_counter() - started
    monitor.stop.set()
    monitor.join()
    return {"seconds": seconds, "locks": monitor.longest}


def _fresh(engine: sa.Engine) -> None:
    run_autocommit(
        engine,
        "DROP TABLE IF EXISTS bench_run",
        "CREATE TABLE bench_run (LIKE bench_src INCLUDING ALL)",
        "INSERT INTO bench_run SELECT * FROM bench_src",
        "VACUUM ANALYZE bench_run",
        "CHECKPOINT",
    )


def _check(engine: sa.Engine, rows: int) -> None:
    with engine.connect() as conn:
        done = conn.execute(sa.text("SELECT count(*) FROM bench_run WHERE status = 'new'"))
        nullable = conn.execute(
            sa.text(
                "SELECT is_nullable FROM information_schema.columns "
                "WHERE table_name = 'bench_run' AND column_name = 'status'"
            )
        )
        assert done.scalar() == rows, "not every row holds the default"
        assert nullable.scalar() == "NO", "status was not made NOT NULL"


def _locks(locks: dict[str, float]) -> str:
    return ", ".join(
        f"{MODES.get(mode, mode)} {locks[mode] * 1000:,.1f} ms" for mode in sorted(locks)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--server-default", action="store_true")
    no_record_flag(parser)
    args = parser.parse_args()
    engine = postgres_engine()
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
        server = conn.dialect
    if not server.server_version_info or server.server_version_info < (11,):
        raise SystemExit("error: the instant path needs PostgreSQL 11 or later.")
    sides = {INSTANT: _steps(args.server_default, server), SAFE: _steps(args.server_default, None)}
    kind = "server_default='new'" if args.server_default else "Python default 'new'"
    print(
        f"PostgreSQL {version}; NOT NULL column with a {kind} on {args.rows:,} rows; "
        f"{args.runs} runs per side, medians; load {os.getloadavg()}",
        flush=True,
    )
    for name, steps in sides.items():
        print(f"  {name}: " + "; ".join(type(step).__name__ for step in steps))
    results: dict[str, list[dict]] = {name: [] for name in sides}
    try:
        run_autocommit(
            engine,
            "DROP TABLE IF EXISTS bench_src",
            "CREATE TABLE bench_src (id bigint PRIMARY KEY, v integer NOT NULL)",
            f"INSERT INTO bench_src SELECT g, g % 1000 FROM generate_series(1, {args.rows}) g",
        )
        for run in range(args.runs):
            for name, steps in sides.items():
                _fresh(engine)
                result = apply(engine, steps)
                _check(engine, args.rows)
                results[name].append(result)
                print(
                    f"  run {run + 1} {name:<10} {result['seconds'] * 1000:10,.1f} ms; "
                    f"longest hold: {_locks(result['locks'])}",
                    flush=True,
                )
    finally:
        run_autocommit(
            engine,
            "DROP TABLE IF EXISTS bench_run",
            "DROP TABLE IF EXISTS bench_src",
            "DROP TABLE IF EXISTS alembic_batch_checkpoint",
        )
    seconds = {n: statistics.median(r["seconds"] for r in v) for n, v in results.items()}
    exclusive = {
        n: statistics.median(r["locks"].get("AccessExclusiveLock", 0.0) for r in v)
        for n, v in results.items()
    }
    validate = statistics.median(
        r["locks"].get("ShareUpdateExclusiveLock", 0.0) for r in results[SAFE]
    )
    print(
        f"instant: {seconds[INSTANT] * 1000:.1f} ms, longest ACCESS EXCLUSIVE "
        f"{exclusive[INSTANT] * 1000:.1f} ms; safe path: {seconds[SAFE]:.2f} s, longest "
        f"ACCESS EXCLUSIVE {exclusive[SAFE] * 1000:.1f} ms, SHARE UPDATE EXCLUSIVE (VALIDATE) "
        f"{validate * 1000:,.0f} ms; instant is {seconds[SAFE] / seconds[INSTANT]:,.0f}x faster; "
        f"load after {os.getloadavg()}"
    )
    baseline = (
        f"safe path: {seconds[SAFE]:.1f} s, longest ACCESS EXCLUSIVE "
        f"{exclusive[SAFE] * 1000:.0f} ms"
    )
    figures = [
        Figure(
            "instant path, whole step",
            round(seconds[INSTANT] * 1000, 1),
            "ms",
            1000,
            baseline=baseline,
        ),
        Figure(
            "instant path, longest ACCESS EXCLUSIVE",
            round(exclusive[INSTANT] * 1000, 1),
            "ms",
            50,
            baseline=baseline,
        ),
        Figure(
            "speed-up over the safe path",
            round(seconds[SAFE] / seconds[INSTANT]),
            "x",
            100,
            "higher",
            baseline=baseline,
        ),
    ]
    record("instant_not_null", figures, note=f"{args.rows:,} rows, {kind}, {args.runs} runs")


if __name__ == "__main__":
    main()

"""An index on a partitioned table while a writer runs: the workbench's op vs CREATE INDEX.

    uv run python benchmarks/partitioned_index.py [--rows 2000000] [--partitions 8] [--runs 2]

PostgreSQL only: DATABASE_URL, else TEST_DATABASE_URL, else the embedded PostgreSQL.
``bench_part`` (RANGE on id, ``--partitions`` equal partitions of ``--rows`` rows) is
created there and dropped at the end. A writer updates single random rows in a loop
while the index on ``label`` is built by

- ``create_partitioned_index`` (``CREATE INDEX ... ON ONLY`` the parent, ``CREATE INDEX
  CONCURRENTLY`` on each partition, ``ALTER INDEX ... ATTACH PARTITION``), the baseline
- a plain ``CREATE INDEX`` on the parent (SHARE on every partition until the last one
  is built; CONCURRENTLY is refused on a partitioned table), and
- no build at all, for 5 s (what the machine's own noise costs the writer).

Sides alternate each run, so drift in machine load hits them alike; medians are printed
with the writer's longest UPDATE (target < 50 ms with the op) and the load average. That
time includes waiting for this machine's two cores and its disk, which the noise side
shows alone; the writer also runs with ``lock_timeout`` at 50 ms (``lock_waits.py``), so
the count of its writes cancelled for waiting longer than that *for a lock* says what the
op itself costs (target 0).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

from lock_waits import BUDGET_MS, hold_to_budget, waited_too_long  # benchmarks/lock_waits.py
from postgres import postgres_engine, run_autocommit  # benchmarks/postgres.py
from results import Figure, no_record_flag, record  # benchmarks/results.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))

import sqlalchemy as sa  # noqa: E402

from common.ops.partitions.create_partitioned_index import create_partitioned_index  # noqa: E402

OP, PLAIN, NOISE = "create_partitioned_index", "plain CREATE INDEX", "no build (noise)"


def _table(engine: sa.Engine, rows: int, partitions: int) -> None:
    step = -(-rows // partitions)
    run_autocommit(
        engine,
        "DROP TABLE IF EXISTS bench_part",
        "CREATE TABLE bench_part (id int NOT NULL, w int NOT NULL DEFAULT 0, label text) "
        "PARTITION BY RANGE (id)",
        *(
            f"CREATE TABLE bench_part_{n} PARTITION OF bench_part "
            f"FOR VALUES FROM ({n * step + 1}) TO ({(n + 1) * step + 1})"
            for n in range(partitions)
        ),
        f"INSERT INTO bench_part (id, label) SELECT g, md5(g::text) "
        f"FROM generate_series(1, {rows}) g",
        "VACUUM ANALYZE bench_part",
    )


def _writer(engine, rows: int, stop: threading.Event, waits: list[float], over: list) -> None:
    """Single-row updates in a loop; records how long each write took to get through, and
    each attempt cancelled after waiting BUDGET_MS for a lock (``over``). A write that is
    cancelled is tried again: its wait runs from its first attempt to the one that ends."""
    with engine.connect() as conn:
        hold_to_budget(conn)
        first_attempt = None
        while not stop.is_set():
            started = time.perf_counter()
            first_attempt = first_attempt or started
            try:
                conn.execute(
                    sa.text("UPDATE bench_part SET w = w + 1 WHERE id = :id"),
                    {"id": random.randint(1, rows)},
                )
            except sa.exc.DBAPIError as error:
                if not waited_too_long(error):
                    raise
                over.append(started)
                conn.rollback()
                continue
            waits.append(time.perf_counter() - first_attempt)
            first_attempt = None
            conn.commit()


def build(engine: sa.Engine, rows: int, mode: str) -> dict:
    stop, waits, over = threading.Event(), [], []
    thread = threading.Thread(target=_writer, args=(engine, rows, stop, waits, over))
    thread.start()
    time.sleep(0.3)
    waits.clear()
    over.clear()
    started = time.perf_counter()
    try:
        if mode == OP:
            with engine.connect() as conn:
                create_partitioned_index(conn, "ix_bench_part_label", "bench_part", ["label"])
        elif mode == PLAIN:
            run_autocommit(engine, "CREATE INDEX ix_bench_part_label ON bench_part (label)")
        else:
            time.sleep(5)
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        thread.join()
    run_autocommit(engine, "DROP INDEX IF EXISTS ix_bench_part_label")
    return {"seconds": seconds, "longest": max(waits), "writes": len(waits), "over": len(over)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--runs", type=int, default=2)
    no_record_flag(parser)
    args = parser.parse_args()
    engine = postgres_engine()
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
    print(
        f"PostgreSQL {version}; {args.rows:,} rows in {args.partitions} partitions; "
        f"{args.runs} runs per side, medians; load (1/5/15 min) {os.getloadavg()}",
        flush=True,
    )
    results: dict[str, list[dict]] = {OP: [], PLAIN: [], NOISE: []}
    try:
        _table(engine, args.rows, args.partitions)
        for run in range(args.runs):
            for mode in results:
                result = build(engine, args.rows, mode)
                results[mode].append(result)
                print(
                    f"  run {run + 1} {mode:<26} {result['seconds']:6.2f} s, writer's longest "
                    f"UPDATE {result['longest'] * 1000:8.1f} ms ({result['writes']:,} writes, "
                    f"{result['over']:,} cancelled after {BUDGET_MS} ms waiting for a lock)",
                    flush=True,
                )
    finally:
        run_autocommit(engine, "DROP TABLE IF EXISTS bench_part")
    longest = {m: statistics.median(r["longest"] for r in v) for m, v in results.items()}
    seconds = {m: statistics.median(r["seconds"] for r in v) for m, v in results.items()}
    op_ms = longest[OP] * 1000
    print(
        f"writer's longest wait: {op_ms:.1f} ms with {OP} (target < 50 ms: "
        f"{'met' if op_ms < 50 else 'NOT met'}) vs {longest[PLAIN] * 1000:.0f} ms with a "
        f"{PLAIN} on the parent ({longest[PLAIN] / longest[OP]:.0f}x longer); "
        f"{longest[NOISE] * 1000:.1f} ms with no build"
    )
    print(
        f"build time: {seconds[OP]:.2f} s with {OP}, {seconds[PLAIN]:.2f} s plain "
        f"({seconds[OP] / seconds[PLAIN]:.1f}x); load after {os.getloadavg()}"
    )
    baseline = (
        f"plain CREATE INDEX on the parent: {longest[PLAIN] * 1000:.0f} ms; "
        f"noise {longest[NOISE] * 1000:.0f} ms"
    )
    over = {m: max(r["over"] for r in v) for m, v in results.items()}
    print(
        f"writes that waited over {BUDGET_MS} ms for a lock (worst run): {over[OP]} with {OP} "
        f"(target 0: {'met' if over[OP] == 0 else 'NOT met'}), {over[PLAIN]:,} with a {PLAIN}"
    )
    label = f"writer's longest UPDATE during {OP}"
    figures = [
        Figure(label, round(op_ms), "ms", 50, baseline=baseline),
        Figure(
            f"writes waiting over {BUDGET_MS} ms for a lock during {OP} (worst run)",
            over[OP],
            "writes",
            0,
            baseline=f"{PLAIN}: {over[PLAIN]:,}",
        ),
    ]
    note = f"{args.rows:,} rows in {args.partitions} partitions"
    record("partitioned_index", figures, note=note)


if __name__ == "__main__":
    main()

"""Batched data migration and concurrent index build against their baselines, in one run.

    uv run python benchmarks/batch_update.py [--rows 2000000] [--runs 3] [--offset-rows 200000]

PostgreSQL only: DATABASE_URL, else TEST_DATABASE_URL, else the embedded PostgreSQL.
Tables named ``bench_*`` are created there and dropped at the end. Runs alternate
between the sides so drift in machine load hits both alike; medians are printed.

1. ``UPDATE t SET w = v + 1`` over ``--rows`` rows: one single UPDATE against
   ``common.ops.batch_update`` at the defaults (batch_size 10,000 rows at most, each batch
   sized to take ~max_batch_ms = 50 ms; targets: >= 90% of the single UPDATE's
   throughput, longest batch < 100 ms); the batch sizes used are printed.
2. The OFFSET loop common guides recommend (SELECT id ... ORDER BY id LIMIT n OFFSET k,
   then UPDATE ... WHERE id = ANY(ids), same batch size) against batch_update, on
   ``--offset-rows`` rows because the OFFSET loop is quadratic.
3. A writer updating single rows in a loop while an index is built on the ``--rows``
   table: its longest wait with ``create_index_concurrently`` (target < 50 ms) against
   a plain CREATE INDEX (which blocks it for the whole build), and against no build at
   all (what the machine's own noise costs the writer).
"""

from __future__ import annotations

import argparse
import random
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

from common import ops  # noqa: E402

BATCH = 10_000
DEFAULT_MAX_MS = 50


def _source(engine: sa.Engine, name: str, rows: int) -> None:
    run_autocommit(
        engine,
        f"DROP TABLE IF EXISTS {name}",
        f"CREATE TABLE {name} (id bigint PRIMARY KEY, v integer NOT NULL, w integer, "
        "label text NOT NULL)",
        f"INSERT INTO {name} SELECT g, g % 1000, NULL, md5(g::text) "
        f"FROM generate_series(1, {rows}) g",
        f"VACUUM ANALYZE {name}",
    )


def _fresh(engine: sa.Engine, source: str) -> None:
    """bench_run as a fresh copy of ``source``: every timed run starts from the same table."""
    run_autocommit(
        engine,
        "DROP TABLE IF EXISTS bench_run",
        f"CREATE TABLE bench_run (LIKE {source} INCLUDING ALL)",
        f"INSERT INTO bench_run SELECT * FROM {source}",
        "VACUUM ANALYZE bench_run",
        "CHECKPOINT",
    )


def single_update(engine: sa.Engine) -> dict:
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE bench_run SET w = v + 1"))
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "longest": elapsed}


def batched_update(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        result = ops.batch_update(conn, "bench_run", {"w": sa.text("v + 1")})
    return {
        "seconds": result.seconds,
        "longest": result.longest_batch_seconds,
        "sizes": (result.smallest_batch_rows, result.largest_batch_rows),
        "batches": result.batches,
    }


def offset_loop(engine: sa.Engine) -> dict:
    """The baseline: page through ids with OFFSET, then update that page."""
    started, longest, offset = time.perf_counter(), 0.0, 0
    with engine.connect() as conn:
        while True:
            batch_started = time.perf_counter()
            with conn.begin():
                ids = (
                    conn.execute(
                        sa.text("SELECT id FROM bench_run ORDER BY id LIMIT :n OFFSET :k"),
                        {"n": BATCH, "k": offset},
                    )
                    .scalars()
                    .all()
                )
                if not ids:
                    break
                conn.execute(
                    sa.text("UPDATE bench_run SET w = v + 1 WHERE id = ANY(:ids)"), {"ids": ids}
                )
            longest = max(longest, time.perf_counter() - batch_started)
            offset += BATCH
    return {"seconds": time.perf_counter() - started, "longest": longest}


def _check_done(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM bench_run WHERE w IS NULL")).scalar()
    assert left == 0, f"{left} rows were not updated"


def _alternate(engine, source: str, sides: dict, runs: int, rows: int) -> dict:
    results: dict[str, list[dict]] = {name: [] for name in sides}
    for run in range(runs):
        for name, side in sides.items():
            _fresh(engine, source)
            results[name].append(side(engine))
            _check_done(engine)
            last = results[name][-1]
            print(
                f"  run {run + 1} {name:<22} {last['seconds']:7.2f} s "
                f"({rows / last['seconds']:>10,.0f} rows/s), longest batch "
                f"{last['longest'] * 1000:7.1f} ms"
                + (
                    f", {last['batches']:,} batches of {last['sizes'][0]:,}-{last['sizes'][1]:,}"
                    " rows"
                    if "sizes" in last
                    else ""
                ),
                flush=True,
            )
    return {
        name: {
            "seconds": statistics.median(r["seconds"] for r in values),
            "longest": statistics.median(r["longest"] for r in values),
        }
        for name, values in results.items()
    }


def _writer(engine, rows: int, stop: threading.Event, waits: list[tuple[float, float]]) -> None:
    """Single-row updates in a loop; records (UPDATE time, COMMIT time) of each.

    A lock wait shows in the UPDATE; the COMMIT waits for the WAL flush, which a build
    writing its index slows down through the disk, not through a lock.
    """
    with engine.connect() as conn:
        while not stop.is_set():
            row = random.randint(1, rows)
            started = time.perf_counter()
            conn.execute(sa.text("UPDATE bench_run SET w = w + 1 WHERE id = :id"), {"id": row})
            updated = time.perf_counter()
            conn.commit()
            waits.append((updated - started, time.perf_counter() - updated))


def index_build(engine, rows: int, mode: str) -> dict:
    """The writer's longest wait during a build (``mode``), or during 5 s of no build."""
    stop, waits = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(engine, rows, stop, waits))
    thread.start()
    time.sleep(0.3)
    waits.clear()
    started = time.perf_counter()
    try:
        if mode == "CONCURRENTLY":
            with engine.connect() as conn:
                ops.create_index_concurrently(conn, "ix_bench_label", "bench_run", ["label"])
        elif mode == "plain CREATE INDEX":
            run_autocommit(engine, "CREATE INDEX ix_bench_label ON bench_run (label)")
        else:
            time.sleep(5)
        build = time.perf_counter() - started
    finally:
        stop.set()
        thread.join()
    run_autocommit(engine, "DROP INDEX IF EXISTS ix_bench_label")
    return {
        "build": build,
        "longest_wait": max(u for u, _ in waits),
        "longest_commit": max(c for _, c in waits),
        "writes": len(waits),
    }


def _update_part(engine, args) -> None:
    print(f"1. UPDATE of {args.rows:,} rows")
    big = _alternate(
        engine,
        "bench_src",
        {"single UPDATE": single_update, "op.batch_update": batched_update},
        args.runs,
        args.rows,
    )
    ratio = big["single UPDATE"]["seconds"] / big["op.batch_update"]["seconds"]
    longest = big["op.batch_update"]["longest"] * 1000
    print(
        f"   batch_update throughput = {ratio:.0%} of one UPDATE (target >= 90%: "
        f"{'met' if ratio >= 0.9 else 'NOT met'}); longest batch {longest:.1f} ms "
        f"(target < 100 ms: {'met' if longest < 100 else 'NOT met'})"
    )
    baseline = f"single UPDATE, {big['single UPDATE']['seconds']:.2f} s"
    figures = [
        Figure("throughput vs one UPDATE", round(ratio * 100), "%", 90, "higher", baseline),
        Figure("longest batch", round(longest, 1), "ms", 100),
    ]
    record("batch_update", figures, note=f"{args.rows:,} rows, {args.runs} runs")


def _offset_part(engine, args) -> None:
    print(f"2. OFFSET loop baseline, on {args.offset_rows:,} rows (it is quadratic)")
    small = _alternate(
        engine,
        "bench_src_small",
        {"OFFSET loop": offset_loop, "op.batch_update": batched_update},
        args.runs,
        args.offset_rows,
    )
    speedup = small["OFFSET loop"]["seconds"] / small["op.batch_update"]["seconds"]
    print(f"   batch_update is {speedup:.1f}x faster than the OFFSET loop")
    label = f"speed-up over an OFFSET loop ({args.offset_rows:,} rows)"
    figure = Figure(label, round(speedup, 1), "x", 1.0, "higher", baseline="OFFSET pages")
    record("batch_update", [figure], note=f"{args.offset_rows:,} rows, {args.runs} runs")


def _index_part(engine, args) -> None:
    print(f"3. index build on {args.rows:,} rows while a writer updates single rows")
    _fresh(engine, "bench_src")
    builds: dict[str, list[dict]] = {
        "CONCURRENTLY": [],
        "plain CREATE INDEX": [],
        "no build (noise)": [],
    }
    for run in range(args.runs):
        for name in builds:
            result = index_build(engine, args.rows, name)
            builds[name].append(result)
            print(
                f"  run {run + 1} {name:<20} {result['build']:6.2f} s, writer's longest "
                f"UPDATE {result['longest_wait'] * 1000:8.1f} ms, longest COMMIT "
                f"{result['longest_commit'] * 1000:6.1f} ms ({result['writes']:,} writes)",
                flush=True,
            )
    waits = {n: statistics.median(r["longest_wait"] for r in v) for n, v in builds.items()}
    commits = {n: statistics.median(r["longest_commit"] for r in v) for n, v in builds.items()}
    concurrent_ms = waits["CONCURRENTLY"] * 1000
    print(
        f"   writer's longest wait: {concurrent_ms:.1f} ms with CONCURRENTLY (target "
        f"< 50 ms: {'met' if concurrent_ms < 50 else 'NOT met'}) vs "
        f"{waits['plain CREATE INDEX'] * 1000:.0f} ms with a plain CREATE INDEX "
        f"({waits['plain CREATE INDEX'] / waits['CONCURRENTLY']:.0f}x longer); "
        f"{waits['no build (noise)'] * 1000:.1f} ms with no build at all (machine noise)"
    )
    print(
        f"   writer's longest COMMIT (WAL flush, disk): {commits['CONCURRENTLY'] * 1000:.1f} ms "
        f"with CONCURRENTLY, {commits['no build (noise)'] * 1000:.1f} ms with no build"
    )
    baseline = f"plain CREATE INDEX: {waits['plain CREATE INDEX'] * 1000:.0f} ms"
    label = "writer's longest UPDATE during create_index_concurrently"
    figure = Figure(label, round(concurrent_ms, 1), "ms", 50, baseline=baseline)
    record("batch_update", [figure], note=f"{args.rows:,} rows, {args.runs} runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--offset-rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parts", default="123", help="which parts to run, e.g. 3")
    no_record_flag(parser)
    args = parser.parse_args()
    engine = postgres_engine()
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
    print(
        f"PostgreSQL {version}; batch_update at its defaults (<= {BATCH:,} rows, "
        f"max_batch_ms {DEFAULT_MAX_MS:g}); OFFSET loop {BATCH:,} rows; "
        f"{args.runs} runs per side, medians"
    )
    try:
        _source(engine, "bench_src", args.rows)
        if "1" in args.parts:
            _update_part(engine, args)
        if "2" in args.parts:
            _source(engine, "bench_src_small", args.offset_rows)
            _offset_part(engine, args)
        if "3" in args.parts:
            _index_part(engine, args)
    finally:
        run_autocommit(
            engine,
            "DROP TABLE IF EXISTS bench_run",
            "DROP TABLE IF EXISTS bench_src",
            "DROP TABLE IF EXISTS bench_src_small",
            "DROP TABLE IF EXISTS alembic_batch_checkpoint",
        )


if __name__ == "__main__":
    main()

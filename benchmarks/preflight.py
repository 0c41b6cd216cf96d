"""Cost of the data pre-flight on a large table, against one sequential scan of it.

    uv run python benchmarks/preflight.py [--rows 1000000] [--runs 3] [--url URL]

Creates a database ``preflight_bench_<random>`` on the server of ``--url`` (default
DATABASE_URL, else the local PostgreSQL), fills ``item`` with ``--rows`` rows (1% of them
breaking each pending step) and ``parent`` with 1,000, ANALYZEs both and then times,
alternately and ``--runs`` times each, in one process on one connection:

- baseline: ``SELECT count(*) FROM item`` with index scans disabled (one sequential scan);
- the pre-flight of one pending step of each kind (UNIQUE, CHECK, FK, NOT NULL, shorter
  VARCHAR, cast, removed enum value), exactly as ``review`` runs it (read-only
  transaction; the table is under ``--exact-rows`` so it is an exact count), plus a
  UNIQUE on a column with no duplicate (``slug``: proved by hashing);
- the pre-flight of the six row tests (CHECK, FK against the referred keys, NOT NULL,
  shorter VARCHAR, cast, enum) pending together on ``item``: one read of the table.

Prints the medians, each one's ratio to the scan (target: at most 2x; the ratio to the
same scan in one process, with no parallel workers, is printed beside it) and what counting
the six row tests together saves over counting them one by one (target: at least 2x),
and the clean UNIQUE's pre-flight against building that unique index (``CREATE UNIQUE
INDEX``, dropped again each run), the step it guards (target: less than the step).
PostgreSQL only (the row generator and the forced sequential scan are its SQL). Drops
the database after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from results import Figure, no_record_flag, record  # benchmarks/results.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))

import sqlalchemy as sa  # noqa: E402
from alembic.operations import ops  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from common.ops import SwapEnumTypeOp  # noqa: E402
from common.review.model import RevisionUnit  # noqa: E402
from common.review.preflight.bounds import Bounds  # noqa: E402
from common.review.preflight.run import preflight  # noqa: E402

TARGET_RATIO = 2.0
TARGET_TOGETHER = 2.0  # the six row tests counted together, against one by one
CLEAN_UNIQUE = "unique, no duplicate"
STEPS = {
    "unique": ops.CreateUniqueConstraintOp("uq_item_code", "item", ["code"]),
    CLEAN_UNIQUE: ops.CreateUniqueConstraintOp("uq_item_slug", "item", ["slug"]),
    "check": ops.CreateCheckConstraintOp("ck_item_amount", "item", "amount > 0"),
    "foreign key": ops.CreateForeignKeyOp(
        "fk_item_parent", "item", "parent", ["parent_id"], ["id"]
    ),
    "not null": ops.AlterColumnOp("item", "label", existing_nullable=True, modify_nullable=False),
    "shorter varchar": ops.AlterColumnOp(
        "item", "label", existing_type=sa.String(30), modify_type=sa.String(10)
    ),
    "cast": ops.AlterColumnOp(
        "item", "qty_text", existing_type=sa.String(20), modify_type=sa.Integer()
    ),
    "removed enum value": SwapEnumTypeOp("item_state", ["new"], ["new", "old"]),
}
ROW_TESTS = ("check", "foreign key", "not null", "shorter varchar", "cast", "removed enum value")
TOGETHER = "six row tests together"
FILL = """
INSERT INTO item
SELECT i,
       'c' || CASE WHEN i % 100 = 0 THEN i - 1 ELSE i END,
       CASE WHEN i % 100 = 1 THEN 'abc' ELSE (i % 5000)::text END,
       CASE WHEN i % 100 = 2 THEN 5000 ELSE i % 1000 + 1 END,
       CASE WHEN i % 100 = 3 THEN NULL WHEN i % 100 = 4 THEN repeat('x', 25) ELSE 'label' END,
       CASE WHEN i % 100 = 5 THEN 'old' ELSE 'new' END::item_state,
       CASE WHEN i % 100 = 6 THEN -1 ELSE i END,
       's' || i
FROM generate_series(1, :rows) AS i
"""


def _unit(*operations) -> RevisionUnit:
    unit = RevisionUnit("0002", "0002_bench", Path("0002_bench.py"), "", None)
    unit.operations = [(line, operation) for line, operation in enumerate(operations, 1)]
    return unit


def _setup(url, rows: int) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TYPE item_state AS ENUM ('new', 'old')"))
        conn.execute(text("CREATE TABLE parent (id integer PRIMARY KEY)"))
        conn.execute(text("INSERT INTO parent SELECT generate_series(1, 1000)"))
        conn.execute(
            text(
                "CREATE TABLE item (id bigint PRIMARY KEY, code varchar(20), qty_text varchar(20),"
                " parent_id integer, label varchar(30), state item_state, amount integer,"
                " slug varchar(20))"
            )
        )
        conn.execute(text(FILL), {"rows": rows})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE item"))
        conn.execute(text("VACUUM ANALYZE parent"))
    engine.dispose()


def _seqscan(conn, serial: bool = False) -> float:
    """One sequential scan of ``item``: the server's parallel one (the baseline), or with
    ``serial`` a single process's (printed beside it, for scale)."""
    conn.execute(text("SET enable_indexscan = off"))
    conn.execute(text("SET enable_indexonlyscan = off"))
    conn.execute(text("SET enable_bitmapscan = off"))
    if serial:
        conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    started = time.perf_counter()
    conn.execute(text("SELECT count(*) FROM item")).scalar()
    elapsed = time.perf_counter() - started
    conn.rollback()
    return elapsed


def _unique_build(conn) -> float:
    """The step a UNIQUE pre-flight stands guard for: building the unique index (on the
    clean ``slug``), then dropping it again."""
    started = time.perf_counter()
    conn.execute(text("CREATE UNIQUE INDEX ix_bench_slug ON item (slug)"))
    elapsed = time.perf_counter() - started
    conn.execute(text("DROP INDEX ix_bench_slug"))
    conn.commit()
    return elapsed


def _timed_preflight(conn, unit, bounds) -> tuple[float, list]:
    started = time.perf_counter()
    _, check = preflight(conn, [unit], bounds)
    return time.perf_counter() - started, check.data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    default = (
        os.environ.get("DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--url", default=default)
    no_record_flag(parser)
    args = parser.parse_args()
    server = make_url(args.url).set(drivername="postgresql+psycopg")
    name = f"preflight_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name)
        started = time.perf_counter()
        _setup(url, args.rows)
        print(f"{args.rows:,} rows loaded in {time.perf_counter() - started:.1f} s")
        _measure(url, args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _measure(url, args) -> None:
    engine = create_engine(url, poolclass=NullPool)
    bounds = Bounds(exact_rows=args.rows * 10, timeout=600)
    scans: list[float] = []
    serials: list[float] = []
    builds: list[float] = []
    units = {kind: _unit(operation) for kind, operation in STEPS.items()}
    units[TOGETHER] = _unit(*[STEPS[kind] for kind in ROW_TESTS])
    times: dict[str, list[float]] = {kind: [] for kind in units}
    found: dict[str, list] = {}
    with engine.connect() as conn:
        server = conn.execute(text("SHOW server_version")).scalar().split()[0]
        _seqscan(conn)  # warm the cache
        for _ in range(args.runs):
            for kind, unit in units.items():
                scans.append(_seqscan(conn))
                serials.append(_seqscan(conn, serial=True))
                elapsed, found[kind] = _timed_preflight(conn, unit, bounds)
                times[kind].append(elapsed)
            builds.append(_unique_build(conn))
    engine.dispose()
    scan = statistics.median(scans)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"PostgreSQL {server}, load average {load}")
    serial = statistics.median(serials)
    print(
        f"baseline: one sequential scan (count(*)) {scan * 1000:.0f} ms "
        f"(in one process, no parallel workers: {serial * 1000:.0f} ms)"
    )
    worst = 0.0
    for kind, values in times.items():
        median = statistics.median(values)
        ratio = median / scan
        worst = max(worst, ratio)
        rows = ", ".join(f"{row['rows']:,} rows" for row in found[kind])
        print(
            f"  {kind:<24} {median * 1000:5.0f} ms  {ratio:5.2f}x the scan"
            f"  ({median / serial:5.2f}x the one-process scan; {rows})"
        )
    verdict = "within" if worst <= TARGET_RATIO else "over"
    print(f"worst step {worst:.2f}x: {verdict} the {TARGET_RATIO:g}x target")
    one_by_one = sum(statistics.median(times[kind]) for kind in ROW_TESTS)
    saved = one_by_one / statistics.median(times[TOGETHER])
    print(f"the six row tests one by one {one_by_one * 1000:.0f} ms: together {saved:.2f}x faster")
    build = statistics.median(builds)
    guard = statistics.median(times[CLEAN_UNIQUE]) / build
    print(f"building the unique index {build * 1000:.0f} ms: its pre-flight {guard:.2f}x that")
    baseline = f"count(*), {scan * 1000:.0f} ms"
    figures = [
        Figure(f"{kind} vs one scan", round(statistics.median(values) / scan, 2), "x",
               TARGET_RATIO, baseline=baseline)
        for kind, values in times.items()
    ]  # fmt: skip
    figures.append(
        Figure(f"{TOGETHER} vs one by one", round(saved, 2), "x", TARGET_TOGETHER, "higher",
               baseline=f"the six counted one by one, {one_by_one * 1000:.0f} ms")
    )  # fmt: skip
    figures.append(
        Figure(f"{CLEAN_UNIQUE} vs building the index", round(guard, 2), "x", 1.0,
               baseline=f"CREATE UNIQUE INDEX, {build * 1000:.0f} ms")
    )  # fmt: skip
    note = f"PostgreSQL {server}, {args.rows:,} rows, {args.runs} runs, medians"
    record("preflight", figures, note=note)


if __name__ == "__main__":
    main()

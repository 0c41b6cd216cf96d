"""Wall time of the database-free review (``review --static``) of 50 revision files, against
plain Alembic rendering the same files offline (``alembic upgrade --sql head``).

    uv run python benchmarks/review_static.py [--runs 5] [--revisions 50] [--with-database]

Writes the 50-revision scratch project of ``benchmarks/review.py`` (a chain of tables
with foreign keys and indexes, every fifth revision adding a column to an existing
table), then times, alternately, as separate processes the way a pull-request job runs
them (interpreter start and imports included):

- ``python -m common review --static --json`` (DATABASE_URL unset; nothing connects);
- baseline: ``python -m alembic upgrade --sql head``, the SQL the rules read, without the
  rules;
- with ``--with-database``: also the review with a database (``review --no-round-trip``
  against a fresh database of DATABASE_URL's server, else the embedded PostgreSQL).

Prints the medians (wall time, and CPU time: on a machine shared with other work the
wall time includes waiting for a core) and the ratios. Target: the static review at most
3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import Figure, no_record_flag, record  # benchmarks/results.py
from review import build_project  # benchmarks/review.py: the same 50 revisions

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))

TARGET_SECONDS = 3.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run (CPU: a check on a machine busy with other work)."""
    cpu, started = _cpu(), time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return elapsed, _cpu() - cpu


def _database_url() -> str:
    """A fresh database on DATABASE_URL's server, else in the embedded PostgreSQL."""
    from common.config import load_settings
    from common.embedded import ensure_database

    if not os.environ.get("DATABASE_URL"):
        url = ensure_database(load_settings().pgdata, "bench_review_static")
        return url.render_as_string(hide_password=False)
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from common.database import parse_url

    url = parse_url(os.environ["DATABASE_URL"])
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "bench_review_static" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "bench_review_static"'))
    engine.dispose()
    return url.set(database="bench_review_static").render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--revisions", type=int, default=50)
    parser.add_argument("--with-database", action="store_true")
    no_record_flag(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as folder:
        root = Path(folder)
        build_project(root, args.revisions)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(WORKBENCH_MODELS_MODULE="bench_models", PYTHONPATH=str(root))
        static = [sys.executable, "-m", "common", "review", "--static", "--json"]
        sides: dict[str, tuple[list[str], dict[str, str]]] = {
            "review --static": (static, env),
            "alembic upgrade --sql head": (
                [sys.executable, "-m", "alembic", "upgrade", "--sql", "head"],
                env,
            ),
        }
        if args.with_database:
            database_env = {**env, "DATABASE_URL": _database_url()}
            with_database = [sys.executable, "-m", "common", "review", "--no-round-trip"]
            sides["review (database, --no-round-trip)"] = (with_database, database_env)

        first = subprocess.run(static, cwd=root, env=env, capture_output=True, text=True)
        report = json.loads(first.stdout)
        print(
            f"static review: {len(report['pending'])} revisions, "
            f"{len(report['findings'])} findings, exit {first.returncode}"
        )
        times: dict[str, list[float]] = {name: [] for name in sides}
        cpu: dict[str, list[float]] = {name: [] for name in sides}
        order = list(sides)
        for _ in range(args.runs):
            for name in order:  # alternated: neither side always runs first
                command, side_env = sides[name]
                wall, seconds = _run(command, root, side_env)
                times[name].append(wall)
                cpu[name].append(seconds)
            order.reverse()
    medians = {name: statistics.median(values) for name, values in times.items()}
    ours = medians["review --static"]
    for name, values in times.items():
        runs = ", ".join(f"{t:.2f}" for t in values)
        print(
            f"  {name}: median {medians[name]:.2f} s (runs: {runs}); "
            f"CPU {statistics.median(cpu[name]):.2f} s"
        )
    verdict = "met" if ours <= TARGET_SECONDS else "MISSED"
    print(f"target: review --static of {args.revisions} revisions <= {TARGET_SECONDS} s: {verdict}")
    baseline = medians["alembic upgrade --sql head"]
    print(f"ratio review --static / alembic upgrade --sql head: {ours / baseline:.2f}x")
    label = f"review --static of {args.revisions} revisions"
    against = f"alembic upgrade --sql head, {baseline:.2f} s"
    figure = Figure(label, round(ours, 2), "s", TARGET_SECONDS, baseline=against)
    record("review_static", [figure], note=f"{args.runs} alternating runs, medians")
    if args.with_database:
        database = medians["review (database, --no-round-trip)"]
        print(f"ratio review --static / review with a database: {ours / database:.2f}x")


if __name__ == "__main__":
    main()

"""Wall time of the workbench commands against plain Alembic, side by side in one run.

    uv run python benchmarks/cli_overhead.py [--runs 7]

Uses DATABASE_URL when set, else a fresh database in the embedded PostgreSQL. The
database is brought to head first, so both sides see an up-to-date database:

- ``uvx invoke status``            vs ``uv run alembic current``
- ``uvx invoke create-migration``  vs ``uv run alembic check``
  (no model changes: both reflect the database, compare, and write nothing)

Prints the median of each and the ratio workbench / Alembic (target: under 1.5x).

Then the cost of running without bytecode, as ``update-db`` does in a deploy image with
PYTHONDONTWRITEBYTECODE=1 and no ``.pyc`` files (uv installs none unless asked):
``python -m common status`` with the compiled ``.pyc`` files that ``uv sync
--compile-bytecode`` (tasks.py, ``.ci/run``) leaves, against the same command forced to
compile every module from source (an empty PYTHONPYCACHEPREFIX: nothing to read, nothing
written). Baseline: the no-bytecode run; the ratio is compiled / no bytecode.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import Figure, no_record_flag, record  # benchmarks/results.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))


def _database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from common.config import load_settings
    from common.embedded import ensure_database

    url = ensure_database(load_settings().pgdata, "workbench_bench")
    return url.render_as_string(hide_password=False)


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def _medians(
    ours: list[str],
    theirs: list[str],
    env: dict[str, str],
    runs: int,
    their_env: dict[str, str] | None = None,
):
    """Alternate the two commands so drift in machine load hits both alike."""
    their_env = their_env or env
    _timed(ours, env)  # warm-up: environment sync, OS caches
    _timed(theirs, their_env)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        times[0].append(_timed(ours, env))
        times[1].append(_timed(theirs, their_env))
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    no_record_flag(parser)
    args = parser.parse_args()

    env = dict(os.environ, DATABASE_URL=_database_url())
    subprocess.run(
        ["uv", "run", "--quiet", "python", "-m", "common", "update-db"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    pairs = [
        ("status", ["uvx", "invoke", "status"], ["uv", "run", "--quiet", "alembic", "current"]),
        (
            "create-migration (no changes)",
            ["uvx", "invoke", "create-migration", "Benchmark no changes"],
            ["uv", "run", "--quiet", "alembic", "check"],
        ),
    ]
    print(f"{'operation':<32} {'workbench':>10} {'alembic':>10} {'ratio':>7}")
    worst = 0.0
    measured = []
    for name, ours, theirs in pairs:
        workbench, alembic = _medians(ours, theirs, env, args.runs)
        ratio = workbench / alembic
        worst = max(worst, ratio)
        print(f"{name:<32} {workbench:>9.3f}s {alembic:>9.3f}s {ratio:>6.2f}x")
        measured.append((name, " ".join(theirs[3:]), ratio, alembic))
    print(f"target: under 1.50x -> {'met' if worst < 1.5 else 'NOT met'} (worst {worst:.2f}x)")
    figures = [
        Figure(f"{name} vs {base}", round(ratio, 2), "x", 1.5, baseline=f"{base}, {seconds:.2f} s")
        for name, base, ratio, seconds in measured
    ]
    record("cli_overhead", figures, note=f"{args.runs} alternating runs, medians")
    _bytecode(env, args.runs)


def _bytecode(env: dict[str, str], runs: int) -> None:
    """``python -m common status``: compiled .pyc files vs compiling from source."""
    subprocess.run(["uv", "sync", "--quiet", "--compile-bytecode"], cwd=ROOT, check=True)
    python = str(ROOT / ".venv" / "bin" / "python")
    command = [python, "-m", "common", "status"]
    with tempfile.TemporaryDirectory(prefix="no-pyc-") as empty:
        compiled = dict(env, PYTHONDONTWRITEBYTECODE="1")
        source = dict(compiled, PYTHONPYCACHEPREFIX=empty)
        with_pyc, without = _medians(command, command, compiled, runs, source)
    ratio = with_pyc / without
    print(f"{'status, bytecode compiled':<32} {with_pyc:>9.3f}s")
    print(f"{'status, no bytecode (baseline)':<32} {without:>9.3f}s {ratio:>17.2f}x")


if __name__ == "__main__":
    main()

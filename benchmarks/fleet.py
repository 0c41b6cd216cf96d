"""A fleet ``update-db`` against a shell loop of plain ``alembic upgrade head``, one run.

    uv run python benchmarks/fleet.py [--tenants 200] [--revisions 10]

The workload of issue 18: N tenant schemas in one PostgreSQL database, each brought from
empty to head through R small generated revisions (one ``CREATE TABLE`` each). Sides,
measured one after the other in this run, every tenant schema emptied before each:

- baseline: a bash ``for`` loop running ``python -m alembic upgrade head`` once per
  tenant, the tenant's search_path in its DATABASE_URL (``?options=-csearch_path=...``),
  the same ``env.py`` (no lock, no history: plain Alembic);
- ``update-db --fleet`` at ``--parallel 1`` and ``--parallel 4`` (lock, history,
  timeouts per target), one process for the whole fleet.

Then ``status --fleet`` on the N tenants at head (the whole command, process start
included), and ``review --fleet --no-round-trip`` on them reading one target at a time
and four at a time (``WORKBENCH_FLEET_PARALLEL``; target: side by side no slower). Both sides
use the project's ``.venv`` Python. Targets (issue 18): fleet at parallelism 4 at least
4x faster than the loop, at parallelism 1 at least 1.5x; status under 3 s. Uses
DATABASE_URL when it is a PostgreSQL URL, else a database in the embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from results import Figure, no_record_flag, record  # benchmarks/results.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from update_db import _scratch_project  # noqa: E402  (same generated revisions)


def _database_url() -> str:
    raw = os.environ.get("DATABASE_URL", "")
    if raw.startswith("postgres"):
        return raw
    from common.config import load_settings
    from common.embedded import ensure_database

    url = ensure_database(load_settings().pgdata, "workbench_bench_fleet")
    return url.render_as_string(hide_password=False)


def _reset(url: str, tenants: list[str], create: bool = True) -> None:
    """Every tenant schema empty (dropped and created again), nothing else touched."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool
    from sqlalchemy.schema import CreateSchema, DropSchema

    from common.database import parse_url

    engine = create_engine(parse_url(url), poolclass=NullPool)
    for tenant in tenants:  # a transaction each: 200 x 12 tables would exhaust the lock table
        with engine.begin() as conn:
            conn.execute(DropSchema(tenant, cascade=True, if_exists=True))
            if create:
                conn.execute(CreateSchema(tenant))
    engine.dispose()


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)[:200]} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def _shell_loop(python: str, url: str, tenants: list[str]) -> list[str]:
    """``for t in ...; do DATABASE_URL=...$t alembic upgrade head; done`` in bash."""
    separator = "&" if "?" in url else "?"
    tenant_url = f"{url}{separator}options=-csearch_path%3D$t"
    loop = (
        f"set -e; for t in {' '.join(tenants)}; do "
        f'DATABASE_URL="{tenant_url}" {shlex.quote(python)} -m alembic upgrade head; done'
    )
    return ["bash", "-c", loop]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--revisions", type=int, default=10)
    parser.add_argument(
        "--status-only",
        action="store_true",
        help="only time status --fleet (the tenants brought to head first, untimed)",
    )
    no_record_flag(parser)
    args = parser.parse_args()

    url = _database_url()
    tenants = [f"tenant_{n:04d}" for n in range(args.tenants)]
    root = _scratch_project(args.revisions)
    fleet = root / "fleet.toml"
    fleet.write_text(f'[[target]]\nurl = "{url}"\nschemas = "tenant_*"\n')
    python = str(ROOT / ".venv" / "bin" / "python")
    env = dict(
        os.environ,
        PYTHONPATH=str(root),
        WORKBENCH_MODELS_MODULE="bench_models",
        WORKBENCH_LOCK_RETRIES="0",
    )
    env.pop("DATABASE_URL", None)

    def fleet_update(parallel: int) -> list[str]:
        return [
            python,
            "-m",
            "common",
            "update-db",
            "--fleet",
            str(fleet),
            "--parallel",
            str(parallel),
        ]

    times: dict[str, float] = {}
    sides = (
        ("alembic upgrade head, shell loop", _shell_loop(python, url, tenants)),
        ("update-db --fleet --parallel 1", fleet_update(1)),
        ("update-db --fleet --parallel 4", fleet_update(4)),
    )
    try:
        if args.status_only:
            _reset(url, tenants)
            _timed(fleet_update(4), root, env)
            sides = ()
        for name, command in sides:
            _reset(url, tenants)
            times[name] = _timed(command, root, env)
            print(f"{name:<36} {times[name]:>8.1f} s", flush=True)
        status = _timed([python, "-m", "common", "status", "--fleet", str(fleet)], root, env)
        review = [python, "-m", "common", "review", "--fleet", str(fleet), "--no-round-trip"]
        reviews = {
            parallel: _timed(review, root, dict(env, WORKBENCH_FLEET_PARALLEL=str(parallel)))
            for parallel in (1, 4)
        }
        imports = _timed([python, "-c", "import common.cli, common.fleet.status"], root, env)
    finally:
        _reset(url, tenants, create=False)
        shutil.rmtree(root, ignore_errors=True)

    if times:
        base = times["alembic upgrade head, shell loop"]
        print(f"\n{args.tenants} tenants x {args.revisions} revisions, one run each")
        print(f"{'side':<36} {'time':>10} {'loop / side':>12}")
        for name, elapsed in times.items():
            print(f"{name:<36} {elapsed:>8.1f} s {base / elapsed:>11.2f}x")
    print(
        f"status --fleet on {args.tenants} tenants at head: {status:.2f} s (target < 3 s); "
        f"of which {imports:.2f} s is the interpreter start and imports"
    )
    print(
        f"review --fleet --no-round-trip on {args.tenants} tenants at head: "
        f"{reviews[1]:.2f} s reading one at a time, {reviews[4]:.2f} s four at a time "
        f"({reviews[1] / reviews[4]:.2f}x)"
    )
    figures = [Figure(f"status --fleet, {args.tenants} tenants", round(status, 2), "s", 3.0)]
    figures.append(  # target: reading side by side is never slower than one at a time
        Figure(f"review --fleet, {args.tenants} tenants, 4 at a time vs one at a time",
               round(reviews[4] / reviews[1], 2), "x", 1.0,
               baseline=f"one at a time, {reviews[1]:.2f} s (4 at a time {reviews[4]:.2f} s)")
    )  # fmt: skip
    loop = "alembic upgrade head, shell loop"
    for name, target in (("--parallel 1", 1.5), ("--parallel 4", 4.0)):
        side = next((n for n in times if name in n), None)
        if side and loop in times:
            speed_up = round(times[loop] / times[side], 1)
            baseline = f"bash loop of alembic upgrade head, {times[loop]:.0f} s"
            label = f"{name}, speed-up over a loop of alembic"
            figures.append(Figure(label, speed_up, "x", target, "higher", baseline=baseline))
    note = f"{args.tenants} tenant schemas x {args.revisions} revisions, one run each side"
    record("fleet", figures, note=note)


if __name__ == "__main__":
    main()

"""Wall time of ``update-db`` against plain ``alembic upgrade head``, side by side in one run.

    uv run python benchmarks/update_db.py [--runs 7] [--revisions 200]

Both sides run with the project's own ``.venv`` Python (``python -m common update-db``
and ``python -m alembic upgrade head``), in the same scratch project with the same
generated revisions and the same ``env.py``, so the difference is what the workbench's
runner adds (migration lock, history rows, per-revision timeouts, progress lines), not
``uv``/``uvx`` start-up. Two cases:

- nothing pending: the database is already at head;
- applying N small generated revisions (one ``CREATE TABLE`` each) to an empty schema,
  reset (``DROP SCHEMA public CASCADE``) before every run, untimed.

Runs of the two sides alternate, so drift in machine load hits both alike; medians and
the ratio workbench / Alembic are printed (target: under 1.5x). Uses DATABASE_URL when it
is a PostgreSQL URL, else a database in the embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import Figure, no_record_flag, record  # benchmarks/results.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))

REVISION = '''"""Generated revision {num}."""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("t{num}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("t{num}")
'''


def _database_url() -> str:
    raw = os.environ.get("DATABASE_URL", "")
    if raw.startswith("postgres"):
        return raw
    from common.config import load_settings
    from common.embedded import ensure_database

    url = ensure_database(load_settings().pgdata, "workbench_bench_update_db")
    return url.render_as_string(hide_password=False)


def _scratch_project(count: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="wb-bench-update-db-"))
    versions = root / "common" / "alembic" / "versions"
    versions.mkdir(parents=True)
    shutil.copy(ROOT / "alembic.ini", root / "alembic.ini")
    for name in ("env.py", "script.py.mako"):
        shutil.copy(ROOT / "common" / "alembic" / name, root / "common" / "alembic" / name)
    (root / "bench_models.py").write_text("from sqlmodel import SQLModel\n")
    for num in range(1, count + 1):
        down = f"{num - 1:04d}" if num > 1 else None
        text = REVISION.format(num=num, rev=f"{num:04d}", down=down)
        (versions / f"{num:04d}_generated_{num}.py").write_text(text)
    return root


def _reset(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from common.database import parse_url

    engine = create_engine(parse_url(url), poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def _alternate(sides, runs: int, before=None) -> tuple[float, float]:
    times: tuple[list[float], list[float]] = ([], [])
    for run in range(runs + 1):  # the first round warms OS caches and is dropped
        for index, (command, cwd, env) in enumerate(sides):
            if before:
                before()
            elapsed = _timed(command, cwd, env)
            if run:
                times[index].append(elapsed)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--revisions", type=int, default=200)
    no_record_flag(parser)
    args = parser.parse_args()

    url = _database_url()
    root = _scratch_project(args.revisions)
    python = str(ROOT / ".venv" / "bin" / "python")
    env = dict(
        os.environ,
        DATABASE_URL=url,
        PYTHONPATH=str(root),
        WORKBENCH_MODELS_MODULE="bench_models",
        WORKBENCH_LOCK_RETRIES="0",
    )
    ours = ([python, "-m", "common", "update-db"], root, env)
    theirs = ([python, "-m", "alembic", "upgrade", "head"], root, env)
    try:
        _reset(url)
        applying = _alternate([ours, theirs], args.runs, before=lambda: _reset(url))
        _timed(ours[0], root, env)  # bring the database to head once
        idle = _alternate([ours, theirs], args.runs)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"median of {args.runs} alternating runs, project .venv python on both sides")
    print(f"{'case':<36} {'update-db':>10} {'alembic':>10} {'ratio':>7}")
    figures = []
    for name, (mine, base) in (
        ("nothing pending", idle),
        (f"apply {args.revisions} small revisions", applying),
    ):
        print(f"{name:<36} {mine:>9.2f}s {base:>9.2f}s {mine / base:>6.2f}x")
        label = f"{name} vs alembic upgrade head"
        baseline = f"alembic upgrade head, {base:.2f} s"
        figures.append(Figure(label, round(mine / base, 2), "x", 1.5, baseline=baseline))
    record("update_db", figures, note=f"{args.runs} alternating runs, medians")


if __name__ == "__main__":
    main()

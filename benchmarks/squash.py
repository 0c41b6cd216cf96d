"""Squash a 200-revision chain, then build fresh databases from both histories, side by side.

    uv run python benchmarks/squash.py [--revisions 200] [--upto 190] [--runs 5]

A scratch project gets N generated revisions with the churn a real history has: for each
of N/10 tables, ten revisions: create it, add three columns and two indexes, change a
type and a default, drop an index and a column again. Then:

1. ``python -m common squash --upto REV`` on a copy of the project, timed as a user
   runs it (interpreter start-up and the proof included; target: at most 30 s);
2. ``update-db`` on a fresh database, the full chain (baseline) against the squashed
   history (the squash plus the revisions after REV), runs alternating so load drift
   hits both alike, the database emptied before every run (untimed). The build is timed
   in-process (``common.commands.apply.update_db`` with the project's Settings), since
   the ~1.5 s interpreter start-up of ``python -m common`` is no part of building the
   database; the same runs as processes are printed beside it. Medians and the ratio
   full / squashed (target: at least 5x);
3. the schemas both histories build are compared (they must be equal).

Uses a database ``workbench_bench_squash`` created on the server of DATABASE_URL when
that is a PostgreSQL URL, else one in the embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
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
    {upgrade}


def downgrade():
    {downgrade}
'''

STEPS = (  # (upgrade, downgrade) of table t{t}: ten revisions per table
    (
        'op.create_table("t{t}", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("name", sa.String(100), nullable=False))',
        'op.drop_table("t{t}")',
    ),
    ('op.add_column("t{t}", sa.Column("a", sa.Integer))', 'op.drop_column("t{t}", "a")'),
    ('op.create_index("ix_t{t}_name", "t{t}", ["name"])', 'op.drop_index("ix_t{t}_name", "t{t}")'),
    ('op.add_column("t{t}", sa.Column("b", sa.Text))', 'op.drop_column("t{t}", "b")'),
    ('op.add_column("t{t}", sa.Column("c", sa.Boolean))', 'op.drop_column("t{t}", "c")'),
    ('op.create_index("ix_t{t}_a", "t{t}", ["a"])', 'op.drop_index("ix_t{t}_a", "t{t}")'),
    (
        'op.alter_column("t{t}", "b", type_=sa.String(200))',
        'op.alter_column("t{t}", "b", type_=sa.Text)',
    ),
    ('op.drop_index("ix_t{t}_a", "t{t}")', 'op.create_index("ix_t{t}_a", "t{t}", ["a"])'),
    ('op.drop_column("t{t}", "a")', 'op.add_column("t{t}", sa.Column("a", sa.Integer))'),
    (
        'op.alter_column("t{t}", "c", server_default=sa.false())',
        'op.alter_column("t{t}", "c", server_default=None)',
    ),
)


def _database_url(name: str) -> str:
    raw = os.environ.get("DATABASE_URL", "")
    if raw.startswith("postgres"):
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        from common.database import parse_url

        url = parse_url(raw)
        engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if not conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first():
                conn.execute(
                    text(f"CREATE DATABASE {engine.dialect.identifier_preparer.quote(name)}")
                )
        engine.dispose()
        return url.set(database=name).render_as_string(hide_password=False)
    from common.config import load_settings
    from common.embedded import ensure_database

    url = ensure_database(load_settings().pgdata, name)
    return url.render_as_string(hide_password=False)


def _project(count: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="wb-bench-squash-"))
    versions = root / "common" / "alembic" / "versions"
    versions.mkdir(parents=True)
    shutil.copy(ROOT / "alembic.ini", root / "alembic.ini")
    for name in ("env.py", "script.py.mako"):
        shutil.copy(ROOT / "common" / "alembic" / name, root / "common" / "alembic" / name)
    (root / "bench_models.py").write_text("from sqlmodel import SQLModel\n")
    for num in range(1, count + 1):
        upgrade, downgrade = STEPS[(num - 1) % len(STEPS)]
        table = (num - 1) // len(STEPS) + 1
        text = REVISION.format(
            num=num,
            rev=f"{num:04d}",
            down=f"{num - 1:04d}" if num > 1 else None,
            upgrade=upgrade.format(t=table),
            downgrade=downgrade.format(t=table),
        )
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


def _schema(url: str) -> dict:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from common.database import parse_url
    from common.review.checks.snapshot import snapshot

    engine = create_engine(parse_url(url), poolclass=NullPool)
    with engine.connect() as conn:
        shot = snapshot(conn)
    engine.dispose()
    return shot


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def _build_in_process(root: Path, url: str) -> float:
    """``update-db`` to head, called as a function: the build without interpreter start-up."""
    from common.commands.apply import update_db
    from common.config import load_settings

    settings = load_settings(
        root / ".env",
        project_dir=root,
        database_url=url,
        models_module="bench_models",
        lock_retries=0,
    )
    sink = io.StringIO()
    with redirect_stdout(sink), redirect_stderr(sink):
        started = time.perf_counter()
        code = update_db(settings=settings)
        elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"update-db failed in {root}:\n{sink.getvalue()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=200)
    parser.add_argument("--upto", type=int, default=190)
    parser.add_argument("--runs", type=int, default=5)
    no_record_flag(parser)
    args = parser.parse_args()

    url = _database_url("workbench_bench_squash")
    full = _project(args.revisions)
    squashed = Path(tempfile.mkdtemp(prefix="wb-bench-squashed-"))
    shutil.copytree(full, squashed, dirs_exist_ok=True)
    python = str(ROOT / ".venv" / "bin" / "python")
    env = dict(
        os.environ,
        DATABASE_URL=url,
        WORKBENCH_MODELS_MODULE="bench_models",
        WORKBENCH_LOCK_RETRIES="0",
    )
    update = [python, "-m", "common", "update-db"]
    try:
        _reset(url)
        upto = f"{args.upto:04d}"
        squash_time = _timed(
            [python, "-m", "common", "squash", "--upto", upto],
            squashed,
            {**env, "PYTHONPATH": str(squashed)},
        )
        remaining = len(list((squashed / "common" / "alembic" / "versions").glob("*.py")))
        sys.path.insert(0, str(full))  # bench_models (the same file in both projects)
        builds: dict[Path, list[float]] = {full: [], squashed: []}
        processes: dict[Path, list[float]] = {full: [], squashed: []}
        shots = {}
        for run in range(args.runs + 1):  # the first round warms caches and is dropped
            for root in (full, squashed):
                _reset(url)
                built = _build_in_process(root, url)
                shots[root] = _schema(url)
                _reset(url)
                process = _timed(update, root, {**env, "PYTHONPATH": str(root)})
                if run:
                    builds[root].append(built)
                    processes[root].append(process)
    finally:
        shutil.rmtree(full, ignore_errors=True)
        shutil.rmtree(squashed, ignore_errors=True)
    print(f"squash --upto {upto} of {args.revisions} revisions (proof included, one process): "
          f"{squash_time:.1f} s (target <= 30 s)")  # fmt: skip
    print(f"fresh database from each history, median of {args.runs} alternating runs:")
    print(f"{'':<34} {'full chain':>11} {'squashed':>11} {'ratio':>7}")
    print(f"{'revisions':<34} {args.revisions:>11} {remaining:>11}")
    for name, times in (
        ("update-db build (in-process)", builds),
        ("python -m common update-db", processes),
    ):
        base, ours = statistics.median(times[full]), statistics.median(times[squashed])
        print(f"{name:<34} {base:>10.2f}s {ours:>10.2f}s {base / ours:>6.1f}x")
    print("target: the build at least 5x faster from the squashed history")
    print(f"same schema from both histories: {shots[full] == shots[squashed]}")
    base, ours = statistics.median(builds[full]), statistics.median(builds[squashed])
    label = f"squash --upto {upto}, proof included"
    figures = [
        Figure(label, round(squash_time, 1), "s", 30.0),
        Figure("fresh build speed-up from the squashed history", round(base / ours, 1), "x",
               5.0, "higher", baseline=f"full chain, {base:.2f} s"),
    ]  # fmt: skip
    record("squash", figures, note=f"{args.revisions} revisions, {args.runs} alternating runs")


if __name__ == "__main__":
    main()

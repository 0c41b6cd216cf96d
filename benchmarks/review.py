"""Wall time of ``review`` on 50 pending revisions, round trip included, against the
hand-run check it replaces (``alembic upgrade head`` then ``alembic downgrade base``).

    uv run python benchmarks/review.py [--runs 3] [--revisions 50]

Builds a scratch project with 50 revisions (a chain of tables with foreign keys and
indexes, every fifth revision also adding a column to an existing table) and models that
match head. Both sides run against fresh databases in the embedded PostgreSQL (started
once in .pgdata/ at the repository root), alternately; prints medians and the ratio.
Target: review under 30 s.
"""

from __future__ import annotations

import argparse
import json
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

REVISION = '''"""Create t{n:02d}"""
import sqlalchemy as sa
from alembic import op

revision = "{n:04d}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "t{n:02d}",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
{parent_column}        sa.PrimaryKeyConstraint("id", name=op.f("pk_t{n:02d}")),
    )
{upgrade_extra}

def downgrade() -> None:
{downgrade_extra}    op.drop_table("t{n:02d}")
'''

PARENT = """        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["t{p:02d}.id"], name=op.f("fk_t{n:02d}_parent_id_t{p:02d}")
        ),
"""

MODELS = """
import sqlalchemy as sa
from sqlmodel import SQLModel

for n in range(1, {count} + 1):
    columns = [sa.Column("id", sa.Integer, primary_key=True),
               sa.Column("name", sa.String(100), nullable=False)]
    if n > 1:
        columns.append(sa.Column("parent_id", sa.Integer, sa.ForeignKey(f"t{{n - 1:02d}}.id"),
                                 index=True))
    if n + 1 <= {count} and (n + 1) % 5 == 0:
        columns.append(sa.Column("note", sa.Text, nullable=True))
    sa.Table(f"t{{n:02d}}", SQLModel.metadata, *columns)
"""


def _revision(n: int) -> str:
    parent = PARENT.format(n=n, p=n - 1) if n > 1 else ""
    up, down = "", ""
    if n > 1:
        up += f'    op.create_index(op.f("ix_t{n:02d}_parent_id"), "t{n:02d}", ["parent_id"])\n'
        down += f'    op.drop_index(op.f("ix_t{n:02d}_parent_id"), table_name="t{n:02d}")\n'
    if n % 5 == 0:
        up += f'    op.add_column("t{n - 1:02d}", sa.Column("note", sa.Text(), nullable=True))\n'
        down += f'    op.drop_column("t{n - 1:02d}", "note")\n'
    down_revision = repr(f"{n - 1:04d}") if n > 1 else "None"
    return REVISION.format(
        n=n, down=down_revision, parent_column=parent, upgrade_extra=up, downgrade_extra=down
    )


def build_project(root: Path, count: int) -> None:
    versions = root / "common" / "alembic" / "versions"
    versions.mkdir(parents=True)
    shutil.copy(ROOT / "alembic.ini", root / "alembic.ini")
    for name in ("env.py", "script.py.mako"):
        shutil.copy(ROOT / "common" / "alembic" / name, root / "common" / "alembic" / name)
    for n in range(1, count + 1):
        (versions / f"{n:04d}_create_t{n:02d}.py").write_text(_revision(n))
    (root / "bench_models.py").write_text(MODELS.format(count=count))


def _database(name: str) -> str:
    from common.config import load_settings
    from common.embedded import ensure_database

    return ensure_database(load_settings().pgdata, name).render_as_string(hide_password=False)


def _run(command: list[str], cwd: Path, env: dict[str, str], ok_codes=(0,)) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in ok_codes:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--revisions", type=int, default=50)
    no_record_flag(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as folder:
        root = Path(folder)
        build_project(root, args.revisions)
        env = {**os.environ, "WORKBENCH_MODELS_MODULE": "bench_models", "PYTHONPATH": str(root)}
        review_env = {**env, "DATABASE_URL": _database("bench_review_target")}
        alembic_env = {**env, "DATABASE_URL": _database("bench_review_baseline")}
        review = [sys.executable, "-m", "common", "review", "--json"]
        up = [sys.executable, "-m", "alembic", "upgrade", "head"]
        down = [sys.executable, "-m", "alembic", "downgrade", "base"]

        first = subprocess.run(review, cwd=root, env=review_env, capture_output=True, text=True)
        report = json.loads(first.stdout)
        statuses = {c["name"].split(" (")[0]: c["status"] for c in report["checks"]}
        print(
            f"pending: {len(report['pending'])}, findings: {len(report['findings'])}, "
            f"checks: {statuses}"
        )
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(args.runs):
            times[0].append(_run(review, root, review_env, ok_codes=(0, 1)))
            times[1].append(_run(up, root, alembic_env) + _run(down, root, alembic_env))
    ours, theirs = statistics.median(times[0]), statistics.median(times[1])
    print(
        f"review ({args.revisions} pending, round trip): median {ours:.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in times[0])}); target < 30 s"
    )
    print(f"alembic upgrade head + downgrade base: median {theirs:.2f} s")
    print(f"ratio review / alembic up+down: {ours / theirs:.2f}x")
    label = f"review --json of {args.revisions} revisions"
    baseline = f"alembic upgrade + downgrade, {theirs:.2f} s"
    figure = Figure(label, round(ours, 2), "s", 30.0, baseline=baseline)
    record("review", [figure], note=f"{args.runs} alternating runs, round trip included")


if __name__ == "__main__":
    main()

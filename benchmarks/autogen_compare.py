"""Autogenerate on an in-sync 800-table schema: the workbench's comparators vs plain Alembic.

    uv run python benchmarks/autogen_compare.py [--tables 800] [--runs 5]

Uses DATABASE_URL (a PostgreSQL server where it may create a database) when set, else
the embedded PostgreSQL. Creates a scratch database with ``--tables`` tables (enum,
CHECK, foreign key, index, unique, server defaults on each), then times
``compare_metadata`` with Alembic's own comparators only and with every workbench
comparator on, alternating the two (ABBA order, garbage collected before each run), and
prints the medians and the ratio workbench / Alembic (target: not above 1.0, within
noise). Both must find no difference.
"""

from __future__ import annotations

import argparse
import enum
import gc
import os
import statistics
import sys
import time
from pathlib import Path

from results import Figure, no_record_flag, record  # benchmarks/results.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))

from alembic.autogenerate import compare_metadata  # noqa: E402
from alembic.migration import MigrationContext  # noqa: E402
from sqlalchemy import (  # noqa: E402
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    func,
    make_url,
    text,
)
from sqlalchemy.pool import NullPool  # noqa: E402

from common.autogen import PLUGINS  # noqa: E402
from common.migration_env import include_object  # noqa: E402
from common.models import NAMING_CONVENTION  # noqa: E402

DATABASE = "workbench_bench_autogen"


class Level(enum.Enum):
    low = "low"
    mid = "mid"
    high = "high"


def build_metadata(tables: int) -> MetaData:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for n in range(tables):
        columns = [
            Column("id", Integer, primary_key=True),
            Column("name", String(100 + n % 50), nullable=False),
            Column("code", String(20)),
            Column("level", Enum(Level, name=f"level{n % 10}"), nullable=False),
            Column("amount", Numeric(12, 2), server_default=text("0")),
            Column("active", Boolean, nullable=False, server_default=text("false")),
            Column("created_at", DateTime(timezone=True), server_default=func.now()),
            CheckConstraint("amount >= 0 AND code IN ('a', 'b')", name="amount_code"),
            UniqueConstraint("code"),
            Index(None, "name"),
        ]
        if n:
            columns.append(Column("parent_id", ForeignKey(f"t{n - 1}.id", ondelete="CASCADE")))
        Table(f"t{n}", metadata, *columns)
    return metadata


def _admin_url():
    if os.environ.get("DATABASE_URL"):
        from common.database import parse_url

        return parse_url(os.environ["DATABASE_URL"])
    from common.config import load_settings
    from common.embedded import ensure_database

    return ensure_database(load_settings().pgdata, "postgres")


def prepare(tables: int):
    admin = _admin_url()
    engine = create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    url = make_url(admin).set(database=DATABASE)
    metadata = build_metadata(tables)
    engine = create_engine(url, poolclass=NullPool)
    metadata.create_all(engine)
    return engine, metadata


def timed_compare(engine, metadata: MetaData, plugins: list[str]) -> tuple[float, list]:
    options = {
        "compare_type": True,
        "compare_server_default": True,
        "include_object": include_object,
        "autogenerate_plugins": plugins,
        "target_metadata": metadata,
    }
    with engine.connect() as connection:
        started = time.perf_counter()
        context = MigrationContext.configure(connection, opts=options)
        diffs = compare_metadata(context, metadata)
        return time.perf_counter() - started, diffs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=800)
    parser.add_argument("--runs", type=int, default=5)
    no_record_flag(parser)
    args = parser.parse_args()
    engine, metadata = prepare(args.tables)
    sides = {"alembic": ["alembic.autogenerate.*"], "workbench": PLUGINS}
    times: dict[str, list[float]] = {name: [] for name in sides}
    try:
        for name, plugins in sides.items():  # warm-up, and both must see no difference
            _, diffs = timed_compare(engine, metadata, plugins)
            if diffs:
                raise SystemExit(f"{name} reports differences on an in-sync schema: {diffs[:5]}")
        order = list(sides)
        for _ in range(args.runs):
            for name in order:  # ABBA: neither side always runs first
                gc.collect()
                times[name].append(timed_compare(engine, metadata, sides[name])[0])
            order.reverse()
    finally:
        engine.dispose()
    alembic, workbench = (statistics.median(times[name]) for name in sides)
    print(f"tables: {args.tables}, runs: {args.runs} (alternated), medians:")
    print(f"  plain Alembic (alembic.autogenerate.*): {alembic:.2f} s")
    print(f"  workbench (+ common.autogen.*):        {workbench:.2f} s")
    print(f"  ratio workbench / Alembic: {workbench / alembic:.2f}")
    label = "workbench comparators vs plain Alembic"
    baseline = f"plain Alembic {alembic:.2f} s"
    figure = Figure(label, round(workbench / alembic, 2), "x", 1.0, baseline=baseline)
    record("autogen_compare", [figure], note=f"{args.tables} tables, {args.runs} ABBA runs")


if __name__ == "__main__":
    main()

"""Comparing 200 in-sync database objects: the workbench's comparator vs alembic_utils.

    uv run --group bench python benchmarks/db_objects.py [--objects 200] [--runs 5]

Uses DATABASE_URL (a PostgreSQL server where it may create a database) when set, else
the embedded PostgreSQL. Creates a scratch database with 20 tables and ``--objects``
mixed objects (SQL and PL/pgSQL functions, views, materialized views, triggers, policies)
through the workbench's own ops, declares the same objects to both tools, and times one
comparison each (the workbench's ``common.autogen.objects`` comparator, alembic_utils'
``compare_registered_entities``), called the same way on the same connection, in ABBA
order. Prints the medians and the ratio alembic_utils / workbench. Both must report no
operation; the workbench's median must be at most 1 s.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

from results import Figure, no_record_flag, record  # benchmarks/results.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from alembic.autogenerate.api import AutogenContext  # noqa: E402
from alembic.migration import MigrationContext  # noqa: E402
from alembic.operations import Operations, ops  # noqa: E402
from alembic_utils import replaceable_entity  # noqa: E402
from alembic_utils.pg_function import PGFunction  # noqa: E402
from alembic_utils.pg_materialized_view import PGMaterializedView  # noqa: E402
from alembic_utils.pg_policy import PGPolicy  # noqa: E402
from alembic_utils.pg_trigger import PGTrigger  # noqa: E402
from alembic_utils.pg_view import PGView  # noqa: E402
from autogen_compare import _admin_url  # noqa: E402
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, make_url, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from common.autogen.objects import _compare_objects  # noqa: E402
from common.autogen.objects.plan import _create  # noqa: E402
from common.models.db_objects import (  # noqa: E402
    Function,
    MaterializedView,
    Policy,
    Trigger,
    View,
    declare,
)

DATABASE = "workbench_bench_objects"
TABLES = 20


def objects(count: int) -> list:
    """``count`` objects, the same mix as in the tests: one of five kinds in turn."""
    made: list = []
    n = 0
    while len(made) < count:
        table = f"t{n % TABLES}"
        kind = n % 5
        if kind == 0:
            made.append(
                Function(
                    f"f{n}",
                    "x integer, y text DEFAULT 'a'::text",
                    f"RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + {n} $$",
                )
            )
            made.append(
                Function(
                    f"tf{n}",
                    "",
                    "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"NEW.a := coalesce(NEW.a, {n}); RETURN NEW; END $$",
                )
            )
        elif kind == 1:
            made.append(View(f"v{n}", f"SELECT id, a * 2 AS a2, b FROM {table} WHERE b LIKE '%x'"))
        elif kind == 2:
            definition = f"SELECT a, count(*) AS c FROM {table} GROUP BY a"
            made.append(MaterializedView(f"m{n}", definition, with_data=n % 2 == 0))
        elif kind == 3:
            made.append(
                Trigger(
                    f"tr{n}",
                    table,
                    f"BEFORE INSERT OR UPDATE OF a ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION tf{n - 3}()",
                )
            )
        else:
            made.append(
                Policy(
                    f"p{n}",
                    table,
                    f"AS RESTRICTIVE FOR UPDATE TO public USING (a > {n}) "
                    "WITH CHECK (b IS NOT NULL)",
                )
            )
        n += 1
    return made[:count]


def as_alembic_utils(obj) -> object:
    """The same object as alembic_utils declares it."""
    if obj.kind == "function":
        return PGFunction("public", f"{obj.name}({obj.arguments})", obj.definition)
    if obj.kind == "view":
        return PGView("public", obj.name, obj.definition)
    if obj.kind == "materialized_view":
        return PGMaterializedView("public", obj.name, obj.definition, obj.with_data)
    if obj.kind == "trigger":
        return PGTrigger("public", obj.name, obj.definition, f"public.{obj.table}")
    return PGPolicy("public", obj.name, obj.definition, f"public.{obj.table}")


def prepare(count: int):
    admin = _admin_url()
    engine = create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    metadata = MetaData()
    for n in range(TABLES):
        Table(
            f"t{n}",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("a", Integer),
            Column("b", String(20)),
        )
    declared = objects(count)
    declare(*declared, metadata=metadata)
    engine = create_engine(make_url(admin).set(database=DATABASE), poolclass=NullPool)
    metadata.create_all(engine)
    with engine.begin() as connection:
        operations = Operations(MigrationContext.configure(connection))
        for obj in declared:
            operations.invoke(_create(obj, "public"))
        for table in sorted({obj.table for obj in declared if obj.kind == "policy"}):
            connection.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
    return engine, metadata, declared


def timed(engine, metadata: MetaData, compare) -> tuple[float, list]:
    with engine.connect() as connection:
        options = {"target_metadata": metadata, "include_schemas": False}
        context = AutogenContext(MigrationContext.configure(connection, opts=options), metadata)
        upgrade_ops = ops.UpgradeOps(ops=[])
        gc.collect()
        started = time.perf_counter()
        compare(context, upgrade_ops, {None} if compare is _compare_objects else [None])
        elapsed = time.perf_counter() - started
        connection.rollback()
        return elapsed, upgrade_ops.ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    no_record_flag(parser)
    args = parser.parse_args()
    engine, metadata, declared = prepare(args.objects)
    replaceable_entity.register_entities([as_alembic_utils(obj) for obj in declared])
    sides = {
        "workbench": _compare_objects,
        "alembic_utils": replaceable_entity.compare_registered_entities,
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    try:
        for name, compare in sides.items():  # warm-up, and neither may see a difference
            _, found = timed(engine, metadata, compare)
            if found:
                raise SystemExit(f"{name} reports differences on an in-sync database: {found[:3]}")
        order = list(sides)
        for _ in range(args.runs):
            for name in order:
                times[name].append(timed(engine, metadata, sides[name])[0])
            order.reverse()
    finally:
        engine.dispose()
    ours, theirs = (statistics.median(times[name]) for name in sides)
    print(f"{args.objects} in-sync objects ({args.runs} runs each, medians): zero differences")
    print(f"  workbench      {ours:8.3f} s")
    print(f"  alembic_utils  {theirs:8.3f} s")
    print(f"  ratio alembic_utils / workbench: {theirs / ours:.1f}x")
    label = f"compare {args.objects} objects"
    figure = Figure(label, round(ours, 2), "s", 1.0, baseline=f"alembic_utils {theirs:.1f} s")
    record("db_objects", [figure], note=f"{args.objects} in-sync objects, {args.runs} runs")
    if ours > 1.0:
        raise SystemExit(f"the workbench took {ours:.2f} s, over its 1 s target")


if __name__ == "__main__":
    main()

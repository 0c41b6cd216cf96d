"""Autogenerate at scale: plain Alembic vs the workbench vs bulk reflection alone (issues 7, 17).

    uv run --group bench python benchmarks/autogen_scale.py [--sizes 50,200,800] [--runs 5]
        [--url postgresql://...] [--skip-memory] [--skip-real-world] [--names convention,default]

Database: ``--url``, else DATABASE_URL, else TEST_DATABASE_URL (a PostgreSQL or MariaDB
server where it may create databases: ``--url mysql://root@127.0.0.1:3306/test``; or
``--url sqlite://`` for SQLite files in a temporary folder), else the embedded
PostgreSQL. For each size it creates a scratch
database of that many in-sync tables (10 columns, 2 indexes, a unique constraint and a
foreign key to the previous table each; the models' naming convention), then times, ABBA
alternated, garbage collected before each run, a fresh connection each:

- plain Alembic ``compare_metadata`` (``alembic.autogenerate.*``),
- the workbench's ``common.autogen.compare_metadata`` (every comparator on),
- bulk reflection alone: one Inspector, ``get_table_names`` and what the workbench's table
  loop reads before it compares (``common.autogen.tables.reflect_in_bulk``: every
  ``get_multi_*`` on PostgreSQL; the workbench's own readers of ``information_schema`` on
  MariaDB and of the ``pragma_*`` functions on SQLite),

and prints medians, statements sent, and the ratios Alembic / workbench (target >= 4x at
800 tables) and workbench / bulk reflection (target <= 1.25x on PostgreSQL). Both
comparisons must find no difference.

At the largest size it measures the peak RSS of the real command, ``python -m common
check`` on models declaring the same tables (target < 300 MB). The MusicBrainz schema
(below) is PostgreSQL's only.

The "default names" variant (``--names``) creates the same tables without the naming
convention, as plain Alembic or hand-written DDL leaves them (``t1_pkey``, ``t1_code_key``,
``t1_parent_id_fkey``, indexes ``t1_name_idx``), and compares the convention's models
with them: the workbench must find no difference and, through the unchanged-table
shortcut, take about the time it takes on the in-sync schema (issue 21, item 22); plain
Alembic's false differences (unique constraints and indexes compared by name) are
counted, not fatal.

Real-world schema: MusicBrainz's SQLAlchemy models, PyPI package ``mbdata`` 31.0.1
(https://github.com/metabrainz/mbdata, module ``mbdata.models``, 482 tables in five
schemas), installed by the ``bench`` dependency group; skipped when it is not importable.
Spurious differences on that in-sync schema are reported, not fatal.

Every scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "common" / "src"))

from alembic.autogenerate import compare_metadata as alembic_compare_metadata  # noqa: E402
from alembic.autogenerate.compare.util import _INSP_KEYS  # noqa: E402
from alembic.migration import MigrationContext  # noqa: E402
from results import Figure, no_record_flag, record  # noqa: E402  (benchmarks/results.py)
from rich.console import Console  # noqa: E402
from rich.table import Table as RichTable  # noqa: E402
from sqlalchemy import (  # noqa: E402
    URL,
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    make_url,
    text,
)
from sqlalchemy import inspect as sa_inspect  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from common.autogen import compare_metadata as workbench_compare_metadata  # noqa: E402
from common.autogen.tables import reflect_in_bulk  # noqa: E402
from common.migration_env import include_object  # noqa: E402
from common.models import NAMING_CONVENTION  # noqa: E402

PREFIX = "workbench_bench_scale"
# What PostgreSQL calls what plain DDL leaves unnamed; its keys it names itself.
DEFAULT_NAMES = {"ix": "%(table_name)s_%(column_0_N_name)s_idx"}
MB_SCHEMAS = ("musicbrainz", "cover_art_archive", "wikidocs", "statistics", "documentation")
MB_SOURCE = "mbdata 31.0.1 (PyPI), https://github.com/metabrainz/mbdata, mbdata.models"
console = Console(width=110)


def add_tables(metadata, count):
    """Tables t0..t<count-1>: 10 columns, 2 indexes, a unique constraint, a foreign key to
    the previous table (t0's parent_id refers to none)."""
    for n in range(count):
        parent = [ForeignKey(f"t{n - 1}.id")] if n else []
        Table(
            f"t{n}",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("name", String(100), nullable=False),
            Column("code", String(20), nullable=False),
            Column("email", String(200)),
            Column("amount", Numeric(12, 2), nullable=False, server_default=text("0")),
            Column("quantity", Integer, nullable=False, server_default=text("1")),
            Column("active", Boolean, nullable=False, server_default=text("true")),
            Column("notes", Text),
            Column("created_at", DateTime(timezone=True), server_default=func.now()),
            Column("parent_id", Integer, *parent),
            UniqueConstraint("code"),
            Index(None, "name"),
            Index(None, "parent_id", "created_at"),
        )


MODELS_MODULE = '''"""The synthetic tables of benchmarks/autogen_scale.py, on SQLModel.metadata."""

import common.models  # noqa: F401  (sets the naming convention on SQLModel.metadata)
from sqlalchemy import (
    Boolean, Column, DateTime, ForeignKey, Index, Integer, Numeric, String, Table, Text,
    UniqueConstraint, func, text,
)
from sqlmodel import SQLModel

{source}

add_tables(SQLModel.metadata, {count})
'''


def admin_url(flag: str | None) -> URL:
    raw = flag or os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if raw and raw.startswith("sqlite"):
        return make_url("sqlite://")
    if raw:
        from common.database import parse_url

        return parse_url(raw)
    from common.config import load_settings
    from common.embedded import ensure_database

    return ensure_database(load_settings().pgdata, "postgres")


def server_version(url: URL) -> str:
    engine = create_engine(url, poolclass=NullPool)
    query = "SELECT 'SQLite ' || sqlite_version()" if url.get_backend_name() == "sqlite" else None
    try:
        with engine.connect() as connection:
            found = connection.execute(text(query or "SELECT version()")).scalar()
            return found.split(" on ")[0]
    finally:
        engine.dispose()


class Scratch:
    """Scratch databases on one server (or SQLite files), all dropped by ``drop_all``."""

    def __init__(self, admin: URL) -> None:
        self.admin = admin
        self.created: list[str] = []
        self.backend = admin.get_backend_name()
        self.folder = tempfile.TemporaryDirectory() if self.backend == "sqlite" else None
        quote = "`" if self.backend in ("mysql", "mariadb") else '"'
        force = " WITH (FORCE)" if self.backend == "postgresql" else ""
        self._drop = f"DROP DATABASE IF EXISTS {quote}{{}}{quote}{force}"
        self._create = f"CREATE DATABASE {quote}{{}}{quote}"

    def _execute(self, sql: str) -> None:
        engine = create_engine(self.admin, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()

    def create(self, name: str) -> Engine:
        if self.folder is not None:
            path = Path(self.folder.name, f"{name}.db")
            path.unlink(missing_ok=True)
            return create_engine(self.admin.set(database=str(path)), poolclass=NullPool)
        self._execute(self._drop.format(name))
        self._execute(self._create.format(name))
        self.created.append(name)
        return create_engine(make_url(self.admin).set(database=name), poolclass=NullPool)

    def drop_all(self) -> None:
        for name in self.created:
            self._execute(self._drop.format(name))
        self.created.clear()
        if self.folder is not None:
            self.folder.cleanup()


def plain_alembic(metadata: MetaData, schemas: tuple[str, ...] = ()) -> Callable:
    options: dict[str, Any] = {
        "compare_type": True,
        "compare_server_default": True,
        "target_metadata": metadata,
        "include_schemas": bool(schemas),
        "include_object": include_object,
        "autogenerate_plugins": ["alembic.autogenerate.*"],
    }
    if schemas:
        options["include_name"] = lambda name, type_, parents: (
            type_ != "schema" or name is None or name in schemas
        )

    def run(connection) -> list:
        context = MigrationContext.configure(connection, opts=options)
        return alembic_compare_metadata(context, metadata)

    return run


def workbench(metadata: MetaData) -> Callable:
    from common.config import load_settings

    settings = load_settings()  # the comparison's scope (schemas, include/exclude)
    return lambda connection: workbench_compare_metadata(connection, metadata, settings)


def bulk_reflection(schemas: tuple[str | None, ...] = (None,)) -> Callable:
    def run(connection) -> None:
        inspector = sa_inspect(connection)
        wanted = {}
        for schema in schemas:
            names = inspector.get_table_names(schema=schema)
            wanted[schema] = (names, set(names))
        reflect_in_bulk(inspector, wanted)
        assert all(f"alembic_{key}" in inspector.info_cache for key in _INSP_KEYS)

    return run


@contextmanager
def statement_counter(engine: Engine) -> Iterator[list[int]]:
    count = [0]

    def listener(*_args: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def run_once(engine: Engine, side: Callable) -> tuple[float, int, list]:
    gc.collect()
    with engine.connect() as connection, statement_counter(engine) as count:
        started = time.perf_counter()
        diffs = side(connection) or []
        elapsed = time.perf_counter() - started
    return elapsed, count[0], diffs


def measure(engine: Engine, sides: dict[str, Callable], runs: int) -> dict[str, dict]:
    """A warm-up run of each side (its diffs kept), then ``runs`` ABBA-alternated runs."""
    results = {name: {"times": [], "statements": []} for name in sides}
    for name, side in sides.items():
        results[name]["diffs"] = run_once(engine, side)[2]
    order = list(sides)
    for _ in range(runs):
        for name in order:
            elapsed, statements, _ = run_once(engine, sides[name])
            results[name]["times"].append(elapsed)
            results[name]["statements"].append(statements)
        order.reverse()
    for result in results.values():
        result["median"] = statistics.median(result["times"])
    return results


def diff_kind(diff: Any) -> str:
    return diff[0][0] if isinstance(diff, list) else diff[0]


def describe(diff: Any) -> str:
    return textwrap.shorten(repr(diff), 300)


DIALECT = ""  # set by main() from the server's version
FIGURES: list[Figure] = []  # the largest size's headline figures, for record()


def short_name(version: str) -> str:
    """``PG 15``, ``MariaDB 10.11``, ``SQLite 3.40``: the label prefix of a recorded figure."""
    words = version.replace("-", " ").split()
    if version.startswith("PostgreSQL"):
        return f"PG {words[1].split('.')[0]}"
    if version.startswith("SQLite"):
        return "SQLite " + ".".join(words[1].split(".")[:2])
    name = "MariaDB" if "MariaDB" in version else "MySQL"
    return f"{name} " + ".".join(words[0].split(".")[:2])


def report(title: str, results: dict[str, dict], targets: bool) -> None:
    console.print(title)
    table = RichTable()
    for heading in ("side", "median (s)", "min (s)", "statements"):
        table.add_column(heading, justify="left" if heading == "side" else "right")
    for name, result in results.items():
        statements = sorted(set(result["statements"]))
        table.add_row(
            name,
            f"{result['median']:.3f}",
            f"{min(result['times']):.3f}",
            "/".join(str(s) for s in statements),
        )
    console.print(table)
    alembic, bench, bulk = (results[name]["median"] for name in results)
    speedup, overhead = alembic / bench, bench / bulk
    goal_a = f"  (target >= 4x: {'met' if speedup >= 4 else 'NOT met'})" if targets else ""
    goal_b = f"  (target <= 1.25x: {'met' if overhead <= 1.25 else 'NOT met'})" if targets else ""
    console.print(f"  Alembic / workbench: {speedup:.1f}x{goal_a}")
    console.print(f"  workbench / bulk reflection: {overhead:.2f}x{goal_b}")
    if targets:
        FIGURES.append(
            Figure(
                f"{DIALECT}: speed-up over plain Alembic",
                round(speedup, 1),
                "x",
                4.0,
                "higher",
                f"plain Alembic {alembic:.3f} s",
            )
        )
        FIGURES.append(
            Figure(
                f"{DIALECT}: workbench vs bulk reflection",
                round(overhead, 2),
                "x",
                1.25 if DIALECT.startswith("PG") else None,
                "lower",
                f"bulk reflection {bulk:.3f} s",
            )
        )


def _sides(metadata: MetaData) -> dict[str, Callable]:
    return {
        "plain Alembic": plain_alembic(metadata),
        "workbench": workbench(metadata),
        "bulk reflection": bulk_reflection(),
    }


def synthetic(scratch: Scratch, size: int, runs: int, largest: bool) -> Engine:
    engine = scratch.create(f"{PREFIX}_{size}")
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    add_tables(metadata, size)
    metadata.create_all(engine)
    results = measure(engine, _sides(metadata), runs)
    diffs = results["workbench"]["diffs"]
    if diffs:
        listed = "; ".join(describe(d) for d in diffs[:3])
        raise SystemExit(f"the workbench reports {len(diffs)} difference(s) at {size}: {listed}")
    title = f"{size} tables, in sync, {runs} runs (ABBA), medians; the workbench found none"
    report(title, results, targets=largest)
    spurious = results["plain Alembic"]["diffs"]
    if spurious:  # MariaDB: DECIMAL 0 read back as 0.00, true as 1, now() as current_timestamp()
        kinds = dict(Counter(diff_kind(d) for d in spurious))
        console.print(f"  plain Alembic: {len(spurious)} spurious difference(s) {kinds}")
    return engine


def default_names(scratch: Scratch, size: int, runs: int) -> None:
    """The same tables named by the database, compared with the convention's models."""
    engine = scratch.create(f"{PREFIX}_{size}_default_names")
    built = MetaData(naming_convention=DEFAULT_NAMES)
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for tables in (built, metadata):
        add_tables(tables, size)
    try:
        built.create_all(engine)
        results = measure(engine, _sides(metadata), runs)
    finally:
        engine.dispose()
    title = f"{size} tables named by the database (no convention), {runs} runs (ABBA), medians"
    report(title, results, targets=False)
    for name in ("plain Alembic", "workbench"):
        diffs = results[name]["diffs"]
        kinds = dict(Counter(diff_kind(d) for d in diffs))
        must = " (must be none)" if name == "workbench" else ""
        console.print(f"  {name}: {len(diffs)} difference(s){must} {kinds or ''}")


def peak_memory(engine: Engine, size: int) -> None:
    """Peak RSS of ``python -m common check`` on models declaring ``size`` synthetic tables."""
    from common.config import load_settings
    from common.revisions import build_config, load_scripts

    scripts = load_scripts(build_config(load_settings()))
    with engine.begin() as connection:  # check refuses a database behind head
        MigrationContext.configure(connection).stamp(scripts, "head")
    with tempfile.TemporaryDirectory() as folder:
        source = MODELS_MODULE.format(source=inspect.getsource(add_tables), count=size)
        Path(folder, "bench_scale_models.py").write_text(source)
        env = {
            **os.environ,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "WORKBENCH_MODELS_MODULE": "bench_scale_models",
            "PYTHONPATH": os.pathsep.join(filter(None, [folder, os.environ.get("PYTHONPATH")])),
        }
        with tempfile.TemporaryFile() as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "common", "check"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            output = out.read().decode(errors="replace").strip()
    if process.returncode != 0:
        raise SystemExit(f"`python -m common check` exited {process.returncode}:\n{output}")
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    FIGURES.append(Figure(f"peak memory of check, {DIALECT}", round(peak), "MB", 300))
    console.print(
        f"Peak memory of `python -m common check` (database stamped at head, models module "
        f"declaring the {size} tables; its own wait4 rusage): {peak:.0f} MB "
        f"(target < 300 MB: {'met' if peak < 300 else 'NOT met'}); it said: {output!r}"
    )


def load_mbdata() -> MetaData | None:
    try:
        import mbdata.config

        mbdata.config.configure(use_cube=False)  # the cube extension may be missing
        from mbdata.models import Base
    except ImportError as exc:
        console.print(f"Real-world schema skipped: mbdata is not importable ({exc}).")
        return None
    return Base.metadata


def real_world(scratch: Scratch, runs: int) -> None:
    metadata = load_mbdata()
    if metadata is None:
        return
    # musicbrainz.place.coordinates and others are PostgreSQL's point, which SQLAlchemy
    # reflects as NullType (compared as "unknown", never as a difference) with a warning
    warnings.filterwarnings("ignore", message="Did not recognize type 'point'")
    engine = scratch.create(f"{PREFIX}_mbdata")
    with engine.begin() as connection:
        for schema in MB_SCHEMAS:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    metadata.create_all(engine)
    schemas = sorted({t.schema for t in metadata.tables.values()}, key=str)
    sides = {
        "plain Alembic": plain_alembic(metadata, MB_SCHEMAS),
        "workbench": workbench(metadata),
        "bulk reflection": bulk_reflection((None, *MB_SCHEMAS)),
    }
    try:
        results = measure(engine, sides, runs)
    finally:
        engine.dispose()
    console.print(f"Real-world schema: {MB_SOURCE}")
    console.print(
        f"  {len(metadata.tables)} tables in schemas {', '.join(map(str, schemas))}; bulk "
        "reflection reads those and the default schema (as the workbench does)"
    )
    report(f"MusicBrainz, in sync, {runs} runs (ABBA), medians", results, targets=False)
    for name in ("plain Alembic", "workbench"):
        diffs = results[name]["diffs"]
        if not diffs:
            console.print(f"  {name}: no difference")
            continue
        kinds = Counter(diff_kind(d) for d in diffs)
        console.print(f"  {name}: {len(diffs)} SPURIOUS difference(s): {dict(kinds)}")
        for diff in diffs[:5]:
            console.print(f"    {describe(diff)}", markup=False, highlight=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,800", help="comma-separated table counts")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per side")
    parser.add_argument("--url", help="PostgreSQL server URL (default: see the docstring)")
    parser.add_argument("--skip-memory", action="store_true", help="no peak memory run")
    parser.add_argument("--skip-real-world", action="store_true", help="no MusicBrainz run")
    parser.add_argument(
        "--names",
        default="convention,default",
        help="variants: convention (in sync), default (named by PostgreSQL), or both",
    )
    no_record_flag(parser)
    args = parser.parse_args()
    variants = {name.strip() for name in args.names.split(",")}
    sizes = sorted(int(size) for size in args.sizes.split(",") if size.strip())
    admin = admin_url(args.url)
    scratch = Scratch(admin)
    global DIALECT
    version = server_version(admin)
    DIALECT = short_name(version)
    console.print(f"Server: {admin.render_as_string(hide_password=True)}, {version}")
    console.print(f"Load (os.getloadavg, 1/5/15 min): {os.getloadavg()}")
    try:
        for size in sizes:
            if "convention" in variants:
                engine = synthetic(scratch, size, args.runs, largest=size == sizes[-1])
                try:
                    if size == sizes[-1] and not args.skip_memory:
                        peak_memory(engine, size)
                finally:
                    engine.dispose()
            if "default" in variants:
                default_names(scratch, size, args.runs)
        if not args.skip_real_world and scratch.backend == "postgresql":
            real_world(scratch, args.runs)
    finally:
        scratch.drop_all()
    if FIGURES:
        record("autogen_scale", FIGURES, note=f"{sizes[-1]} in-sync tables, {args.runs} ABBA runs")


if __name__ == "__main__":
    main()

"""End-to-end migration scenarios: old models with rows -> new models -> and back.

``Scenario.run`` drives the real command line in a scratch project: create and apply
the old models, insert rows, switch to the new models, ``create-migration`` (with any
``--rename`` hints), ``update-db``; then the schema must equal a fresh ``create_all`` of
the new models (names included), ``downgrade`` must give back the old models' schema,
and the caller checks the rows at each point.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import URL, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from tests.project import ScratchProject, schema_snapshot

_CREATE_ALL = """
import common.models, importlib, sys
from sqlalchemy import create_engine
from sqlmodel import SQLModel
importlib.import_module("scratch_models")
engine = create_engine(sys.argv[1])
SQLModel.metadata.create_all(engine)
engine.dispose()
"""


def full_snapshot(url: URL) -> dict:
    """``schema_snapshot`` plus primary key and CHECK names, defaults and sequences."""
    snapshot = schema_snapshot(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        inspector = inspect(engine)
        for table, info in snapshot.items():
            info["pk"] = inspector.get_pk_constraint(table).get("name")
            if engine.dialect.name != "postgresql":
                info["pk"] = None  # MySQL: always PRIMARY; SQLite: not kept by batch copies
            info["checks"] = sorted(c["name"] for c in inspector.get_check_constraints(table))
            info["defaults"] = {
                c["name"]: str(c.get("default")) for c in inspector.get_columns(table)
            }
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT relname FROM pg_class WHERE relkind = 'S' ORDER BY relname")
                )
                # the workbench's own bookkeeping (alembic_history) is not the user's schema
                snapshot["(sequences)"] = [r[0] for r in rows if not r[0].startswith("alembic_")]
        return snapshot
    finally:
        engine.dispose()


def assert_same_schema(actual: dict, expected: dict) -> None:
    """Equal snapshots, or an assertion naming each table and part that differs."""
    problems = []
    for table in sorted(set(actual) | set(expected)):
        mine, theirs = actual.get(table), expected.get(table)
        if mine == theirs:
            continue
        if not isinstance(mine, dict) or not isinstance(theirs, dict):
            problems.append(f"{table}: {mine!r} != {theirs!r}")
            continue
        for part in sorted(set(mine) | set(theirs)):
            if mine.get(part) != theirs.get(part):
                problems.append(f"{table}.{part}: {mine.get(part)!r} != {theirs.get(part)!r}")
    assert not problems, "schemas differ:\n" + "\n".join(problems)


def compact(source: str) -> str:
    """Script text without whitespace, quotes unified, no magic trailing commas.

    Lets tests look for a call however ruff wrapped it.
    """
    flat = re.sub(r"\s+", "", source).replace('"', "'")
    return flat.replace(",)", ")").replace(",]", "]")


def query(url: URL, sql: str) -> list[tuple]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def execute(url: URL, *statements: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


@dataclass
class Scenario:
    """One change between two model files, applied to a database holding rows."""

    project: ScratchProject
    url: URL
    fresh_url: Callable[[], URL]
    old_models: str
    new_models: str
    seed: list[str] = field(default_factory=list)
    script: str = ""
    old_schema: dict = field(default_factory=dict)

    def create_all(self, models: str) -> dict:
        """The schema a fresh ``create_all`` of ``models`` gives, in another database."""
        url = self.fresh_url()
        self.project.write_models(models)
        rendered = url.render_as_string(hide_password=False)
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_CREATE_ALL), rendered],
            cwd=self.project.root,
            env=self.project.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return full_snapshot(url)

    def prepare(self) -> None:
        """Old models created and applied, rows inserted."""
        self.project.use_database(self.url)
        self.project.write_models(self.old_models)
        self.project.ok("create-migration", "Old models")
        self.project.ok("update-db")
        execute(self.url, *self.seed)
        self.old_schema = full_snapshot(self.url)
        assert_same_schema(self.old_schema, self.create_all(self.old_models))

    def generate(self, *args: str) -> str:
        self.project.write_models(self.new_models)
        self.project.ok("create-migration", "New models", *args)
        self.script = self.project.revision_files()[-1].read_text()
        return self.script

    def upgrade_converges(self) -> None:
        self.project.write_models(self.new_models)
        self.project.ok("update-db")
        assert_same_schema(full_snapshot(self.url), self.create_all(self.new_models))
        self.project.write_models(self.new_models)
        check = self.project.run("check")
        assert check.returncode == 0, check.output

    def downgrade_converges(self) -> None:
        self.project.write_models(self.old_models)
        self.project.ok("downgrade")
        assert_same_schema(full_snapshot(self.url), self.old_schema)

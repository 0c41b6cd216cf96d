"""Scenario runner for the autogenerate tests: old models with rows -> new models.

Each scenario goes through the real command line: create-migration and update-db for
the old models, rows inserted, create-migration and update-db for the new models, the
schema compared with a fresh ``create_all`` of the new models in a second database,
``check`` clean, the rows checked, then ``downgrade`` back to the old schema and rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from common.autogen.check_constraints import normalize

CREATE_ALL = """
import sys
import common.models
import scratch_models
from sqlalchemy import create_engine
from sqlmodel import SQLModel
engine = create_engine(sys.argv[1])
SQLModel.metadata.create_all(engine)
engine.dispose()
"""

# Alembic's diff list for the models, with the unchanged-table shortcut and without it
# (common.autogen.tables looks ``unchanged_tables`` up at call time, so replacing it with
# a function that proves nothing sends every table through Alembic's full comparison).
BOTH_COMPARISONS = """
import json
import re
import sys
import common.autogen.tables as tables
import common.models
import scratch_models
from common.autogen import compare_metadata
from sqlalchemy import create_engine
from sqlmodel import SQLModel

def diffs():
    engine = create_engine(sys.argv[1])
    with engine.connect() as connection:
        found = compare_metadata(connection, SQLModel.metadata)
    engine.dispose()
    return sorted(re.sub(r" at 0x[0-9a-f]+", "", repr(diff)) for diff in found)

with_shortcut = diffs()
tables.unchanged_tables = lambda *args: set()
print(json.dumps([with_shortcut, diffs()]))
"""


@pytest.fixture
def pg_pair(pg_server) -> Iterator[tuple[URL, URL]]:
    """Two fresh databases on one PostgreSQL server: migrated, and create_all."""
    urls = (pg_server.create_database(), pg_server.create_database())
    yield urls
    for url in urls:
        pg_server.drop_database(url)


@pytest.fixture
def mysql_pair(mysql_server) -> Iterator[tuple[URL, URL]]:
    urls = (mysql_server.create_database(), mysql_server.create_database())
    yield urls
    for url in urls:
        mysql_server.drop_database(url)


@pytest.fixture
def sqlite_pair(tmp_path: Path) -> tuple[URL, URL]:
    return (
        URL.create("sqlite", database=str(tmp_path / "migrated.db")),
        URL.create("sqlite", database=str(tmp_path / "fresh.db")),
    )


def _url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _normalize(value: object) -> object:
    return " ".join(str(value).split()) if value is not None else None


def snapshot(url: URL) -> dict:
    """Everything the scenarios change, by name: a converged migration matches create_all."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        inspector = inspect(engine)
        result: dict = {}
        if engine.dialect.name == "postgresql":
            result["enums"] = sorted((e["name"], tuple(e["labels"])) for e in inspector.get_enums())
        for name in sorted(inspector.get_table_names()):
            if name.startswith("alembic_"):
                continue
            result[name] = _table_snapshot(inspector, name)
        return result
    finally:
        engine.dispose()


def _table_snapshot(inspector, name: str) -> dict:
    def options(item: dict) -> tuple:
        return tuple(sorted((k, _normalize(v)) for k, v in item.get("dialect_options", {}).items()))

    return {
        "columns": sorted(
            (
                c["name"],
                str(c["type"]).lower(),
                c["nullable"],
                _normalize(c.get("default")),
                c.get("comment"),
                _normalize(c.get("computed")),
                bool(c.get("identity")),
            )
            for c in inspector.get_columns(name)
        ),
        "pk": tuple(inspector.get_pk_constraint(name)["constrained_columns"]),
        "indexes": sorted(
            (
                i["name"],
                tuple(str(c) for c in i["column_names"]),
                tuple(_normalize(e) for e in i.get("expressions", ()) or ()),
                bool(i["unique"]),
                tuple(i.get("include_columns", ()) or ()),
                options(i),
            )
            for i in inspector.get_indexes(name)
        ),
        "uniques": sorted(
            (u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(name)
        ),
        "foreign_keys": sorted(
            (
                f["name"],
                tuple(f["constrained_columns"]),
                f["referred_table"],
                tuple(sorted((f.get("options") or {}).items())),
            )
            for f in inspector.get_foreign_keys(name)
        ),
        "checks": sorted(
            (c["name"], normalize(c["sqltext"])) for c in inspector.get_check_constraints(name)
        ),
        "comment": _table_comment(inspector, name),
    }


def _table_comment(inspector, name: str) -> str | None:
    if not inspector.dialect.supports_comments:
        return None
    return inspector.get_table_comment(name).get("text")


def rows(url: URL, query: str) -> list[tuple]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


def execute(url: URL, *statements: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


@dataclass
class Scenario:
    """Old and new models, rows to insert under the old ones, and a query to check them."""

    old: str
    new: str
    seed: list[str] = field(default_factory=list)
    query: str | None = None
    expected_rows: list[tuple] | None = None
    compare_shortcut: bool = False

    def run(self, project, pair: tuple[URL, URL]) -> str:
        """Run the whole round trip; returns the generated revision's source."""
        url, fresh = pair
        project.use_database(url)
        project.write_models(self.old)
        project.ok("create-migration", "Old models")
        project.ok("update-db")
        execute(url, *self.seed)
        old_schema = snapshot(url)
        old_rows = rows(url, self.query) if self.query else None

        project.write_models(self.new)
        if self.compare_shortcut:
            fast, full = both_comparisons(project, url)
            assert fast == full and full, "the shortcut changed the diffs"
        project.ok("create-migration", "The change")
        script = project.revision_files()[-1].read_text()
        project.ok("update-db")
        if self.compare_shortcut:
            assert both_comparisons(project, url) == ([], []), script
        self.create_all(project, fresh)
        assert snapshot(url) == snapshot(fresh), script
        check = project.run("check")
        assert check.returncode == 0, check.output + script
        if self.query:
            expected = self.expected_rows if self.expected_rows is not None else old_rows
            assert rows(url, self.query) == expected

        project.ok("downgrade")
        assert snapshot(url) == old_schema, script
        if self.query:
            assert rows(url, self.query) == old_rows
        return script

    @staticmethod
    def create_all(project, url: URL) -> None:
        _run_with_models(project, CREATE_ALL, url)


def _run_with_models(project, source: str, url: URL) -> str:
    """Run ``source`` in a new process that imports the scratch project's models."""
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), _url_text(url)],
        cwd=project.root,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def both_comparisons(project, url: URL) -> tuple[list[str], list[str]]:
    """The diffs found with the unchanged-table shortcut, and with the full comparison."""
    fast, full = json.loads(_run_with_models(project, BOTH_COMPARISONS, url))
    return fast, full

"""End-to-end migration scenarios: old models with rows -> new models -> and back.

The one harness for every autogenerate scenario. ``Scenario.run`` drives the workbench's
commands in a scratch project (in-process, see tests/project.py): create and apply the
old models, insert rows, switch to the new models, ``create-migration`` (with any
``--rename`` hints), ``update-db``; then the schema must equal a fresh ``create_all`` of
the new models in a second database (names included), ``check`` must be clean, the rows
must be as expected, and ``downgrade`` must give back the old schema and rows. Tests
that look at the script or the rows between steps call the steps themselves:
``prepare``, ``generate``, ``upgrade_converges``, ``downgrade_converges``.

The snapshot is deliberately strict (every name, default, comment, identity option, CHECK
expression, index option, enum label and sequence) so that a migration that only nearly
converges fails here rather than in a user's database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from unittest import mock

from sqlalchemy import URL, Connection, MetaData, create_engine, inspect, text
from sqlalchemy.engine import Inspector
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateSchema

import common.autogen.tables
from common.autogen import compare_metadata
from common.autogen.check_constraints import normalize

# PostgreSQL's own schemas; every other schema is the user's and is compared.
_SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "pg_toast"}


def create_all(metadata: MetaData, url: URL) -> None:
    """``metadata.create_all``, after creating the schemas the models name on PostgreSQL."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        if engine.dialect.name == "postgresql":
            named = set()
            for table in metadata.tables.values():
                named.add(table.schema)
                named.update(getattr(column.type, "schema", None) for column in table.columns)
            with engine.begin() as connection:
                for schema in sorted(name for name in named if name):
                    connection.execute(CreateSchema(schema, if_not_exists=True))
        metadata.create_all(engine)
    finally:
        engine.dispose()


def diffs(metadata: MetaData, url: URL, settings) -> list[str]:
    """Alembic's diff list for ``metadata`` against ``url``, as comparable text."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            found = compare_metadata(connection, metadata, settings)
    finally:
        engine.dispose()
    return sorted(re.sub(r" at 0x[0-9a-f]+", "", repr(diff)) for diff in found)


def _normalize(value: object) -> object:
    return " ".join(str(value).split()) if value is not None else None


def snapshot(url: URL | str) -> dict:
    """Everything a migration can change, by name: a converged migration matches create_all.

    Keys are table names (``schema.table`` outside the default schema); on PostgreSQL also
    ``(schemas)``, ``(enums)`` and ``(sequences)`` when there are any, so that an empty
    database gives ``{}``.
    """
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return _snapshot(connection)
    finally:
        engine.dispose()


def _snapshot(connection: Connection) -> dict:
    """``snapshot`` on one connection (an Inspector on an Engine connects per query)."""
    inspector = inspect(connection)
    result: dict = {}
    schemas: list[str | None] = [None]
    if connection.dialect.name == "postgresql":
        others = sorted(
            name
            for name in inspector.get_schema_names()
            if name not in _SYSTEM_SCHEMAS
            and not name.startswith("pg_")
            and name != inspector.default_schema_name
        )
        schemas += others
        extras = {
            "(schemas)": others,
            "(enums)": sorted(
                (e["schema"], e["name"], tuple(e["labels"])) for e in inspector.get_enums("*")
            ),
            "(sequences)": _sequences(connection),
        }
        result.update((key, value) for key, value in extras.items() if value)
    for schema in schemas:
        # the workbench's own bookkeeping tables are not the user's schema
        names = [
            n for n in inspector.get_table_names(schema=schema) if not n.startswith("alembic_")
        ]
        reflected = _Reflected(inspector, schema, names)
        for name in sorted(names):
            key = name if schema is None else f"{schema}.{name}"
            result[key] = _table_snapshot(reflected, name, schema)
    return result


class _Reflected:
    """The Inspector's per-table answers for one schema, read with one query per kind.

    ``get_multi_*`` is what the per-table methods call on PostgreSQL anyway; asking once
    per schema instead of once per table and kind is a fraction of the catalog queries.
    """

    _KINDS = (
        "columns",
        "pk_constraint",
        "indexes",
        "unique_constraints",
        "foreign_keys",
        "check_constraints",
        "table_comment",
    )

    def __init__(self, inspector: Inspector, schema: str | None, names: list[str]) -> None:
        self.dialect = inspector.dialect
        kinds = self._KINDS if self.dialect.supports_comments else self._KINDS[:-1]
        self._found = {
            kind: getattr(inspector, f"get_multi_{kind}")(schema=schema, filter_names=names)
            for kind in kinds
        }

    def _one(self, kind: str, name: str, schema: str | None):
        return self._found[kind][(schema, name)]

    def get_columns(self, name, schema=None):
        return self._one("columns", name, schema)

    def get_pk_constraint(self, name, schema=None):
        return self._one("pk_constraint", name, schema)

    def get_indexes(self, name, schema=None):
        return self._one("indexes", name, schema)

    def get_unique_constraints(self, name, schema=None):
        return self._one("unique_constraints", name, schema)

    def get_foreign_keys(self, name, schema=None):
        return self._one("foreign_keys", name, schema)

    def get_check_constraints(self, name, schema=None):
        return self._one("check_constraints", name, schema)

    def get_table_comment(self, name, schema=None):
        return self._one("table_comment", name, schema)


def _sequences(connection: Connection) -> list[tuple[str, str]]:
    rows = connection.execute(
        text(
            "SELECT n.nspname, c.relname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' ORDER BY 1, 2"
        )
    )
    return [(r[0], r[1]) for r in rows if not r[1].startswith("alembic_")]


def _table_snapshot(inspector: _Reflected, name: str, schema: str | None) -> dict:
    def options(item: dict) -> tuple:
        return tuple(sorted((k, _normalize(v)) for k, v in item.get("dialect_options", {}).items()))

    def identity(column: dict) -> tuple | None:
        found = column.get("identity")
        return tuple(sorted(found.items())) if found else None

    pk = inspector.get_pk_constraint(name, schema=schema)
    # MySQL/MariaDB always name it PRIMARY (reflected as None); SQLite keeps the name in
    # the CREATE TABLE text, through batch copies too.
    pk_name = pk.get("name")
    return {
        "columns": sorted(
            (
                c["name"],
                str(c["type"]).lower(),
                c["nullable"],
                _normalize(c.get("default")),
                c.get("comment"),
                _normalize(c.get("computed")),
                identity(c),
            )
            for c in inspector.get_columns(name, schema=schema)
        ),
        "pk": (pk_name, tuple(pk["constrained_columns"])),
        "indexes": sorted(
            (
                i["name"],
                tuple(str(c) for c in i["column_names"]),
                tuple(_normalize(e) for e in i.get("expressions", ()) or ()),
                bool(i["unique"]),
                tuple(i.get("include_columns", ()) or ()),
                options(i),
            )
            for i in inspector.get_indexes(name, schema=schema)
        ),
        "uniques": sorted(
            (u["name"], tuple(u["column_names"]))
            for u in inspector.get_unique_constraints(name, schema=schema)
        ),
        "foreign_keys": sorted(
            (
                f["name"],
                tuple(f["constrained_columns"]),
                f.get("referred_schema"),
                f["referred_table"],
                tuple(f["referred_columns"]),
                tuple(sorted((f.get("options") or {}).items())),
            )
            for f in inspector.get_foreign_keys(name, schema=schema)
        ),
        "checks": sorted(
            (c["name"], normalize(c["sqltext"]))
            for c in inspector.get_check_constraints(name, schema=schema)
        ),
        "comment": _table_comment(inspector, name, schema),
    }


def _table_comment(inspector: _Reflected, name: str, schema: str | None) -> str | None:
    if not inspector.dialect.supports_comments:
        return None
    return inspector.get_table_comment(name, schema=schema).get("text")


def assert_same_schema(actual: dict, expected: dict, script: str = "") -> None:
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
    assert not problems, "schemas differ:\n" + "\n".join(problems) + "\n" + script


def compact(source: str) -> str:
    """Script text without whitespace, quotes unified, no magic trailing commas.

    Lets tests look for a call however ruff wrapped it.
    """
    flat = re.sub(r"\s+", "", source).replace('"', "'")
    return flat.replace(",)", ")").replace(",]", "]")


def rows(url: URL, sql: str) -> list[tuple]:
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
    """Old and new models, rows to insert under the old ones, and a query to check them.

    ``expected_rows`` is what the rows look like after the upgrade: ``new_query``'s result
    when given (for a change the old query cannot see, such as a backfilled new column),
    else ``query``'s (default: the rows it returned before, the data kept as it was).
    ``query`` also checks that the downgrade gives the old rows back. ``args`` go to the
    second create-migration (``--rename`` hints). ``compare_shortcut`` also asserts that
    the unchanged-table shortcut (common.autogen.unchanged) finds exactly the differences
    Alembic's full comparison finds, before the upgrade and after it (none).
    """

    old: str
    new: str
    seed: list[str] = field(default_factory=list)
    query: str | None = None
    expected_rows: list[tuple] | None = None
    args: tuple[str, ...] = ()
    new_query: str | None = None
    compare_shortcut: bool = False
    project: object = None
    url: URL | None = None
    fresh: URL | None = None
    script: str = ""
    old_schema: dict = field(default_factory=dict)
    old_rows: list[tuple] | None = None

    def run(self, project, pair: tuple[URL, URL]) -> str:
        """The whole round trip; returns the generated revision's source."""
        self.prepare(project, pair)
        self.generate(*self.args)
        self.upgrade_converges()
        self.downgrade_converges()
        return self.script

    def prepare(self, project, pair: tuple[URL, URL]) -> None:
        """Old models created and applied, rows inserted, the old schema recorded."""
        self.project, (self.url, self.fresh) = project, pair
        project.use_database(self.url)
        project.write_models(self.old)
        project.ok("create-migration", "Old models")
        project.ok("update-db")
        execute(self.url, *self.seed)
        self.old_schema = snapshot(self.url)
        self.old_rows = rows(self.url, self.query) if self.query else None

    def generate(self, *args: str) -> str:
        """create-migration for the new models; returns the revision's source."""
        self.project.write_models(self.new)
        if self.compare_shortcut:
            fast, full = self.both_comparisons()
            assert fast == full and full, f"the shortcut changed the diffs: {fast} != {full}"
        self.project.ok("create-migration", "The change", *args)
        self.script = self.project.revision_files()[-1].read_text()
        return self.script

    def upgrade_converges(self) -> None:
        """update-db gives create_all's schema, check is clean, the rows are as expected."""
        self.project.write_models(self.new)
        self.project.ok("update-db")
        if self.compare_shortcut:
            assert self.both_comparisons() == ([], []), self.script
        with self.project.models() as metadata:
            create_all(metadata, self.fresh)
        assert_same_schema(snapshot(self.url), snapshot(self.fresh), self.script)
        check = self.project.run("check")
        assert check.returncode == 0, check.output + self.script
        if self.new_query:
            assert rows(self.url, self.new_query) == self.expected_rows, self.script
        elif self.query:
            expected = self.expected_rows if self.expected_rows is not None else self.old_rows
            assert rows(self.url, self.query) == expected, self.script

    def downgrade_converges(self) -> None:
        """downgrade gives back the old schema and, when a query is given, the old rows."""
        self.project.write_models(self.old)
        self.project.ok("downgrade")
        assert_same_schema(snapshot(self.url), self.old_schema, self.script)
        if self.query:
            assert rows(self.url, self.query) == self.old_rows, self.script

    def both_comparisons(self) -> tuple[list[str], list[str]]:
        """The diffs found with the unchanged-table shortcut, and with the full comparison.

        ``common.autogen.tables`` looks ``unchanged_tables`` up at call time, so replacing
        it with a function that proves nothing sends every table through Alembic's full
        comparison.
        """
        settings = self.project.settings()
        with self.project.models() as metadata:
            fast = diffs(metadata, self.url, settings)
            with mock.patch.object(common.autogen.tables, "unchanged_tables", lambda *a: set()):
                full = diffs(metadata, self.url, settings)
        return fast, full

"""Every private Alembic and SQLAlchemy name the workbench still uses, in one place.

Each has no public equivalent today (the README's "Dependencies" names the tested Alembic
range, and ``common/pyproject.toml`` pins it). Modules import these names from here, never
from the libraries, so an upgrade that moves one fails in one place with one line naming
the name and the installed version, and ``tests/test_alembic_private.py`` checks every entry
without a database. Names the code reaches as attributes of objects Alembic or SQLAlchemy
hand over (``script._upgrade_revs``) are listed too, with a sample object to probe.

Before adding a name, look for a public seam: ``render_item``, ``renderers.dispatch_for``,
``Rewriter``, ``process_revision_directives``, ``on_version_apply``,
``Operations.implementation_for``, comparator plugins, ``MigrationContext.opts``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import alembic
import sqlalchemy

TESTED_ALEMBIC = ">=1.20,<1.21"  # keep in step with common/pyproject.toml


class PrivateNameMovedError(ImportError):
    """A private name the workbench relies on is gone from the installed library."""


@dataclass(frozen=True)
class Private:
    """``name`` (dotted from ``module``; a method as ``Class.method``), who uses it, why."""

    module: str
    name: str
    used_by: str
    why: str
    sample: Callable[[], Any] | None = None  # an instance to probe an instance attribute on


def _sample_text() -> Any:
    return sqlalchemy.text("x")


def _sample_enum() -> Any:
    return sqlalchemy.Enum("a", name="e")


def _sample_dispatcher() -> Any:
    from alembic.util.langhelpers import PriorityDispatcher

    return PriorityDispatcher()


NAMES: tuple[Private, ...] = (
    Private(
        "alembic.autogenerate.render",
        "_repr_type",
        "autogen.alter_column",
        "the Python spelling of a column type (imports, render_item, dialect types); "
        "Alembic's renderers are public, the per-type functions are not",
    ),
    Private(
        "alembic.autogenerate.render",
        "_render_server_default",
        "autogen.alter_column",
        "the Python spelling of a server default, Identity or Computed, through render_item",
    ),
    Private(
        "alembic.autogenerate.compare.server_defaults",
        "_render_server_default_for_compare",
        "autogen.enums, autogen.server_defaults, autogen.unchanged",
        "compare a model's default with the reflected text exactly as Alembic does",
    ),
    Private(
        "alembic.autogenerate.compare.tables",
        "_compare_tables",
        "autogen.tables",
        "the bulk table loop hands Alembic only the tables that may differ",
    ),
    Private(
        "alembic.autogenerate.compare.util",
        "_INSP_KEYS",
        "autogen.tables",
        "the inspector caches _compare_tables reads, filled in bulk beforehand",
    ),
    Private(
        "alembic.autogenerate.compare.util",
        "_InspectorConv",
        "autogen.check_constraints",
        "reflected constraint names wrapped in conv(), as Alembic's own comparators see them",
    ),
    Private(
        "alembic.autogenerate.compare.types",
        "_compare_type_setup",
        "autogen.types",
        "sets existing_type and skips NullType columns, as Alembic's type comparator does",
    ),
    Private(
        "alembic.util.sqla_compat",
        "all_table_check_constraints",
        "autogen.check_constraints, autogen.signatures",
        "a table's CHECK constraints including those of its columns",
    ),
    Private(
        "alembic.util.sqla_compat",
        "_constraint_is_named",
        "autogen.check_constraints, autogen.signatures",
        "whether a constraint has a name once the naming convention applies",
    ),
    Private(
        "alembic.util.sqla_compat",
        "_get_constraint_final_name",
        "autogen.signatures",
        "a constraint's name after the naming convention, as Alembic compares it",
    ),
    Private(
        "alembic.script.base",
        "ScriptDirectory._upgrade_revs",
        "runner.run, review.checks.roundtrip",
        "the steps of an upgrade with Alembic's own error messages; the runner wraps each",
    ),
    Private(
        "alembic.script.base",
        "ScriptDirectory._downgrade_revs",
        "runner.run, review.checks.roundtrip",
        "the steps of a downgrade, as for _upgrade_revs",
    ),
    Private(
        "sqlalchemy.sql.schema",
        "Column._copy",
        "render.safe_columns",
        "a copy of a model column to add nullable first; Column.copy() is deprecated",
    ),
    Private(
        "sqlalchemy.sql.elements",
        "TextClause._bindparams",
        "autogen.unchanged",
        "a text() default without bound parameters compares as its text, uncompiled",
        _sample_text,
    ),
    Private(
        "sqlalchemy.sql.sqltypes",
        "Enum._valid_lookup",
        "render.backfill",
        "the database value of a Python enum member in a backfill",
        _sample_enum,
    ),
    Private(
        "alembic.util.langhelpers",
        "PriorityDispatcher._registry",
        "autogen.aspects",
        "the comparators registered for an autogenerate run: the shortcut checks each one "
        "declares what it compares; unreadable, the shortcut is off",
        sample=_sample_dispatcher,
    ),
    Private(
        "sqlalchemy.dialects.sqlite.base",
        "SQLiteDialect._get_table_pragma",
        "autogen.reflect_sqlite",
        "the dialect's one reader of PRAGMA rows, answered from one bulk SELECT; renamed, "
        "the override goes unused (slower, not wrong)",
    ),
    Private(
        "sqlalchemy.dialects.sqlite.base",
        "SQLiteDialect._get_table_sql",
        "autogen.reflect_sqlite",
        "the dialect's reader of a table's CREATE text, answered from sqlite_master read once",
    ),
)


def _moved(entry: Private) -> PrivateNameMovedError:
    return PrivateNameMovedError(
        f"{entry.module}.{entry.name} is gone in alembic {alembic.__version__} / "
        f"SQLAlchemy {sqlalchemy.__version__} (the workbench was tested with alembic "
        f"{TESTED_ALEMBIC}); install a tested alembic (uv sync) or port "
        "common/alembic_private.py."
    )


def resolve(entry: Private) -> Any:
    """The object ``entry`` names, or PrivateNameMovedError saying which and what to do."""
    try:
        found: Any = importlib.import_module(entry.module)
    except ImportError:
        raise _moved(entry) from None
    owner, _, attribute = entry.name.rpartition(".")
    for part in owner.split(".") if owner else ():
        found = getattr(found, part, None)
        if found is None:
            raise _moved(entry)
    if entry.sample is not None:
        found = entry.sample()
    if not hasattr(found, attribute):
        raise _moved(entry)
    return getattr(found, attribute)


def _named(module: str, name: str) -> Any:
    for entry in NAMES:
        if (entry.module, entry.name) == (module, name):
            return resolve(entry)
    raise KeyError(f"{module}.{name} is not listed in common.alembic_private.NAMES")


repr_type = _named("alembic.autogenerate.render", "_repr_type")
render_server_default = _named("alembic.autogenerate.render", "_render_server_default")
render_server_default_for_compare = _named(
    "alembic.autogenerate.compare.server_defaults", "_render_server_default_for_compare"
)
compare_tables = _named("alembic.autogenerate.compare.tables", "_compare_tables")
INSPECTOR_KEYS = _named("alembic.autogenerate.compare.util", "_INSP_KEYS")
InspectorConv = _named("alembic.autogenerate.compare.util", "_InspectorConv")
compare_type_setup = _named("alembic.autogenerate.compare.types", "_compare_type_setup")
all_table_check_constraints = _named("alembic.util.sqla_compat", "all_table_check_constraints")
constraint_is_named = _named("alembic.util.sqla_compat", "_constraint_is_named")
constraint_final_name = _named("alembic.util.sqla_compat", "_get_constraint_final_name")


def upgrade_steps(script: Any, destination: str, current: Any) -> list[Any]:
    """``ScriptDirectory._upgrade_revs``: the steps from ``current`` up to ``destination``."""
    return script._upgrade_revs(destination, current)


def downgrade_steps(script: Any, destination: str, current: Any) -> list[Any]:
    """``ScriptDirectory._downgrade_revs``: the RevisionSteps from ``current`` down."""
    return script._downgrade_revs(destination, current)


def has_bind_parameters(clause: Any) -> bool:
    """``TextClause._bindparams``: whether a ``text()`` carries bound parameters."""
    return bool(clause._bindparams)


def copy_column(column: Any) -> Any:
    """``Column._copy``: a detached copy of a model column (``Column.copy()`` is deprecated)."""
    return column._copy()


def enum_lookup(type_: Any) -> dict:
    """``Enum._valid_lookup``: Python member -> the value the database stores."""
    return getattr(type_, "_valid_lookup", {})

"""Comparators declare what they compare; the shortcut stands in only for what it proves.

A table the unchanged-table shortcut proves unchanged skips every table and column
comparator, so one comparing something the shortcut does not prove would be silently
bypassed. ``common.autogen.aspects`` checks the registered comparators before each
comparison: an undeclared one, or one declaring an unproven aspect, turns the shortcut
off, loudly, and its differences are found.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.migration import MigrationContext
from alembic.runtime.plugins import Plugin
from alembic.util import PriorityDispatchResult
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine

import common.autogen.tables as tables_module
from common.autogen import aspects
from common.autogen.unchanged import PROVEN
from common.config import load_settings
from common.migration_env import context_options

EXTRA = "workbench_test_extra_comparator"


def _models(deprecated: bool = False) -> MetaData:
    metadata = MetaData()
    Table(
        "book",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("title", String(50), info={"deprecated": deprecated}),
    )
    return metadata


def _flag_deprecated(context, alter_column_op, schema, tname, cname, conn_col, metadata_col):
    """A comparator reading what no reflection holds: the model column's ``info``."""
    if metadata_col.info.get("deprecated"):
        alter_column_op.modify_comment = "deprecated"
    return PriorityDispatchResult.CONTINUE


def _options(connection, metadata: MetaData, extra: bool) -> dict:
    options = context_options(connection.dialect.name, load_settings(), metadata)
    options.pop("process_revision_directives")
    if extra:
        options["autogenerate_plugins"] = [*options["autogenerate_plugins"], EXTRA]
    return options


@pytest.fixture
def extra_comparator():
    """Registers ``_flag_deprecated`` as a plugin, undeclared; yields a way to declare it."""

    plugin = Plugin(EXTRA)
    plugin.add_autogenerate_comparator(_flag_deprecated, "column", "deprecated")
    yield
    plugin.remove()
    if hasattr(_flag_deprecated, aspects.ATTRIBUTE):
        delattr(_flag_deprecated, aspects.ATTRIBUTE)


def test_every_registered_comparator_is_declared_and_proven():
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        options = _options(connection, MetaData(), extra=False)
        context = AutogenContext(MigrationContext.configure(connection, opts=options))
        assert aspects.unproven(context.comparators, PROVEN) == []
        functions = aspects.registered(context.comparators)
        assert len(functions) >= 15  # Alembic's and the workbench's table/column comparators


@pytest.mark.parametrize("declared", [None, ("column.info",)], ids=["undeclared", "unproven"])
def test_a_comparator_the_shortcut_cannot_stand_in_for_turns_it_off(
    sqlite_url, engine_for, extra_comparator, monkeypatch, declared
):
    engine = engine_for(sqlite_url)
    _models().create_all(engine)
    if declared:
        aspects.compares(*declared)(_flag_deprecated)
    proved = []
    original = tables_module.unchanged_tables
    monkeypatch.setattr(
        tables_module, "unchanged_tables", lambda *a: proved.append(original(*a)) or proved[-1]
    )
    with engine.connect() as connection:
        metadata = _models(deprecated=True)
        context = MigrationContext.configure(connection, opts=_options(connection, metadata, True))
        with pytest.warns(UserWarning, match="shortcut is off.*_flag_deprecated"):
            diffs = compare_metadata(context, metadata)
    assert proved == []  # no table skipped
    assert [d[0][0] for d in diffs] == ["modify_comment"]  # what the comparator found


def test_a_declared_and_proven_comparator_keeps_the_shortcut(
    sqlite_url, engine_for, extra_comparator, recwarn
):
    engine = engine_for(sqlite_url)
    _models().create_all(engine)
    aspects.compares("column.comment")(_flag_deprecated)
    with engine.connect() as connection:
        metadata = _models()
        context = MigrationContext.configure(connection, opts=_options(connection, metadata, True))
        assert compare_metadata(context, metadata) == []
    assert not [w for w in recwarn if "shortcut is off" in str(w.message)]

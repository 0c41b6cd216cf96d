"""Comparators declare what they compare; the shortcut proves it with registered proofs.

A table the unchanged-table shortcut proves unchanged skips every table and column
comparator, so one comparing something no proof covers would be silently bypassed.
``common.autogen.aspects`` builds the shortcut from what the registered comparators
declare and the proofs registered for those aspects: an undeclared comparator, or one
declaring an aspect nothing proves, turns the shortcut off, loudly; one whose aspect
has a proof is honoured by it. Never skipped in silence.
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
    aspects.PROOFS.pop("column.info", None)


def test_every_registered_comparator_is_declared_and_proven():
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        options = _options(connection, MetaData(), extra=False)
        context = AutogenContext(MigrationContext.configure(connection, opts=options))
        proofs, problems = aspects.needed(context.comparators)
        assert problems == []
        functions = aspects.registered(context.comparators)
        assert len(functions) >= 15  # Alembic's and the workbench's table/column comparators
    compared = set().union(*(aspects.declared(function) for function in functions))
    assert {proof.aspect for proof in proofs} <= compared
    assert {a for a in compared if aspects.PROOFS[a].check in {p.check for p in proofs}} == compared


def _spy_on_the_shortcut(monkeypatch) -> list:
    """The sets of tables the shortcut proved unchanged, one per comparison it ran."""
    proved: list = []
    original = tables_module.unchanged_tables
    monkeypatch.setattr(
        tables_module, "unchanged_tables", lambda *a: proved.append(original(*a)) or proved[-1]
    )
    return proved


@pytest.mark.parametrize("declared", [None, ("column.info",)], ids=["undeclared", "unproven"])
def test_a_comparator_the_shortcut_cannot_stand_in_for_turns_it_off(
    sqlite_url, engine_for, extra_comparator, monkeypatch, declared
):
    engine = engine_for(sqlite_url)
    _models().create_all(engine)
    if declared:
        aspects.compares(*declared)(_flag_deprecated)
    proved = _spy_on_the_shortcut(monkeypatch)
    with engine.connect() as connection:
        metadata = _models(deprecated=True)
        context = MigrationContext.configure(connection, opts=_options(connection, metadata, True))
        with pytest.warns(UserWarning, match="shortcut is off.*_flag_deprecated"):
            diffs = compare_metadata(context, metadata)
    assert proved == []  # no table skipped
    assert [d[0][0] for d in diffs] == ["modify_comment"]  # what the comparator found


def _deprecated_reads(comparer, info, column, table):
    return column.info.get("deprecated")


@pytest.mark.parametrize("proof", ["decides", "asks"])
@pytest.mark.parametrize("deprecated", [False, True], ids=["in-sync", "changed"])
def test_a_comparator_with_its_own_proof_is_honoured_by_the_shortcut(
    sqlite_url, engine_for, extra_comparator, monkeypatch, recwarn, proof, deprecated
):
    """Declared with a proof registered next to it (no other edit): the shortcut runs,
    skips the in-sync table, and leaves the changed one to the full comparison. A proof
    that asks defers to the comparator itself, once per spelling its reads give."""
    engine = engine_for(sqlite_url)
    _models().create_all(engine)
    aspects.compares("column.info")(_flag_deprecated)

    @aspects.proves("column.info", reads=_deprecated_reads)
    def _not_deprecated(comparer, info, column, table):
        if proof == "asks":
            return aspects.ASK
        return not column.info.get("deprecated")

    proved = _spy_on_the_shortcut(monkeypatch)
    with engine.connect() as connection:
        metadata = _models(deprecated=deprecated)
        context = MigrationContext.configure(connection, opts=_options(connection, metadata, True))
        diffs = compare_metadata(context, metadata)
    assert not [w for w in recwarn if "shortcut is off" in str(w.message)]
    assert proved == ([set()] if deprecated else [{(None, "book")}])
    assert [d[0][0] for d in diffs] == (["modify_comment"] if deprecated else [])

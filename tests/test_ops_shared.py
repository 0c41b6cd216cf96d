"""One test for every workbench operation: it renders, reverses, diffs, describes itself,
and emits the same SQL online as offline (``--sql``).

Each op brings its own ``example()`` (and ``example_setup()``) against
``common.ops.examples``. Online, the statements the op sends are captured as they are
executed (compiled with their values inlined); offline, the op is run in Alembic's
``as_sql`` mode. Reads (SELECT, PRAGMA, SHOW, SET) and the workbench's own bookkeeping
tables are left out of the comparison: they are how the online run looks before it acts,
not what it does. A PL/pgSQL ``DO`` block is an action (the enum ops run their catalog
work in one).

An op refused on a database (MySQL has no REINDEX) must refuse online and offline with
the same one-line error. An op whose ``offline_refused`` names the database (its SQL is
built from what the database has, e.g. SQLite's table copy) must run online and refuse
``--sql`` with one line saying so.

An op that stops the revision by design (``stop_migration``) must stop online and
offline alike, with the same error and message, before any statement.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.migration import MigrationContext
from alembic.operations import MigrateOperation, Operations

from common.errors import MigrationStoppedError, WorkbenchError
from common.models import NAMING_CONVENTION
from common.ops import all_ops, examples
from common.ops.base import WorkbenchOp

_ACTIONS = ("CREATE", "ALTER", "DROP", "UPDATE", "DELETE", "INSERT", "COMMENT", "REINDEX", "DO")


OPS = all_ops()

#: a revision's context carries the models' metadata, whose naming convention Alembic
#: applies to the names its ops are given (``ck_%(constraint_name)s`` would rename an
#: explicit CHECK name offline but not online): both runs here get it, as update-db does
CONTEXT = {"target_metadata": sa.MetaData(naming_convention=NAMING_CONVENTION)}


def _example(cls: type[WorkbenchOp]) -> WorkbenchOp:
    try:
        return cls.example()
    except NotImplementedError:
        pytest.skip(f"{cls.__name__} has no example() yet")


def _normal(statement: str) -> str:
    return re.sub(r"\s+", " ", statement).strip().rstrip(";").strip()


def _is_action(statement: str) -> bool:
    words = statement.split(" ", 1)
    return words[0].upper() in _ACTIONS and "alembic_" not in statement


@pytest.mark.parametrize("cls", OPS, ids=lambda cls: cls.op_name)
def test_renders_reverses_diffs_and_describes(cls):
    op = _example(cls)
    context = AutogenContext(
        MigrationContext.configure(dialect_name="postgresql"),
        opts={"sqlalchemy_module_prefix": "sa.", "alembic_module_prefix": "op."},
    )
    text = render_op_text(context, op)
    call = "\n".join(line for line in text.splitlines() if not line.startswith("# REVIEW:"))
    assert call.startswith(f"op.{cls.op_name}("), text
    compile(text, "<rendered>", "eval")
    assert op.to_diff_tuple() == (cls.op_name, op.describe())
    assert op.describe().strip()
    for dialect in ("postgresql", "mysql", "sqlite"):
        lock = op.lock(dialect)
        assert lock is None or lock.strip()
    reverse = op.reverse()
    assert isinstance(reverse, MigrateOperation)


def _online(url: sa.URL, op: WorkbenchOp) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    captured: list[str] = []
    try:
        with engine.begin() as conn:
            examples.metadata.create_all(conn)
            for table, rows in examples.ROWS.items():
                conn.execute(examples.metadata.tables[table].insert(), rows)
        with engine.connect() as conn:
            setup = Operations(MigrationContext.configure(conn))
            for step in type(op).example_setup_for(url.get_dialect().name):
                setup.invoke(step)
            conn.commit()

        @sa.event.listens_for(engine, "before_execute")
        def _capture(conn, clause, multiparams, params, options):
            if isinstance(clause, sa.sql.Select):
                return  # a read (reflection's catalog queries inline no REGCLASS value)
            if isinstance(clause, sa.sql.ClauseElement | sa.schema.ExecutableDDLElement):
                try:
                    compiled = clause.compile(
                        dialect=conn.dialect, compile_kwargs={"literal_binds": True}
                    )
                except sa.exc.CompileError:  # a read whose parameters have no literal form
                    compiled = clause.compile(dialect=conn.dialect)
                captured.append(_normal(str(compiled)))

        with engine.connect() as conn:
            Operations(MigrationContext.configure(conn, opts=CONTEXT)).invoke(op)
            conn.commit()
    finally:
        engine.dispose()
    return [s for s in captured if _is_action(s)]


def _offline(dialect: str, op: WorkbenchOp) -> list[str]:
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=dialect,
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True, **CONTEXT},
    )
    Operations(context).invoke(op)
    # Alembic ends each offline statement with ";" and a blank line (";\n" can be inside)
    statements = [_normal(s) for s in buffer.getvalue().split(";\n\n")]
    return [s for s in statements if s and _is_action(s)]


def _outcome(run, *args) -> list[str] | str | tuple[str, str]:
    """The action statements, the one-line error an op refuses with, or the stop (error
    class and message) that ended the run."""
    try:
        return run(*args)
    except MigrationStoppedError as stop:
        return (type(stop).__name__, str(stop))
    except WorkbenchError as exc:
        return exc.one_line()


@pytest.mark.parametrize("cls", OPS, ids=lambda cls: cls.op_name)
def test_online_and_offline_emit_the_same_sql(cls, dialect, any_url):
    _example(cls)
    name = any_url.get_dialect().name
    op = cls.example_for(name)
    online = _outcome(_online, any_url, op)
    offline = _outcome(_offline, name, op)
    if ("mysql" if name == "mariadb" else name) in cls.offline_refused:
        assert isinstance(online, list), online
        assert isinstance(offline, str) and "--sql cannot write" in offline, offline
        return
    assert online == offline

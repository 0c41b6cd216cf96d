"""One page per workbench operation: what it does, its locks, online and offline, an example.

Everything comes from the op class: its module's docstring (what and why), ``lock()`` on
each database (the review header's ``lock:`` line), ``atomic`` (whether it runs in the
revision's transaction), ``offline_refused``, and its ``example()`` rendered twice: as
the call a revision makes (Alembic's own renderer) and as the SQL ``update-db --sql``
writes on PostgreSQL. ``tests/test_ops_shared.py`` runs that same example online and
offline on every database, so the example printed here is one that runs.
"""

from __future__ import annotations

import io
import sys

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.migration import MigrationContext
from alembic.operations import Operations

from common.errors import WorkbenchError
from common.models import NAMING_CONVENTION
from common.ops import all_ops
from common.ops.base import WorkbenchOp
from common.reference._markdown import docstring, fence, index, table

SECTION = "operations"
DIALECTS = ("postgresql", "mysql", "sqlite")
_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}
_RENDER_OPTS = {"sqlalchemy_module_prefix": "sa.", "alembic_module_prefix": "op."}


def summary(cls: type[WorkbenchOp]) -> str:
    """One line for the index: the module docstring's first paragraph without its
    ``op.x:`` prefix, or, in a module of several ops, the class's own first line."""
    paragraph = " ".join(docstring(sys.modules[cls.__module__]).split("\n\n", 1)[0].split())
    own = f"`op.{cls.op_name}`:"
    if paragraph.startswith(own):
        return paragraph[len(own) :].strip()
    first = docstring(cls).split("\n\n", 1)[0]
    return " ".join(first.split()) if first and cls.__doc__ else paragraph


def call(op: WorkbenchOp) -> str:
    """The example as a revision writes it (what autogenerate renders)."""
    context = AutogenContext(
        MigrationContext.configure(dialect_name="postgresql"), opts=_RENDER_OPTS
    )
    return render_op_text(context, op)


def offline_sql(op: WorkbenchOp, dialect: str = "postgresql") -> str:
    """What ``update-db --sql`` writes for the example, or the line it refuses with."""
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=dialect,
        opts={
            "as_sql": True,
            "output_buffer": buffer,
            "literal_binds": True,
            "target_metadata": sa.MetaData(naming_convention=NAMING_CONVENTION),
        },
    )
    try:
        Operations(context).invoke(op)
    except WorkbenchError as exc:
        return f"-- refused: {exc.one_line()}"
    return buffer.getvalue().strip()


def _transaction(cls: type[WorkbenchOp]) -> str:
    if cls.atomic:
        return "in the revision's transaction"
    return (
        "outside a transaction (`autocommit_block()`): the revision's earlier steps are "
        "committed first, and the script's header makes them rerunnable"
    )


def _offline(cls: type[WorkbenchOp]) -> str:
    if not cls.offline_refused:
        return "written as SQL on every database (same statements as online)"
    refused = ", ".join(sorted(cls.offline_refused))
    return f"refused on {refused} with one line (the SQL depends on what the database holds)"


def page(cls: type[WorkbenchOp]) -> str:
    op = cls.example()
    lines = [f"# `op.{cls.op_name}`", "", docstring(sys.modules[cls.__module__]), ""]
    lines += ["## Locks and transactions", ""]
    rows = [(name, op.lock(name) or "a brief catalog change on its table") for name in DIALECTS]
    lines += table(("database", "lock"), rows)
    lines += [f"- **Runs** {_transaction(cls)}.", f"- **Offline (`--sql`)**: {_offline(cls)}."]
    destroys = op.destroys()
    if destroys:
        lines.append(f"- **Destroys** {destroys} (listed in the review header as destructive).")
    lines += ["", "## Example", "", "In a revision:", ""]
    lines += fence("python", call(op))
    lines += [f"Its line in `check` and in the review header: *{op.describe()}*", ""]
    return "\n".join(lines + _sql_section(cls))


def _sql_section(cls: type[WorkbenchOp]) -> list[str]:
    """The offline SQL on PostgreSQL; for an op that writes nothing there (a MySQL-only
    step), on the first database where it writes something."""
    sql = {name: offline_sql(cls.example_for(name), name) for name in DIALECTS}
    shown = next((name for name in DIALECTS if sql[name]), "postgresql")
    lines = [f"What `update-db --sql` writes for it on {_NAMES[shown]}:", ""]
    lines += fence("sql", sql[shown] or "-- nothing")
    silent = [_NAMES[name] for name in DIALECTS if not sql[name]]
    if silent:
        lines += [f"On {' and '.join(silent)} it writes nothing.", ""]
    return lines


def pages() -> dict[str, str]:
    ops = all_ops()
    found = {f"{SECTION}/{cls.op_name}.md": page(cls) for cls in ops}
    found[f"{SECTION}/index.md"] = index(
        "Operations",
        "The workbench's own operations, `op.<name>(...)` in a revision, next to Alembic's. "
        "Each page is generated from the operation itself.",
        ((f"`op.{cls.op_name}`", f"{cls.op_name}.md", summary(cls)) for cls in ops),
    )
    return found

"""The review header at the top of every generated script's docstring.

It tells the reviewer, before any code: what the upgrade does step by step, which table
each step locks and how (PostgreSQL lock levels; batch copies on SQLite; metadata locks on
MySQL/MariaDB), what is destructive, and what to check by hand (every ``# REVIEW:``
note). ``script.py.mako`` prints it from ``config.attributes[HEADER]``.
"""

from __future__ import annotations

from alembic.operations import ops

from common.ops.base import WorkbenchOp
from common.render.notes import notes_of, path_of
from common.render.regroup import tables_created

HEADER = "workbench_review_header"
#: revision id -> header, for a run that writes more than one revision (expand/contract)
HEADERS = "workbench_review_headers"

_BRIEF = "ACCESS EXCLUSIVE, brief (catalog change only)"


def _lock(dialect: str, postgres: str, created: bool = False) -> str:
    if created:
        return "none (new table)"
    if dialect == "postgresql":
        return postgres
    if dialect == "sqlite":
        return "the table is copied (batch mode); the database is locked while it runs"
    return "metadata lock; InnoDB rebuilds online where it can"


def _column_step(op, table: str, dialect: str, created: bool) -> tuple[str, str, str | None]:
    if isinstance(op, WorkbenchOp):
        return _workbench_step(op, dialect, created)
    if isinstance(op, ops.AddColumnOp):
        null = "NULL" if op.column.nullable else "NOT NULL"
        default = _default_sql(op.column.server_default)
        null += f" DEFAULT {default}" if default else ""
        return (
            f"add column {table}.{op.column.name} ({null})",
            _lock(dialect, _BRIEF, created),
            None,
        )
    if isinstance(op, ops.DropColumnOp):
        text = f"drop column {table}.{op.column_name}"
        return text, _lock(dialect, _BRIEF, created), f"{text} and its data"
    if isinstance(op, ops.AlterColumnOp):
        return _alter_step(op, table, dialect, created)
    if isinstance(op, ops.CreateIndexOp):
        lock = _lock(dialect, "SHARE (writes blocked) for the whole build", created)
        return f"create index {op.index_name} on {table}", lock, None
    if isinstance(op, ops.DropIndexOp):
        return f"drop index {op.index_name} on {table}", _lock(dialect, _BRIEF, created), None
    if isinstance(op, ops.DropConstraintOp):
        text = f"drop constraint {op.constraint_name} on {table}"
        return text, _lock(dialect, _BRIEF, created), None
    if isinstance(op, ops.AddConstraintOp):
        name = getattr(op, "constraint_name", None) or "(unnamed)"
        lock = _lock(dialect, "ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE while it scans", created)
        return f"add constraint {name} on {table}", lock, None
    return _generic(op, table, dialect, created)


def _default_sql(default) -> str | None:
    """A server default as the SQL it adds (``'new'``, ``3``, ``now()``), or None."""
    arg = getattr(default, "arg", default)  # a DefaultClause, or what alter_column takes
    if arg is None or arg is False:
        return None
    return repr(arg) if isinstance(arg, str) else str(getattr(arg, "text", arg))


def _alter_step(op: ops.AlterColumnOp, table: str, dialect: str, created: bool):
    changes = []
    lock = _BRIEF
    if op.modify_name:
        changes.append(f"rename to {op.modify_name}")
    if op.modify_type is not None:
        changes.append(f"type -> {op.modify_type!r}")
        lock = "ACCESS EXCLUSIVE; may rewrite the whole table"
    if op.modify_nullable is not None:
        changes.append("NOT NULL" if op.modify_nullable is False else "nullable")
        if op.modify_nullable is False:
            lock = "ACCESS EXCLUSIVE while the whole table is scanned"
    if op.modify_server_default is not False:
        default = _default_sql(op.modify_server_default)
        changes.append(f"server default {default}" if default else "drop server default")
    if op.modify_comment is not False:
        changes.append("comment")
    text = f"alter column {table}.{op.column_name}: {', '.join(changes) or 'options'}"
    return text, _lock(dialect, lock, created), None


def _generic(op, table: str | None, dialect: str, created: bool):
    text = type(op).__name__
    where = f" on {table}" if table else ""
    return f"{text}{where}", _lock(dialect, _BRIEF, created) if table else "none", None


def _workbench_step(op: WorkbenchOp, dialect: str, created: bool = False):
    """The op's own line, lock and destruction: a new op brings its header entry along."""
    lock = "none (new table)" if created else op.lock(dialect)
    if lock is None:
        lock = _lock(dialect, _BRIEF) if getattr(op, "table_name", None) else "none"
    return op.describe(), lock, op.destroys()


def _with_path(op, step: tuple[str, str, str | None]) -> tuple[str, str, str | None, str | None]:
    return (*step, path_of(op))


def _step(op, dialect: str, created: set[str]) -> list[tuple[str, str, str | None, str | None]]:
    if isinstance(op, ops.ModifyTableOps):
        new = op.table_name in created
        return [
            _with_path(inner, _column_step(inner, op.table_name, dialect, new)) for inner in op.ops
        ]
    return [_with_path(op, step) for step in _table_step(op, dialect, created)]


def _table_step(op, dialect: str, created: set[str]) -> list[tuple[str, str, str | None]]:
    if isinstance(op, ops.CreateTableOp):
        return [(f"create table {op.table_name}", "none (new table)", None)]
    if isinstance(op, ops.DropTableOp):
        text = f"drop table {op.table_name}"
        return [(text, _lock(dialect, "ACCESS EXCLUSIVE"), f"{text} and every row in it")]
    if isinstance(op, ops.RenameTableOp):
        text = f"rename table {op.table_name} to {op.new_table_name}"
        return [(text, _lock(dialect, _BRIEF), None)]
    if isinstance(op, WorkbenchOp):
        return [_workbench_step(op, dialect)]
    return [_generic(op, getattr(op, "table_name", None), dialect, False)]


def _notes(container: ops.OpContainer) -> list[str]:
    found = []
    for op in container.ops:
        found += notes_of(op)
        if isinstance(op, ops.ModifyTableOps):
            found += _notes(op)
    return found


def review_header(script: ops.MigrationScript, dialect: str) -> str:
    """The header text (no surrounding quotes), or "" for an empty upgrade."""
    upgrade = script.upgrade_ops_list[-1]
    created = tables_created(upgrade)
    steps = [step for op in upgrade.ops for step in _step(op, dialect, created)]
    if not steps:
        return ""
    lines = [f"Review ({dialect or 'any database'}); upgrade steps, and what each locks:"]
    for number, (text, lock, _, path) in enumerate(steps, 1):
        lines.append(f"  {number}. {text}")
        lines.append(f"     lock: {lock}")
        if path:
            lines.append(f"     why: {path}")
    destructive = [d for _, _, d, _ in steps if d]
    lines.append("Destructive: " + ("none" if not destructive else ""))
    lines += [f"  - {d}" for d in destructive]
    notes = _notes(upgrade)
    lines.append("Check by hand: " + ("nothing flagged" if not notes else ""))
    lines += [f"  - {note}" for note in notes]
    text = "\n".join(line.rstrip() for line in lines)
    return text.replace("\\", "/").replace('"""', "'''")

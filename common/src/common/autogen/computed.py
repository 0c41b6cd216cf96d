"""Generated (computed) columns whose expression changed: dropped and added again.

Alembic only warns ("Computed default ... cannot be modified") and writes nothing, so the
database keeps computing the old expression. PostgreSQL before 17 cannot change a
generation expression in place; the values are derived, so dropping the column and
adding it with the new expression loses nothing. Expressions are compared after
``check_constraints.normalize`` (the database adds casts and parentheses) and, on
MySQL/MariaDB, as the server spells them (``computed_spelling``: ``length()`` is stored
as ``octet_length()``). ``_same_computed`` is the unchanged-table shortcut's proof of it.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult

from common.autogen.aspects import compares, proves
from common.autogen.computed_spelling import model_text, same


@compares("column.computed")
def _compare_computed(
    autogen_context: Any,
    modify_table_ops: ops.ModifyTableOps,
    schema: str | None,
    tname: str,
    conn_table: Any,
    metadata_table: Any,
) -> PriorityDispatchResult:
    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE
    dialect = autogen_context.dialect
    for column in metadata_table.columns:
        old = conn_table.c.get(column.name)
        if old is None or column.computed is None or old.computed is None:
            continue
        if same(autogen_context, metadata_table, column, model_text(old, dialect)):
            continue
        modify_table_ops.ops.append(
            ops.DropColumnOp.from_column_and_tablename(schema, tname, old.copy())
        )
        modify_table_ops.ops.append(
            ops.AddColumnOp.from_column_and_tablename(schema, tname, column.copy())
        )
    return PriorityDispatchResult.CONTINUE


def _reads(comparer: Any, info: dict, column: Any, table: Any) -> tuple:
    return (repr(info.get("computed")), model_text(column, comparer.dialect))


@proves("column.computed", reads=_reads)
def _same_computed(comparer: Any, info: dict, column: Any, table: Any) -> bool:
    reflected, model = info.get("computed"), column.computed
    if reflected is None and model is None:
        return True
    if reflected is None or model is None:
        return False
    if bool(reflected.get("persisted")) != bool(model.persisted):
        return False
    return same(comparer.context, table, column, reflected["sqltext"])


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _compare_computed, "table", "computed", priority=DispatchPriority.LAST
    )

"""PostgreSQL index options Alembic does not compare: predicate, INCLUDE columns, method.

Alembic notices an index whose columns, expressions or unique flag changed, but an index
whose ``postgresql_where`` predicate, ``postgresql_include`` columns or
``postgresql_using`` method changed passes as equal. This comparator looks at indexes
present under the same name on both sides and, when one of those differs, drops and
recreates it. The predicate is compared after ``check_constraints.normalize`` (the
database adds casts and parentheses), so an unchanged partial index is never reported.
The reflected indexes come from the table Alembic already reflected: no extra query.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import Index

from common.autogen.aspects import compares
from common.autogen.check_constraints import normalize


def _where(index: Index, dialect: Any) -> str | None:
    where = index.dialect_options["postgresql"].get("where")
    if where is None:
        return None
    if not isinstance(where, str):
        where = str(
            where.compile(
                dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}
            )
        )
    return normalize(where)


def _include(index: Index) -> list[str]:
    columns = index.dialect_options["postgresql"].get("include") or []
    return [getattr(c, "name", c) for c in columns]


def _method(index: Index) -> str:
    return (index.dialect_options["postgresql"].get("using") or "btree").lower()


def options(index: Index, dialect: Any) -> tuple:
    """What this comparator adds to Alembic's index comparison."""
    return (_where(index, dialect), _include(index), _method(index))


@compares("table.indexes")
def _compare_index_options(
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
    already = {
        op.index_name
        for op in modify_table_ops.ops
        if isinstance(op, (ops.DropIndexOp, ops.CreateIndexOp))
    }
    reflected = {str(ix.name): ix for ix in conn_table.indexes}
    for index in sorted(metadata_table.indexes, key=lambda ix: str(ix.name)):
        name = str(index.name)
        old = reflected.get(name)
        if old is None or name in already:
            continue
        if options(old, dialect) == options(index, dialect):
            continue
        if not autogen_context.run_object_filters(index, name, "index", False, old):
            continue
        modify_table_ops.ops.append(ops.DropIndexOp.from_index(old))
        modify_table_ops.ops.append(ops.CreateIndexOp.from_index(index))
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _compare_index_options,
        "table",
        "index_options",
        qualifier="postgresql",
        priority=DispatchPriority.LAST,
    )

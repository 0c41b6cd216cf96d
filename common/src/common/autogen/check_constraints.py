"""CHECK constraints: added, dropped, and changed, by name and by normalized expression.

Alembic ignores CHECK constraints unless one opts into ``alembic.ext.checkconstraint_byname``,
which compares names only. Databases do not hand back the expression as written:
PostgreSQL adds casts and parentheses and turns ``IN`` into ``= ANY (ARRAY[...])`` and
``BETWEEN`` into two comparisons; MariaDB adds backquotes. Both sides are brought to one
spelling (``normalize``) before comparing, so an unchanged constraint is never reported
and a changed one becomes a drop and a re-add under the same name.

The database side comes from the bulk reflection Alembic already cached
(``get_multi_check_constraints``): no query per table.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from alembic.operations import ops
from alembic.util import PriorityDispatchResult
from sqlalchemy import CheckConstraint

from common.alembic_private import InspectorConv, all_table_check_constraints, constraint_is_named
from common.autogen.aspects import compares

_CAST = re.compile(
    r"::(?:character varying|double precision|timestamp with(?:out)? time zone|"
    r"time with(?:out)? time zone|bit varying|[\w.\"]+)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?",
    re.IGNORECASE,
)
_ANY = re.compile(r"=\s*any\s*\(\s*\(?\s*array\s*\[(.*?)\]\s*\)?\s*\)", re.IGNORECASE)
_ALL = re.compile(r"<>\s*all\s*\(\s*\(?\s*array\s*\[(.*?)\]\s*\)?\s*\)", re.IGNORECASE)
_BETWEEN = re.compile(r"(\S+)\s+between\s+(\S+)\s+and\s+(\S+)", re.IGNORECASE)
_STRING = re.compile(r"('(?:[^']|'')*')")


@functools.lru_cache(maxsize=4096)
def normalize(expression: str) -> str:
    """One spelling for an expression as written in a model or as a database returns it."""
    parts = _STRING.split(expression)  # code, literal, code, literal, ..., code
    code = "\x00".join(parts[0::2])
    code = _CAST.sub("", code)
    code = _ANY.sub(r" IN (\1)", code)
    code = _ALL.sub(r" NOT IN (\1)", code)
    code = _BETWEEN.sub(r"\1 >= \2 AND \1 <= \3", code)
    code = code.replace("!=", "<>").replace('"', "").replace("`", "")
    code = re.sub(r"[()\s]+", "", code).lower()
    pieces = code.split("\x00")
    return pieces[0] + "".join(
        literal + piece for literal, piece in zip(parts[1::2], pieces[1:], strict=True)
    )


def _model_text(constraint: CheckConstraint, dialect: Any) -> str:
    return str(constraint.sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _reflected(impl: Any, item: dict, conn_table: Any) -> CheckConstraint:
    return CheckConstraint(
        item["sqltext"],
        name=item["name"],
        table=conn_table,
        **impl.adjust_reflected_dialect_options(item, "check_constraint"),
    )


@compares("table.checks")
def _compare_check_constraints(
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
    try:
        reflected = InspectorConv(autogen_context.inspector).get_check_constraints(
            tname, schema=schema
        )
    except NotImplementedError:
        return PriorityDispatchResult.CONTINUE
    in_db = {str(item["name"]): item for item in reflected if item.get("name")}
    in_model = {
        str(ck.name): ck
        for ck in all_table_check_constraints(metadata_table)
        if constraint_is_named(ck, dialect)
    }
    impl = autogen_context.migration_context.impl
    for name in sorted(set(in_db) - set(in_model)):
        constraint = _reflected(impl, in_db[name], conn_table)
        if autogen_context.run_object_filters(constraint, name, "check_constraint", True, None):
            modify_table_ops.ops.append(ops.DropConstraintOp.from_constraint(constraint))
    for name in sorted(in_model):
        constraint = in_model[name]
        if not autogen_context.run_object_filters(
            constraint, name, "check_constraint", False, None
        ):
            continue
        if name in in_db:
            old = in_db[name]["sqltext"]
            if normalize(old) == normalize(_model_text(constraint, dialect)):
                continue
            existing = _reflected(impl, in_db[name], conn_table)
            modify_table_ops.ops.append(ops.DropConstraintOp.from_constraint(existing))
        modify_table_ops.ops.append(ops.AddConstraintOp.from_constraint(constraint))
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(_compare_check_constraints, "table", "check_constraints")

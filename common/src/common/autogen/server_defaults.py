"""Server defaults on MySQL/MariaDB: equal defaults spelled differently are not changes.

MariaDB hands back ``false`` as ``0`` and ``now()`` as ``current_timestamp()``, and
Alembic compares MySQL defaults as text, so every such column would show up in every
revision as a changed default. This comparator runs after Alembic's and withdraws the
change when both spellings mean the same. (On PostgreSQL, Alembic already asks the
server to evaluate both sides.)
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult

from common.alembic_private import render_server_default_for_compare
from common.autogen.aspects import compares

_NUMBER = re.compile(r"[-+]?\d+(\.\d*)?")
_SAME = {
    "now()": "current_timestamp",
    "current_timestamp()": "current_timestamp",
    "localtimestamp()": "current_timestamp",
    "localtimestamp": "current_timestamp",
    "false": "0",
    "true": "1",
}


def normalize_default(text: str | None) -> str | None:
    """One spelling per meaning: ``now()`` and ``current_timestamp()``, ``0`` and ``0.00``
    (MariaDB writes a DECIMAL(12, 2) column's default ``0`` with the column's scale)."""
    if text is None:
        return None
    value = text.strip().lower()
    while len(value) > 1 and value[0] + value[-1] in ("()", "''", '""'):
        value = value[1:-1].strip()
    if _NUMBER.fullmatch(value):
        return str(Decimal(value).normalize())
    return _SAME.get(value, value)


@compares("column.server_default")
def _withdraw_equal_default(
    autogen_context: Any,
    alter_column_op: ops.AlterColumnOp,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: Any,
    metadata_col: Any,
) -> PriorityDispatchResult:
    if autogen_context.dialect.name != "mysql" or alter_column_op.modify_server_default is False:
        return PriorityDispatchResult.CONTINUE
    if conn_col.server_default is None or metadata_col.server_default is None:
        return PriorityDispatchResult.CONTINUE
    model = render_server_default_for_compare(metadata_col.server_default, autogen_context)
    database = getattr(conn_col.server_default.arg, "text", conn_col.server_default.arg)
    if normalize_default(model) == normalize_default(str(database)):
        alter_column_op.modify_server_default = False
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _withdraw_equal_default,
        "column",
        "server_default_equivalence",
        priority=DispatchPriority.LAST,
    )

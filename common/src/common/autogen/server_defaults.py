"""Server defaults on MySQL/MariaDB: equal defaults spelled differently are not changes.

MariaDB hands back ``false`` as ``0`` and ``now()`` as ``current_timestamp()``, and
Alembic compares MySQL defaults as text, so every such column would show up in every
revision as a changed default. This comparator runs after Alembic's and withdraws the
change when both spellings mean the same. (On PostgreSQL, Alembic already asks the
server to evaluate both sides.)

The unchanged-table shortcut's proof for server defaults is here too (``_same_default``):
the same text on both sides, a PostgreSQL literal with its cast, or a SERIAL's own
sequence; anything else spelled apart is left to the comparators (``aspects.ASK``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import DefaultClause

from common.alembic_private import render_server_default_for_compare
from common.autogen.aspects import ASK, compares, proves
from common.autogen.signatures import Maybe

_NEXTVAL = re.compile(r"nextval\('(.+?)'::regclass\)")
_CAST_LITERAL = re.compile(r"^('(?:[^']|'')*')::[\w .\"\[\]()]+$")
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


def _reads(comparer: Any, info: dict, column: Any, table: Any) -> tuple:
    """What the server default comparators read of the two columns."""
    return (info.get("default"), comparer.default_text(column), column.computed is not None)


@proves("column.server_default", reads=_reads)
def _same_default(comparer: Any, info: dict, column: Any, table: Any) -> bool | str:
    in_db = info.get("default")
    postgresql = comparer.dialect.name == "postgresql"
    if in_db is not None and postgresql:
        serial = _NEXTVAL.match(in_db)
        if serial and comparer.serial_owner(serial.group(1)) == (table.name, column.name):
            in_db = None  # what common.autogen.sequences does at reflection
        if column.primary_key and column is table.autoincrement_column:
            return True  # Alembic's PostgreSQL comparison skips SERIAL defaults
    model = column.server_default
    if model is None or column.computed is not None:  # the computed proof compares that
        return in_db is None or (not postgresql and ASK)
    if not isinstance(model, DefaultClause):
        raise Maybe("server default that is not a plain DEFAULT")
    found = comparer.default_text(column)
    if found == in_db or _same_literal(found, in_db, quote=isinstance(model.arg, str)):
        return True
    return False if postgresql else ASK


def _same_literal(model: str | None, in_db: str | None, quote: bool) -> bool:
    """``''`` in the model and ``''::character varying`` in the database.

    PostgreSQL keeps a string default with a cast to the column's type. Comparing
    ``'x'::T`` with ``'x'`` is always true (the bare literal takes the type T), which is
    what Alembic finds by asking the server, once per such column; here it costs nothing.
    A plain string ``server_default="x"`` means the literal ``'x'``, as Alembic renders it.
    """
    if model is None or in_db is None:
        return False
    found = _CAST_LITERAL.match(in_db)
    if found is None:
        return False
    if quote and not model.startswith("'"):
        model = f"'{model}'"
    return model == found.group(1)


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _withdraw_equal_default,
        "column",
        "server_default_equivalence",
        priority=DispatchPriority.LAST,
    )
